import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { io, Socket as ClientSocket } from 'socket.io-client';
import type { ClientToServerEvents, LoginResponse, ServerToClientEvents, UserAdminView, UserRole } from '@chat/contract';
import { createApp } from '../../src/app/create-app.js';
import { AppConfig, loadConfig } from '../../src/config/app-config.js';
import { createTestDatabase, TestDatabase } from './postgres.js';

export type ChatClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

export const ADMIN = { username: 'admin', password: 'admin-password-for-tests' };

export interface TestApp {
  app: NestExpressApplication;
  baseUrl: string;
  config: AppConfig;
  database: TestDatabase;
  /** The admin's token. */
  adminToken: string;
  login(username: string, password: string): Promise<LoginResponse>;
  /** Creates a user through the admin API and logs in as them. */
  createUser(role?: UserRole, name?: string): Promise<{ user: UserAdminView; token: string; password: string }>;
  /** REST call with JSON in and out. */
  http<T = unknown>(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; body: T }>;
  /** A connected socket.io-client socket (websocket transport), or the connect_error. */
  connect(token: string, options?: { auth?: Record<string, unknown>; extraHeaders?: Record<string, string> }): Promise<ChatClient>;
  close(): Promise<void>;
}

let userCounter = 0;

/**
 * The real app (real Postgres, real migrations) listening on a free port. With `shared`, it uses
 * that database (another instance's) and leaves dropping it to its owner.
 */
export async function startTestApp(env: Record<string, string> = {}, shared?: TestDatabase): Promise<TestApp> {
  const database = shared ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'chat-test-data-')),
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'error',
    // Below OWASP's minimum on purpose, allowed only with NODE_ENV=test: set-up hashes many passwords.
    PASSWORD_HASH_COST: '16384,8,1',
    WEB_ROOT: join(tmpdir(), 'no-console-in-tests'),
    ...env,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const sockets: ChatClient[] = [];

  const http: TestApp['http'] = async (method, path, options = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
  };

  const login = async (username: string, password: string) => {
    const { status, body } = await http<LoginResponse>('POST', '/api/auth/login', { body: { username, password } });
    if (status !== 200) throw new Error(`login ${username} failed: ${status} ${JSON.stringify(body)}`);
    return body;
  };

  const adminToken = (await login(ADMIN.username, ADMIN.password)).accessToken;

  return {
    app,
    baseUrl,
    config,
    database,
    adminToken,
    login,
    http,
    async createUser(role = 'staff', name) {
      const username = name ?? `user${++userCounter}_${Math.random().toString(36).slice(2, 6)}`;
      const password = `pw-${username}-long-enough`;
      const created = await http<UserAdminView>('POST', '/api/users', {
        token: adminToken,
        body: { username, password, displayName: username.toUpperCase(), role },
      });
      if (created.status !== 201) throw new Error(`create user failed: ${created.status} ${JSON.stringify(created.body)}`);
      return { user: created.body, token: (await login(username, password)).accessToken, password };
    },
    connect(token, options = {}) {
      const socket: ChatClient = io(baseUrl, {
        auth: options.auth ?? { token },
        extraHeaders: options.extraHeaders,
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      sockets.push(socket);
      return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', (error) => reject(error));
      });
    },
    async close() {
      for (const socket of sockets) socket.disconnect();
      await app.close();
      if (!shared) await database.drop();
    },
  };
}

/** Resolves with the next `event` that matches, or rejects after `timeoutMs`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: ChatClient,
  event: E,
  matches: (...args: Parameters<ServerToClientEvents[E]>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`no ${String(event)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: Parameters<ServerToClientEvents[E]>) => {
      if (!matches(...args)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(args[0]);
    };
    socket.on(event, listener as never);
  });
}

/** Collects every `event` from now on; read `.items`. */
export function collect<E extends keyof ServerToClientEvents>(socket: ChatClient, event: E): { items: Parameters<ServerToClientEvents[E]>[0][] } {
  const bag = { items: [] as Parameters<ServerToClientEvents[E]>[0][] };
  socket.on(event, ((payload: Parameters<ServerToClientEvents[E]>[0]) => bag.items.push(payload)) as never);
  return bag;
}

/** Emits with an acknowledgement and resolves with the server's answer. */
export function emitWithAck<E extends keyof ClientToServerEvents>(
  socket: ChatClient,
  event: E,
  payload: unknown,
  timeoutMs = 5000,
): Promise<{ ok: boolean; [key: string]: unknown }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${String(event)} within ${timeoutMs} ms`)), timeoutMs);
    (socket.emit as (...args: unknown[]) => void)(event, payload, (answer: { ok: boolean }) => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/** Waits until `condition()` holds, polling; for effects that have no event of their own. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
