import type { Config } from 'jest';

/** Lets `npx jest` at the root run every Node-side project; `npm test` goes through Nx per project. */
const config: Config = {
  projects: ['<rootDir>/libs/contract/jest.config.ts', '<rootDir>/apps/server/jest.config.ts'],
};

export default config;
