import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { ChatMessage } from '@chat/contract';
import { deleteKeysWithPrefix } from '@chat/server-testing';
import { ChatClient, startTestApp, TestApp } from './test-app.js';

/** The Redis the suite uses (`.ci/run` starts it when absent). */
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test file (or earlier run) shares. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

export interface TestCluster {
  a: TestApp;
  b: TestApp;
  prefix: string;
  redisUrl: string;
  close(): Promise<void>;
}

/** Two real app instances on one fresh database, joined through Redis under a key prefix of their own. */
export async function startTwoInstances(name: string, env: Record<string, string> = {}, redisUrl = TEST_REDIS_URL): Promise<TestCluster> {
  const prefix = uniquePrefix(name);
  const clusterEnv = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, INSTANCE_HEARTBEAT_MS: '200', ...env };
  const a = await startTestApp(clusterEnv);
  const b = await startTestApp(clusterEnv, a.database);
  return {
    a,
    b,
    prefix,
    redisUrl,
    async close() {
      await b.close();
      await a.close();
      await deleteKeys(redisUrl, prefix).catch(() => undefined);
    },
  };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own, on its own port, that the test can stop and start again. */
export class OwnRedis {
  private process?: ChildProcess;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.process = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      const up = await probe.connect().then(
        () => probe.ping().then(() => true),
        () => false,
      );
      probe.disconnect();
      if (up) return;
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }
}

/** Every message a socket hears about from now on, its own sends (message_sent) and others' (new_message), in arrival order. */
export function heard(socket: ChatClient): ChatMessage[] {
  const all: ChatMessage[] = [];
  socket.on('new_message', (message) => all.push(message));
  socket.on('message_sent', (message) => all.push(message));
  return all;
}
