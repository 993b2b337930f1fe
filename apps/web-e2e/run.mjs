#!/usr/bin/env node
// End-to-end harness for the console. Builds nothing itself: `nx run web-e2e:e2e` first runs
// server:build and web:build. For one run it
//   1. creates a throw-away PostgreSQL database `chat_e2e_<random>`,
//   2. starts the fake OpenAI-compatible server (dist/apps/server/testing/fake-openai-server.js)
//      in this process, so the assistant streams replies the specs script,
//   3. starts the built server (dist/apps/server/main.js) on a free port against that database,
//      with OPENAI_BASE_URL pointing at the fake,
//   4. waits until GET /health/ready answers 200,
//   5. launches Debian's Chromium through playwright-core and runs every specs/*.spec.mjs,
//   6. always stops the server, the fake and the browser, drops the database and removes temp dirs.
//
// A spec exports `async function run({ browser, baseUrl, admin, assert, fake, restartServer, log })`:
//   browser        a playwright Browser: a spec opens its own context(s); the harness closes
//                  whatever a spec left open.
//   baseUrl        the server (REST under /api, Socket.IO, and the console at /).
//   admin          { username, password } of the seeded admin.
//   assert         node:assert/strict.
//   fake           the FakeOpenAiServer: set `fake.defaultReply` or `fake.enqueue(...)` to script
//                  the assistant; `fake.requests` records what it was asked. Reset before each spec.
//   restartServer  async ({ whileDown }?): SIGTERM to the server, wait for its graceful exit (code 0), run
//                  the optional async `whileDown()` while nothing listens, start the server again
//                  with the same environment (same database, port, JWT secret) and wait for
//                  /health/ready. Resolves to { downMs, readyMs, exit: { code, signal } }
//                  (down: from SIGTERM to the new spawn).
//   log            prints a line prefixed with the spec's name.
// Exit code 0 only if every spec passed.
//
// Usage: node apps/web-e2e/run.mjs [name-filter ...]   (filters match spec file names by substring)
// Env:   E2E_PG_ADMIN_URL   admin connection (default postgres://postgres@127.0.0.1:5432/postgres)
//        E2E_CHROMIUM       browser binary (default /usr/bin/chromium)
//        E2E_SPEC_TIMEOUT_MS per-spec time limit (default 120000)
//        E2E_KEEP_DB=1      keep the database after the run (debugging)
//        E2E_SERVER_LOG=1   stream the server's output while running
//        RATE_LIMIT_MESSAGES_PER_MINUTE  passed to the server (default here 1000: specs seed history over REST)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const SPECS_DIR = join(HERE, 'specs');
const SERVER_MAIN = join(ROOT, 'dist', 'apps', 'server', 'main.js');
const FAKE_OPENAI = join(ROOT, 'dist', 'apps', 'server', 'testing', 'fake-openai-server.js');
const WEB_DIST = join(ROOT, 'dist', 'apps', 'web');

const ADMIN_DB_URL = process.env.E2E_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
const READY_TIMEOUT_MS = 60_000;
const WHILE_DOWN_LIMIT_MS = 30_000;
const SPEC_TIMEOUT_MS = Number(process.env.E2E_SPEC_TIMEOUT_MS ?? 120_000);
const ADMIN = Object.freeze({ username: 'admin', password: 'admin-password-e2e' });
const LLM_MODEL = 'fake-e2e-model';
/** What the fake answers when a spec scripted nothing: a short, complete reply. */
const FAKE_DEFAULT_REPLY = Object.freeze({ kind: 'stream', tokens: ['Hello', ' from', ' the', ' fake', ' model.'] });
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const log = (...args) => console.log('[e2e]', ...args);

