// Playwright's global setup for the browser suite. Builds nothing itself: `nx run web-e2e:e2e`
// first runs server:build and web:build. For one run it
//   1. creates a throw-away PostgreSQL database `chat_e2e_<random>` and a temporary data dir,
//   2. starts the fake OpenAI-compatible server, so the assistant streams replies the specs script,
//      and a real OpenID provider (oidc-provider) the console's "Sign in with SSO" goes to,
//   3. starts the built server (dist/apps/server/main.js) on a free port against that database,
//      with OPENAI_BASE_URL pointing at the fake, and waits until GET /health/ready answers 200,
//   4. opens a small control endpoint through which the tests (in Playwright's worker process)
//      script the fake and restart the server (see fixtures.ts),
// and its returned teardown stops everything, drops the database and removes the data dir.
//
// Why not `webServer`: a spec restarts the server (SIGTERM, graceful exit with code 0, back on the
// same port and database), and a process that Playwright's webServer owns cannot be restarted from
// a test. The fake lives here, not in the worker, because the server must know its URL before any
// worker starts and Playwright replaces the worker after a failed test.
//
// Env: E2E_PG_ADMIN_URL  admin connection (default postgres://postgres@127.0.0.1:5432/postgres)
//      E2E_KEEP_DB=1     keep the database after the run (debugging)
//      E2E_LOG_LEVEL     the server's LOG_LEVEL (default warn)
//      E2E_SERVER_LOG=1  stream the server's output while running (it always goes to server.log)
//      RATE_LIMIT_MESSAGES_PER_MINUTE  passed to the server (default here 1000: specs seed history over REST)
//      JOIN_CATCH_UP_MAX  passed to the server (default here 40)

import type { FullConfig } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { FakeOpenAiServer, startOidcProvider, type FakeReply } from '@chat/server-testing';
import { ADMIN, CHROMIUM, E2E_OUTPUT_DIR, JOIN_CATCH_UP_MAX, LLM_MODEL, ROOT, SERVER_LOG, SSO_ACCOUNT } from './harness-paths.js';

const SERVER_MAIN = join(ROOT, 'dist', 'apps', 'server', 'main.js');
const WEB_DIST = join(ROOT, 'dist', 'apps', 'web');
const ADMIN_DB_URL = process.env['E2E_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

const log = (...args: unknown[]) => console.log('[e2e]', ...args);
const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolvePort(port));
    });
  });
}

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DB_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch((): void => undefined);
  }
}

