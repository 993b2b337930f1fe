import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

export interface NaiveResult {
  connections: number;
  rows: number;
  ms: number;
  perSecond: number;
  /** True when the time cap stopped it before all rows were in. */
  capped: boolean;
}

export interface NaiveSample {
  roomId: string;
  userId: string;
  contentLength: number;
}

/**
 * What the group commit is up against: one autocommit INSERT per message, each waiting for the one
 * before on its connection (a prepared statement, so this is the naive path at its best). With
 * several connections they run side by side, as a server without batching would with its pool
 * (PostgreSQL still shares WAL flushes between commits that coincide). The scratch table has the
 * messages table's columns, defaults, checks, indexes and foreign keys.
 */
export async function naiveInserts(databaseUrl: string, rows: number, maxSeconds: number, sample: NaiveSample, connections = 1): Promise<NaiveResult> {
  const table = `bench_naive_${connections}`;
  const clients = Array.from({ length: connections }, () => new pg.Client({ connectionString: databaseUrl, application_name: 'chat-bench-naive' }));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const [admin] = clients;
    await admin.query(`CREATE TABLE ${table} (LIKE messages INCLUDING ALL)`);
    await admin.query(`ALTER TABLE ${table}
      ADD FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
      ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL`);
    const text = `INSERT INTO ${table} (id, room_id, seq, user_id, content, is_ai, client_message_id, status, metadata, created_at)
      VALUES ($1, $2, $3, $4, $5, false, $6, 'complete', '{}'::jsonb, $7)`;
    const padding = 'x'.repeat(sample.contentLength);
    const deadline = performance.now() + maxSeconds * 1000;
    let next = 0;
    let stopped = false;
    const start = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        while (!stopped && next < rows) {
          const n = next++;
          if (n % 100 === 0 && performance.now() > deadline) {
            stopped = true;
            next--;
            break;
          }
          const header = `naive|0|${n}|${performance.now().toFixed(3)}|`;
          await client.query({
            name: `${table}-insert`,
            text,
            values: [randomUUID(), sample.roomId, n + 1, sample.userId, header + padding.slice(header.length), `naive:${n}`, new Date().toISOString()],
          });
        }
      }),
    );
    const ms = performance.now() - start;
    const { rows: counted } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    const done = counted[0].n;
    await admin.query(`DROP TABLE ${table}`);
    return { connections, rows: done, ms, perSecond: (done / ms) * 1000, capped: done < rows };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
