import type { Config } from 'jest';
import { nodeEsmPreset } from '../../jest.preset.ts';

const config: Config = {
  ...nodeEsmPreset,
  displayName: 'contract',
  rootDir: '.',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};

export default config;
