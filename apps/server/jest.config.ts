import type { Config } from 'jest';
import { nodeEsmPreset } from '../../jest.preset.ts';

const config: Config = {
  ...nodeEsmPreset,
  displayName: 'server',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/preload-esm.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
};

export default config;
