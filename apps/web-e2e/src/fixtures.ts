// The suite's `test`: Playwright's, plus what the specs need from the run that global-setup.ts made.
//   admin          { username, password } of the seeded admin.
//   fake           scripts the fake OpenAI-compatible server: `await fake.enqueue(reply, …)`,
//                  `await fake.requests()` (what it was asked). Reset before each test.
//   restartServer  async ({ whileDown }?): SIGTERM to the server, wait for its graceful exit (code 0),
//                  run the optional async `whileDown()` while nothing listens, start the server again
//                  with the same environment (same database, port, JWT secret) and wait for
//                  /health/ready. Resolves to { downMs, readyMs, exit: { code, signal } }.
//   log            prints a line prefixed with the test's title.
// After every test the server must still be running; if it is not, the test fails and the server
// is started again for the next one. A failed test gets the tail of the server's log attached.
import { test as base } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import type { FakeReply, RecordedRequest } from '@chat/server-testing';
import type { ServerExit } from './global-setup.js';
import { ADMIN, SERVER_LOG } from './harness-paths.js';

const WHILE_DOWN_LIMIT_MS = 30_000;
const SERVER_LOG_TAIL = 200_000;

declare global {
  interface Window {
    __xss?: number;
    __replyTexts?: string[];
  }
}

async function control<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const url = process.env['E2E_CONTROL_URL'];
  if (!url) throw new Error('E2E_CONTROL_URL is not set: run the suite through playwright.config.ts (npm run e2e)');
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(`${method} ${path}: ${payload.message ?? res.status}`);
  return payload;
}

export interface FakeModel {
  enqueue(...replies: FakeReply[]): Promise<void>;
  requests(): Promise<RecordedRequest[]>;
}

export interface Restart {
  downMs: number;
  readyMs: number;
  exit: ServerExit | null;
}

export type RestartServer = (options?: { whileDown?: () => Promise<void> }) => Promise<Restart>;

interface Fixtures {
  admin: { username: string; password: string };
  fake: FakeModel;
  restartServer: RestartServer;
  log: (...args: unknown[]) => void;
  serverStaysUp: void;
}

export const test = base.extend<Fixtures>({
  baseURL: async ({}, use) => use(process.env['E2E_BASE_URL']),
  admin: async ({}, use) => use({ ...ADMIN }),

  fake: async ({}, use) => {
    await control('POST', '/fake/reset');
    await use({
      enqueue: (...replies) => control('POST', '/fake/enqueue', replies),
      requests: () => control('GET', '/fake/requests'),
    });
  },

  restartServer: async ({}, use) => {
    let restarting: Promise<Restart> | null = null;
    const restart: RestartServer = ({ whileDown } = {}) => {
      if (restarting) return Promise.reject(new Error('restartServer() called while a restart is under way'));
      restarting = (async () => {
        const t0 = Date.now();
        const { exit } = await control<{ exit: ServerExit | null }>('POST', '/server/stop');
        // Exit code 0 means the server ran its own graceful shutdown (clients told, streams ended and
        // saved, database closed). 143 would mean something else's SIGTERM handler ended it first.
        if (exit && exit.code !== 0) {
          await control('POST', '/server/start');
          throw new Error(`the server did not shut down gracefully on SIGTERM: code ${exit.code}, signal ${exit.signal}`);
        }
        // Whatever the spec wants to see or do while nothing listens on the port. Bounded, and the
        // server comes back even if it fails, so later tests find it running.
        let hookError: unknown;
        if (whileDown) {
          const limit = AbortSignal.timeout(WHILE_DOWN_LIMIT_MS);
          const timedOut = new Promise<never>((_, reject) =>
            limit.addEventListener('abort', () => reject(new Error(`whileDown() did not finish within ${WHILE_DOWN_LIMIT_MS} ms`))),
          );
          await Promise.race([whileDown(), timedOut]).catch((err: unknown) => (hookError = err));
        }
        const downMs = Date.now() - t0;
        const { readyMs } = await control<{ readyMs: number }>('POST', '/server/start');
        if (hookError) throw hookError;
        return { downMs, readyMs, exit };
      })().finally(() => (restarting = null));
      return restarting;
    };
    await use(restart);
    // A test that timed out during a restart: let it finish, so the next test finds a running server.
    await (restarting as Promise<Restart> | null)?.catch((): void => undefined);
  },

  log: async ({}, use, testInfo) => {
    await use((...args: unknown[]): void => console.log(`        [${testInfo.title}]`, ...args));
  },

  serverStaysUp: [
    async ({}, use, testInfo) => {
      await use();
      const status = await control<{ wasRunning: boolean; exit?: ServerExit }>('POST', '/server/ensure-running');
      if (testInfo.status !== testInfo.expectedStatus || !status.wasRunning) {
        const text = await readFile(SERVER_LOG, 'utf8').catch(() => '(no server log)');
        await testInfo.attach('server.log (tail)', { body: text.slice(-SERVER_LOG_TAIL), contentType: 'text/plain' });
      }
      if (!status.wasRunning) {
        throw new Error(`the server was not running after this test (code ${status.exit?.code}, signal ${status.exit?.signal}); it was started again`);
      }
    },
    { auto: true },
  ],
});

export { expect } from '@playwright/test';
