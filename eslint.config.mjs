// ESLint 9 flat config for the whole workspace. Every project's `lint` target runs
// `eslint <projectRoot>` from the workspace root, so this one file applies everywhere.
// Rules are syntax-only (no type information) to keep linting fast.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TS_FILES = ['**/*.ts', '**/*.tsx', '**/*.cts', '**/*.mts'];
const JS_FILES = ['**/*.js', '**/*.jsx', '**/*.cjs', '**/*.mjs'];

/**
 * Which projects may import which, by tag. A source may depend on a target only if the target
 * carries at least one of the listed tags; every constraint whose sourceTag a project carries
 * must be satisfied (so scope AND type are both enforced).
 */
const depConstraints = [
  // Scopes: the server and the web console never import each other; both may use shared code.
  { sourceTag: 'scope:server', onlyDependOnLibsWithTags: ['scope:server', 'scope:shared'] },
  { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:web', 'scope:shared'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },

  // Layers: dependencies only point "down".
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:ui', 'type:util', 'type:contract'],
  },
  {
    sourceTag: 'type:e2e',
    onlyDependOnLibsWithTags: ['type:contract', 'type:util'],
  },
  {
    sourceTag: 'type:feature',
    onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:ui', 'type:util', 'type:contract'],
  },
  {
    sourceTag: 'type:data-access',
    onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:contract'],
  },
  { sourceTag: 'type:ui', onlyDependOnLibsWithTags: ['type:ui', 'type:util', 'type:contract'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contract'] },
  { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'] },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.nx/**',
      '**/.angular/**',
      '**/coverage/**',
      '**/tmp/**',
      '**/test-results/**',
    ],
  },

  // Module boundaries apply to every source file, TypeScript or JavaScript.
  {
    files: [...TS_FILES, ...JS_FILES],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          // The shared Jest preset lives at the workspace root, outside every project.
          allow: ['^(\\.\\./)+jest\\.preset(\\.ts)?$'],
          depConstraints,
        },
      ],
    },
  },

  // JavaScript: eslint recommended.
  {
    files: JS_FILES,
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.node },
    },
  },

  // TypeScript: eslint + typescript-eslint recommended (not type-checked).
  {
    files: TS_FILES,
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  // Application code logs through a logger; console.warn/error stay allowed for last-resort reporting.
  {
    files: [...TS_FILES, ...JS_FILES],
    rules: { 'no-console': ['error', { allow: ['warn', 'error'] }] },
  },

  // Node-side code (server, e2e harness, tooling) knows Node globals; the console knows the browser's.
  {
    files: ['apps/server/**', 'libs/**', 'apps/web-e2e/**', 'scripts/**', '*.{ts,mjs,js,cjs}'],
    // The console's libraries run in the browser (their vitest configs, *.mts, run in Node).
    ignores: ['libs/web/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['apps/web/src/**', 'libs/web/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // E2E specs run in Node but hand functions to the page (page.evaluate, waitForFunction).
  {
    files: ['apps/web-e2e/specs/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },

  // Specs: jest globals on the Node side, vitest globals (enabled by the Angular builder) on the web.
  {
    files: ['apps/server/**/*.spec.ts', 'apps/server/test/**', 'libs/**/*.spec.ts'],
    languageOptions: { globals: { ...globals.jest } },
  },
  {
    files: ['apps/web/src/**/*.spec.ts', 'libs/web/**/*.spec.ts'],
    languageOptions: { globals: { ...globals.vitest } },
  },

  // Places where printing to the console is the point.
  {
    files: [
      'apps/server/src/bench/**',
      'apps/server/bench/**',
      'apps/web-e2e/**',
      'scripts/**',
      '**/scripts/**',
    ],
    rules: { 'no-console': 'off' },
  },

  // Last: turn off stylistic rules that a formatter owns.
  prettier,
);
