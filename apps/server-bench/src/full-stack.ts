import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { LoginResponse, RoomView, UserAdminView } from '@chat/contract';
import { createApp } from '../../server/src/app/create-app.js';
import { loadConfig } from '../../server/src/config/app-config.js';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new empty database on the admin server; the app's own migrations build the schema. */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `chat_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface BenchUser {
  id: string;
  username: string;
  token: string;
}

export interface FullStack {
  app: NestExpressApplication;
  url: string;
  users: BenchUser[];
  close(): Promise<void>;
}

const ADMIN = { username: 'benchadmin', password: randomBytes(12).toString('base64url') };
/** One per bench run: instances of one cluster must accept each other's tokens. */
const BENCH_JWT_SECRET = randomBytes(48).toString('base64url');

/**
 * The real app (real Postgres, real migrations, real guards and pipes) on a free port, plus `userCount` logged-in staff users.
 * `env` adds to or overrides the bench's configuration (the assistant benchmark points the LLM at its fake upstream).
 */
export async function startFullStack(databaseUrl: string, userCount: number, env: Record<string, string> = {}): Promise<FullStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-bench-data-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    JWT_SECRET: BENCH_JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    // The gateway logs one line per event at info; that would be the bench's biggest cost.
    LOG_LEVEL: 'warn',
    LLM_PROVIDER: 'offline',
    RATE_LIMIT_MESSAGES_PER_MINUTE: '100000',
    RATE_LIMIT_REST_PER_MINUTE: '1000000',
    // Every bench client signs in and connects from this one address.
    RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE: '100000',
    RATE_LIMIT_JOINS_PER_MINUTE: '100000',
    SOCKETS_PER_ADDRESS: '1000000',
    WEB_ROOT: join(dataDir, 'no-console'),
    ...env,
  });
  const app = await createApp(config);
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    const users = await createUsers(url, userCount);
    return {
      app,
      url,
      users,
      async close() {
        await app.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await app.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** `count` public rooms through the REST API, owned by the users in turn; each entry is a room and its owner's token. */
export async function createRooms(full: FullStack, prefix: string, count: number): Promise<{ roomId: string; token: string }[]> {
  const rooms: { roomId: string; token: string }[] = [];
  for (let i = 0; i < count; i++) {
    const { token } = full.users[i % full.users.length];
    const id = `${prefix}-${String(i).padStart(4, '0')}`;
    const created = await http<RoomView>(full.url, 'POST', '/api/rooms', { id, name: `Bench ${prefix} ${i}`, visibility: 'public' }, token);
    if (created.status !== 201) throw new Error(`creating room ${id} failed: ${created.status} ${JSON.stringify(created.body)}`);
    rooms.push({ roomId: id, token });
  }
  return rooms;
}

async function http<T>(baseUrl: string, method: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function login(baseUrl: string, username: string, password: string): Promise<LoginResponse> {
  const { status, body } = await http<LoginResponse>(baseUrl, 'POST', '/api/auth/login', { username, password });
  if (status !== 200) throw new Error(`login ${username} failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Through the REST API as the admin, a few at a time (every create and login is a scrypt hash). */
async function createUsers(baseUrl: string, count: number): Promise<BenchUser[]> {
  const adminToken = (await login(baseUrl, ADMIN.username, ADMIN.password)).accessToken;
  const users: BenchUser[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const username = `bench${String(i).padStart(4, '0')}`;
      const password = `pw-${randomBytes(9).toString('base64url')}`;
      const created = await http<UserAdminView>(baseUrl, 'POST', '/api/users', { username, password, displayName: `Bench ${i}`, role: 'staff' }, adminToken);
      if (created.status !== 201) throw new Error(`creating ${username} failed: ${created.status} ${JSON.stringify(created.body)}`);
      users[i] = { id: created.body.id, username, token: (await login(baseUrl, username, password)).accessToken };
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return users;
}
