import { mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The server tests run against: TEST_PG_ADMIN_URL, else the local one, else an embedded PostgreSQL. */
export const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

export async function startEmbeddedForTests(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  const { startEmbeddedPostgres } = await import('../../src/database/embedded-postgres.js');
  const db = await startEmbeddedPostgres(mkdtempSync(join(tmpdir(), 'chat-test-pg-')));
  return { adminUrl: db.url, stop: db.stop };
}

export function adminUrl(): string {
  return process.env['TEST_PG_ADMIN_URL'] ?? LOCAL_ADMIN_URL;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database per test file: the app's own migrations build the schema. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `chat_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