/** Keeps the last `limit` characters the server printed, for failure reports. */
class OutputTail {
  #chunks = [];
  #size = 0;
  constructor(limit = 200_000) {
    this.limit = limit;
  }
  push(chunk) {
    const text = chunk.toString();
    this.#chunks.push(text);
    this.#size += text.length;
    while (this.#size > this.limit && this.#chunks.length > 1) this.#size -= this.#chunks.shift().length;
  }
  toString() {
    return this.#chunks.join('');
  }
}

function printServerOutput(tail, reason) {
  const text = tail.toString().trimEnd();
  console.error(`\n[e2e] ---- server output (${reason}) ----`);
  console.error(text.length > 0 ? text : '(no output)');
  console.error('[e2e] ---- end of server output ----\n');
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quoteIdent = (name) => `"${name.replaceAll('"', '""')}"`;

async function withAdminClient(fn) {
  const client = new pg.Client({ connectionString: ADMIN_DB_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function createDatabase(name) {
  try {
    await withAdminClient((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  } catch (err) {
    const where = new URL(ADMIN_DB_URL);
    where.password = '';
    throw new Error(`cannot create database ${name} via ${where}: ${err.message || err.code}`, { cause: err });
  }
  const url = new URL(ADMIN_DB_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(name) {
  // WITH (FORCE) (PostgreSQL 13+) ends connections the server may have left behind.
  await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** The server's environment, made once: a restart must come back with the same secret, database and port. */
function serverEnv({ port, databaseUrl, dataDir, fakeUrl }) {
  return {
    ...process.env,
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    // A server that insists on a signing secret gets a throw-away one unless the caller set it.
    // Tokens signed before a restart stay valid after it, as they would in production.
    JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString('hex'),
    // The assistant talks to the fake in this process.
    LLM_PROVIDER: 'openai',
    OPENAI_BASE_URL: fakeUrl,
    OPENAI_API_KEY: 'e2e-fake-key',
    LLM_MODEL,
    // Specs seed history over REST (one user, 120 messages): the per-user send limit (30 a minute by
    // default) is a product setting, not what these specs test.
    RATE_LIMIT_MESSAGES_PER_MINUTE: process.env.RATE_LIMIT_MESSAGES_PER_MINUTE ?? '1000',
  };
}

function startServer({ env, tail }) {
  const child = spawn(process.execPath, ['--enable-source-maps', SERVER_MAIN], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stream = process.env.E2E_SERVER_LOG === '1';
  for (const out of [child.stdout, child.stderr]) {
    out.on('data', (chunk) => {
      tail.push(chunk);
      if (stream) process.stderr.write(chunk);
    });
  }
  child.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  child.on('error', (err) => tail.push(`\n[e2e] failed to spawn the server: ${err.stack ?? err}\n`));
  return child;
}

const isRunning = (child) => !!child && child.exitCode === null && child.signalCode === null;

async function stopServer(child) {
  if (!isRunning(child)) return;
  child.kill('SIGTERM');
  const stopped = await Promise.race([child.exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!stopped) {
    log('server did not stop within 10 s of SIGTERM; sending SIGKILL');
    child.kill('SIGKILL');
    await child.exited;
  }
}

async function waitUntilReady(baseUrl, child, stop) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  let exited = null;
  child.exited.then((info) => (exited = info));
  while (Date.now() < deadline) {
    stop.throwIfAborted();
    if (exited) throw new Error(`the server exited before it was ready (code ${exited.code}, signal ${exited.signal})`);
    try {
      const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await sleep(250);
  }
  throw new Error(`GET ${baseUrl}/health/ready did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last})`);
}

async function findSpecs(filters) {
  const names = (await readdir(SPECS_DIR)).filter((f) => f.endsWith('.spec.mjs')).sort();
  return names.filter((n) => filters.length === 0 || filters.some((f) => n.includes(f)));
}

async function runSpec(file, context) {
  const mod = await import(pathToFileURL(join(SPECS_DIR, file)).href);
  if (typeof mod.run !== 'function') throw new Error(`${file} does not export an async function run()`);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${SPEC_TIMEOUT_MS} ms`)), SPEC_TIMEOUT_MS);
  });
  try {
    await Promise.race([mod.run(context), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Puts the fake back to its default reply with an empty script and record, so specs do not leak into each other. */
function resetFake(fake) {
  fake.defaultReply = structuredClone(FAKE_DEFAULT_REPLY);
  // `script` is private in the TypeScript source; at run time it is a plain array.
  if (Array.isArray(fake.script)) fake.script.length = 0;
  fake.requests.length = 0;
  fake.failEmbeddings = 0;
}

async function main() {
  const filters = process.argv.slice(2);
  for (const [what, path] of [
    ['server build', SERVER_MAIN],
    ['fake OpenAI server (server build)', FAKE_OPENAI],
    ['web build', WEB_DIST],
    ['Chromium', CHROMIUM],
  ]) {
    if (!existsSync(path)) throw new Error(`${what} not found at ${relative(ROOT, path) || path}`);
  }
  const specs = await findSpecs(filters);
  if (specs.length === 0) throw new Error(`no specs in ${relative(ROOT, SPECS_DIR)} match ${filters.join(', ') || '*'}`);

  const dbName = `chat_e2e_${randomBytes(6).toString('hex')}`;
  const tail = new OutputTail();
  let dataDir;
  let dbCreated = false;
  let server;
  let fake;
  let browser;
  let passed = 0;
  let failed = 0;
  let restarts = 0;

  // Ctrl-C / SIGTERM: stop at the next step boundary (closing the browser ends a running spec) and
  // let the `finally` below clean up, so nothing is created after cleanup ran. A second signal
  // exits at once.
  const stop = new AbortController();
  const onSignal = (signal) => {
    if (stop.signal.aborted) {
      log(`second ${signal}: exiting without cleanup (database ${dbName} may be left behind)`);
      process.exit(130);
    }
    log(`${signal} received, stopping`);
    process.exitCode = 130;
    stop.abort(new Error(`interrupted by ${signal}`));
    browser?.close().catch(() => {});
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    dataDir = await mkdtemp(join(tmpdir(), 'chat-e2e-data-'));
    const databaseUrl = await createDatabase(dbName);
    dbCreated = true;
    stop.signal.throwIfAborted();

    const { FakeOpenAiServer } = await import(pathToFileURL(FAKE_OPENAI).href);
    fake = new FakeOpenAiServer();
    const fakeUrl = await fake.start();
    resetFake(fake);

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = serverEnv({ port, databaseUrl, dataDir, fakeUrl });
    log(`database ${dbName}, server on ${baseUrl}, fake OpenAI at ${fakeUrl}, data dir ${dataDir}`);

    /** Starts the server and waits until it is ready; prints its output if it never is. */
    const launch = async () => {
      server = startServer({ env, tail });
      const started = Date.now();
      try {
        await waitUntilReady(baseUrl, server, stop.signal);
      } catch (err) {
        if (!stop.signal.aborted) printServerOutput(tail, 'not ready');
        throw err;
      }
      return Date.now() - started;
    };

    log(`server ready in ${await launch()} ms`);

    // One restart at a time; a spec that awaits it gets the server back on the same port and database.
    let restarting = null;
    const restartServer = ({ whileDown } = {}) => {
      if (restarting) return Promise.reject(new Error('restartServer() called while a restart is under way'));
      restarting = (async () => {
        stop.signal.throwIfAborted();
        const t0 = Date.now();
        const old = server;
        let exit = null;
        if (isRunning(old)) {
          old.kill('SIGTERM');
          const exited = await Promise.race([old.exited, sleep(15_000).then(() => null)]);
          if (!exited) {
            old.kill('SIGKILL');
            await old.exited;
            throw new Error('the server did not exit within 15 s of SIGTERM');
          }
          // Exit code 0 means the server ran its own graceful shutdown (clients told, streams ended and
          // saved, database closed). 143 would mean something else's SIGTERM handler ended it first.
          exit = exited;
          if (exited.code !== 0) throw new Error(`the server did not shut down gracefully on SIGTERM: code ${exited.code}, signal ${exited.signal}`);
        }
        // Whatever the spec wants to see or do while nothing listens on the port. Bounded, and the
        // server comes back even if it fails, so later specs (and the cleanup) find it running.
        let hookError;
        if (whileDown) {
          let timer;
          const limit = new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`whileDown() did not finish within ${WHILE_DOWN_LIMIT_MS} ms`)), WHILE_DOWN_LIMIT_MS);
          });
          await Promise.race([whileDown(), limit])
            .catch((err) => (hookError = err))
            .finally(() => clearTimeout(timer));
        }
        const downMs = Date.now() - t0;
        const readyMs = await launch();
        restarts += 1;
        if (hookError) throw hookError;
        return { downMs, readyMs, exit };
      })().finally(() => (restarting = null));
      return restarting;
    };

    // playwright-core gives every launch() a fresh temporary --user-data-dir of its own (and refuses
    // one in `args`); it is deleted when the browser closes.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      // Signals are handled above; playwright's own handlers would exit before the cleanup ran.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    stop.signal.throwIfAborted();
    log(`Chromium ${browser.version()}`);

    for (const spec of specs) {
      stop.signal.throwIfAborted();
      const t0 = Date.now();
      const name = spec.replace(/\.spec\.mjs$/, '');
      resetFake(fake);
      try {
        await runSpec(spec, {
          browser,
          baseUrl,
          admin: { ...ADMIN },
          assert,
          fake,
          restartServer,
          log: (...args) => console.log(`        [${name}]`, ...args),
        });
        passed += 1;
        console.log(`  PASS  ${spec} (${Date.now() - t0} ms)`);
      } catch (err) {
        stop.signal.throwIfAborted();
        failed += 1;
        console.log(`  FAIL  ${spec} (${Date.now() - t0} ms)`);
        console.log(String(err?.stack ?? err).replace(/^/gm, '        '));
      } finally {
        for (const ctx of browser.contexts()) await ctx.close().catch(() => {});
      }
      // A spec that timed out during a restart, or a server that died: later specs get a running server.
      await restarting?.catch(() => {});
      if (!isRunning(server) && !stop.signal.aborted) {
        failed += 1;
        console.log(`  FAIL  the server was not running after ${spec} (code ${server.exitCode}, signal ${server.signalCode}); starting it again`);
        printServerOutput(tail, 'server stopped');
        await launch();
      }
    }
    if (!isRunning(server)) {
      failed += 1;
      console.log(`  FAIL  the server exited during the run (code ${server.exitCode}, signal ${server.signalCode})`);
    }
    if (failed > 0) printServerOutput(tail, 'failures');
    console.log(`\n[e2e] ${passed} of ${specs.length} spec(s) passed${restarts ? ` (${restarts} server restart(s))` : ''}`);
  } finally {
    await browser?.close().catch((err) => log('closing the browser failed:', err.message));
    await stopServer(server).catch((err) => log('stopping the server failed:', err.message));
    await fake?.close().catch((err) => log('stopping the fake OpenAI server failed:', err.message));
    if (dbCreated) {
      if (process.env.E2E_KEEP_DB === '1') log(`keeping database ${dbName} (E2E_KEEP_DB=1)`);
      else await dropDatabase(dbName).catch((err) => log(`dropping database ${dbName} failed:`, err.message));
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => {});
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(process.exitCode ?? code),
  (err) => {
    console.error(`[e2e] ${err?.stack ?? err}`);
    process.exit(process.exitCode ?? 1);
  },
);
