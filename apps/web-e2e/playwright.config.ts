// The console's browser suite: `npm run e2e` (nx run web-e2e:e2e builds the server and the console
// first). One worker: the machine has two cores and the specs share one server.
import { defineConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS, TEST_RESULTS_DIR } from './src/harness-paths.js';

export default defineConfig({
  testDir: './specs',
  testMatch: '**/*.spec.ts',
  outputDir: TEST_RESULTS_DIR,
  globalSetup: './src/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env['CI'],
  retries: 0,
  // Generous: the machine is shared and slow, but nothing should wait forever.
  timeout: Number(process.env['E2E_SPEC_TIMEOUT_MS'] ?? 120_000),
  expect: { timeout: 10_000 },
  reporter: [['list'], ['./src/failure-paths-reporter.ts']],
  use: {
    // Set by the global setup once the server listens on its free port.
    baseURL: process.env['E2E_BASE_URL'],
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    // A failed test keeps its trace (DOM snapshots, network, console). The trace's screencast is
    // off: streaming it from every page costs more CPU than two shared cores have to spare.
    trace: { mode: 'retain-on-failure', snapshots: true, screenshots: false, sources: true },
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
  },
});
