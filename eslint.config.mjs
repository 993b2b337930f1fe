// ESLint 9 flat config for the whole workspace. Every project's `lint` target runs
// `eslint <projectRoot>` from the workspace root, so this one file applies everywhere.
// Most rules are syntax-only; the promise rules the style guide promises need type information and
// run, through typescript-eslint's project service, on the server, its tooling and the console.
import js from '@eslint/js';
import angular from 'angular-eslint';
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
  // The browser suite drives the whole product: the console through Chromium, the server with the fake model.
  { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared', 'scope:server'] },

  // Layers: dependencies only point "down".
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:ui', 'type:util', 'type:contract'],
  },
  {
    sourceTag: 'type:e2e',
    onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:tooling'],
  },
  // Tooling (benchmark, retrieval evaluation, the fake model server) is not the product: the server's
  // own code may not import it (type:app does not list it); only its tests may (see below).
  { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:tooling', 'type:contract', 'type:util'] },
  // A feature library never imports another feature library: what two features share moves down
  // into data-access, ui or util.
  {
    sourceTag: 'type:feature',
    onlyDependOnLibsWithTags: ['type:data-access', 'type:ui', 'type:util', 'type:contract'],
  },
  {
    sourceTag: 'type:data-access',
    onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:contract'],
  },
  { sourceTag: 'type:ui', onlyDependOnLibsWithTags: ['type:ui', 'type:util', 'type:contract'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contract'] },
  { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'] },
];

/** Options of @nx/enforce-module-boundaries; `allow` lists imports exempt from it. */
function boundaries({ allow = [], constraints = depConstraints } = {}) {
  return {
    enforceBuildableLibDependency: true,
    // The shared Jest preset lives at the workspace root, outside every project.
    allow: ['^(\\.\\./)+jest\\.preset(\\.ts)?$', ...allow],
    depConstraints: constraints,
  };
}

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
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries()] },
  },
  // The server's tests drive it against the fake model server (type:tooling).
  {
    files: ['apps/server/test/**', 'apps/server/src/**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        boundaries({
          constraints: depConstraints.map((c) =>
            c.sourceTag === 'type:app' ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:tooling'] } : c,
          ),
        }),
      ],
    },
  },
  // The benchmark and the retrieval evaluation run the server's own modules in-process (that is what
  // they measure), so they may import its sources; the tags above keep the reverse forbidden.
  {
    files: ['apps/server-bench/**', 'apps/retrieval-eval/**'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ allow: ['^(\\.\\./)+server/src/'] })] },
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

  // No floating promises (await, or `void` with a handled `.catch`) and no promise where a void
  // callback is expected: type-aware, on every TypeScript source that a tsconfig covers.
  {
    files: [
      'apps/server/{src,test}/**/*.ts',
      'apps/server-bench/src/**/*.ts',
      'apps/retrieval-eval/src/**/*.ts',
      'libs/server-testing/src/**/*.ts',
      'apps/web/src/**/*.ts',
      'libs/web/*/src/**/*.ts',
    ],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },

  // The console: angular-eslint's recommended rules, OnPush everywhere, and its template rules
  // (recommended + accessibility) on inline templates and .html files alike.
  {
    files: ['apps/web/src/**/*.ts', 'libs/web/*/src/**/*.ts'],
    extends: [...angular.configs.tsRecommended],
    processor: angular.processInlineTemplates,
    rules: {
      '@angular-eslint/prefer-on-push-component-change-detection': 'error',
      '@angular-eslint/component-selector': ['error', { type: 'element', prefix: ['app', 'chat'], style: 'kebab-case' }],
      '@angular-eslint/directive-selector': ['error', { type: 'attribute', prefix: ['app', 'chat'], style: 'camelCase' }],
    },
  },
  {
    files: ['apps/web/src/**/*.html', 'libs/web/*/src/**/*.html'],
    extends: [...angular.configs.templateRecommended, ...angular.configs.templateAccessibility],
  },

  // Application code logs through a logger; console.warn/error stay allowed for last-resort reporting.
  {
    files: [...TS_FILES, ...JS_FILES],
    rules: { 'no-console': ['error', { allow: ['warn', 'error'] }] },
  },

  // Node-side code (server, e2e harness, tooling) knows Node globals; the console knows the browser's.
  {
    files: ['apps/server/**', 'apps/server-bench/**', 'apps/retrieval-eval/**', 'libs/**', 'apps/web-e2e/**', 'scripts/**', '*.{ts,mjs,js,cjs}'],
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
  // Playwright fixtures that need no other fixture are written `async ({}, use) => …` (its documented form).
  {
    files: ['apps/web-e2e/src/fixtures.ts'],
    rules: { 'no-empty-pattern': ['error', { allowObjectPatternsAsParameters: true }] },
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
      'apps/server-bench/**',
      'apps/retrieval-eval/**',
      'apps/web-e2e/**',
      'scripts/**',
      '**/scripts/**',
    ],
    rules: { 'no-console': 'off' },
  },

  // Last: turn off stylistic rules that a formatter owns.
  prettier,
);
