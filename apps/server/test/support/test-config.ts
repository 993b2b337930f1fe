import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '../../src/config/app-config.js';

/** The configuration startTestApp uses, for specs that start the app themselves (start-up, migrations). */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'chat-test-data-')),
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    LOG_LEVEL: 'error',
    PASSWORD_HASH_COST: '16384,8,1',
    WEB_ROOT: join(tmpdir(), 'no-console-in-tests'),
    ...env,
  });
}
