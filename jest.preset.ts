import type { Config } from 'jest';

/**
 * Shared by the Node-side projects: TypeScript through SWC (keeps decorator metadata, which Nest's
 * injection needs) as native ES modules, because NestJS 12 ships ESM only.
 */
export const nodeEsmPreset: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        module: { type: 'es6' },
        jsc: {
          target: 'es2023',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        },
      },
    ],
  },
  moduleNameMapper: {
    '^@chat/contract$': '<rootDir>/../../libs/contract/src/index.ts',
    '^@chat/server-testing$': '<rootDir>/../../libs/server-testing/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};
