// Constants shared by the Playwright config, its global setup and the fixtures.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Everything a run leaves behind: traces, screenshots and videos of failed tests, and the server's log. */
export const E2E_OUTPUT_DIR = process.env['E2E_OUTPUT_DIR'] ?? join(ROOT, 'dist', '.playwright', 'apps', 'web-e2e');
export const TEST_RESULTS_DIR = join(E2E_OUTPUT_DIR, 'test-results');
export const SERVER_LOG = join(E2E_OUTPUT_DIR, 'server.log');

/** Debian's Chromium: a test tool's own browser download does not work on these machines. */
export const CHROMIUM = process.env['E2E_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const ADMIN = Object.freeze({ username: 'admin', password: 'admin-password-e2e' });
export const LLM_MODEL = 'fake-e2e-model';

/** The identity provider's one account: typed on its login page by the single sign-on spec. */
export const SSO_ACCOUNT = Object.freeze({ preferred_username: 'sso.e2e', name: 'Sso Person', email: 'sso.e2e@corp.example' });

/** The e2e server's JOIN_CATCH_UP_MAX: small, so a rejoin after a busy absence pages the rest through REST. */
export const JOIN_CATCH_UP_MAX = Number(process.env['JOIN_CATCH_UP_MAX'] ?? 40);