async function createDatabase(name: string): Promise<string> {
  try {
    await withAdminClient((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  } catch (err) {
    const where = new URL(ADMIN_DB_URL);
    where.password = '';
    throw new Error(`cannot create database ${name} via ${where}: ${(err as Error).message}`, { cause: err });
  }
  const url = new URL(ADMIN_DB_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(name: string): Promise<void> {
  // WITH (FORCE) (PostgreSQL 13+) ends connections the server may have left behind.
  await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The built server as a child process that can be stopped and started again with the same environment. */
class ServerProcess {
  private child?: ChildProcess;
  private exited?: Promise<ServerExit>;
  private readonly logFile = createWriteStream(SERVER_LOG, { flags: 'w' });

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly baseUrl: string,
  ) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get lastExit(): ServerExit {
    return { code: this.child?.exitCode ?? null, signal: this.child?.signalCode ?? null };
  }

  /** Starts the server and resolves once it is ready, with the time that took. */
  async start(): Promise<number> {
    const started = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', SERVER_MAIN], { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
    const stream = process.env['E2E_SERVER_LOG'] === '1';
    for (const out of [child.stdout, child.stderr]) {
      out?.on('data', (chunk: Buffer) => {
        this.logFile.write(chunk);
        if (stream) process.stderr.write(chunk);
      });
    }
    child.on('error', (err) => this.logFile.write(`\n[e2e] failed to spawn the server: ${err.stack ?? err}\n`));
    await this.waitUntilReady();
    return Date.now() - started;
  }

  /** SIGTERM, then the exit the server chose; SIGKILL (and an error) if it does not exit in time. */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<ServerExit | null> {
    if (!this.running || !this.child || !this.exited) return null;
    this.child.kill('SIGTERM');
    const exit = await Promise.race([this.exited, sleep(timeoutMs, null)]);
    if (exit) return exit;
    this.child.kill('SIGKILL');
    await this.exited;
    throw new Error(`the server did not exit within ${timeoutMs / 1000} s of SIGTERM`);
  }

  async close(): Promise<void> {
    await this.stop(10_000).catch((err: Error) => log('stopping the server failed:', err.message));
    await new Promise((resolveEnd) => this.logFile.end(resolveEnd));
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the server exited before it was ready (code ${this.lastExit.code}, signal ${this.lastExit.signal}); see ${SERVER_LOG}`);
      try {
        const res = await fetch(`${this.baseUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
        last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
      } catch (err) {
        last = ((err as Error).cause as { code?: string } | undefined)?.code ?? (err as Error).message;
      }
      await sleep(250);
    }
    throw new Error(`GET ${this.baseUrl}/health/ready did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last}); see ${SERVER_LOG}`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

/**
 * The control endpoint the worker's fixtures talk to. Hand-written on node:http because it is a
 * handful of JSON routes between two processes of one test run, never exposed beyond 127.0.0.1.
 */
function controlRoutes(fake: FakeOpenAiServer, server: ServerProcess) {
  const routes: Record<string, (body: unknown) => Promise<unknown> | unknown> = {
    'POST /fake/reset': () => void fake.reset(),
    'POST /fake/enqueue': (body) => void fake.enqueue(...(body as FakeReply[])),
    'GET /fake/requests': () => fake.requests,
    'POST /server/stop': async () => ({ exit: await server.stop() }),
    'POST /server/start': async () => ({ readyMs: server.running ? 0 : await server.start() }),
    // After each test: a server that died is reported (the test fails) and started again for the next.
    'POST /server/ensure-running': async () => {
      if (server.running) return { wasRunning: true };
      const exit = server.lastExit;
      await server.start();
      return { wasRunning: false, exit };
    },
  };
  return async (req: IncomingMessage, res: ServerResponse) => {
    const route = routes[`${req.method} ${req.url}`];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    try {
      const result = await route(await readJson(req));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? null));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: (err as Error).message }));
    }
  };
}

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  for (const [what, path] of [
    ['server build', SERVER_MAIN],
    ['web build', WEB_DIST],
    ['Chromium', CHROMIUM],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${what} not found at ${relative(ROOT, path) || path}`);
  }
  mkdirSync(E2E_OUTPUT_DIR, { recursive: true });

  const dbName = `chat_e2e_${randomBytes(6).toString('hex')}`;
  const cleanups: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: Error) => log('cleanup failed:', err.message));
  };

  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'chat-e2e-data-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const databaseUrl = await createDatabase(dbName);
    cleanups.push(async () => {
      if (process.env['E2E_KEEP_DB'] === '1') log(`keeping database ${dbName} (E2E_KEEP_DB=1)`);
      else await dropDatabase(dbName);
    });

    const fake = new FakeOpenAiServer();
    const fakeUrl = await fake.start();
    cleanups.push(() => fake.close());

    const port = await freePort();
    // A real OpenID provider for the single sign-on spec; the console then offers both ways in.
    const sso = { clientId: 'chat-e2e', clientSecret: randomBytes(16).toString('hex') };
    const idp = await startOidcProvider({
      clients: [{ ...sso, redirectUris: [`http://127.0.0.1:${port}/api/auth/oidc/callback`] }],
      accounts: [{ sub: 'e2e-sso-subject', ...SSO_ACCOUNT }],
    });
    cleanups.push(() => idp.close());
    const server = new ServerProcess(
      {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        ADMIN_USERNAME: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        NODE_ENV: 'test',
        LOG_LEVEL: process.env['E2E_LOG_LEVEL'] ?? 'warn',
        // Tokens signed before a restart stay valid after it, as they would in production.
        JWT_SECRET: process.env['JWT_SECRET'] ?? randomBytes(32).toString('hex'),
        LLM_PROVIDER: 'openai',
        OPENAI_BASE_URL: fakeUrl,
        OPENAI_API_KEY: 'e2e-fake-key',
        LLM_MODEL,
        // Specs seed history over REST (one user, 120 messages): the per-user send limit (30 a minute
        // by default) is a product setting, not what these specs test.
        RATE_LIMIT_MESSAGES_PER_MINUTE: process.env['RATE_LIMIT_MESSAGES_PER_MINUTE'] ?? '1000',
        // Every browser and REST client of the suite signs in from this one address.
        RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE: process.env['RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE'] ?? '1000',
        // Small (the default is 500): a rejoin after a busy absence gets the newest part over the
        // socket and the console pages the rest through REST (catch-up-paging.spec.ts).
        JOIN_CATCH_UP_MAX: String(JOIN_CATCH_UP_MAX),
        OIDC_ISSUER_URL: idp.issuer,
        OIDC_CLIENT_ID: sso.clientId,
        OIDC_CLIENT_SECRET: sso.clientSecret,
        // The integrations spec's webhook receiver listens on loopback, which production refuses.
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_POLL_MS: '200',
      },
      `http://127.0.0.1:${port}`,
    );
    cleanups.push(() => server.close());
    log(`database ${dbName}, server on ${server.baseUrl}, fake OpenAI at ${fakeUrl}, server log ${relative(ROOT, SERVER_LOG)}`);
    log(`server ready in ${await server.start()} ms`);

    const handleControl = controlRoutes(fake, server);
    const control = createHttpServer((req, res) => void handleControl(req, res));
    await new Promise<void>((resolveListen) => control.listen(0, '127.0.0.1', resolveListen));
    cleanups.push(() => new Promise((resolveClose) => control.close(() => resolveClose())));

    // Workers are started after this returns and inherit these.
    process.env['E2E_BASE_URL'] = server.baseUrl;
    process.env['E2E_CONTROL_URL'] = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
