import { DataSource } from 'typeorm';
import type { ApiKeyScope, CreatedApiKey, UserAdminView } from '@chat/contract';
import type { TestApp } from './test-app.js';

/** Creates an API key for the token's user (or, with `forUserId`, an admin's key for a service account). */
export async function createKey(
  t: TestApp,
  token: string,
  body: { name?: string; scopes: ApiKeyScope[]; roomIds?: string[] | null; expiresAt?: string },
  forUserId?: string,
): Promise<CreatedApiKey> {
  const path = forUserId ? `/api/users/${forUserId}/api-keys` : '/api/api-keys';
  const { status, body: created } = await t.http<CreatedApiKey>('POST', path, { token, body: { name: 'test key', ...body } });
  if (status !== 201) throw new Error(`create key failed: ${status} ${JSON.stringify(created)}`);
  return created;
}

/** A service account, created by the admin. */
export async function createServiceAccount(t: TestApp, name = `bot_${Math.random().toString(36).slice(2, 8)}`): Promise<UserAdminView> {
  const { status, body } = await t.http<UserAdminView>('POST', '/api/users', { token: t.adminToken, body: { username: name, displayName: `${name} bot`, role: 'service' } });
  if (status !== 201) throw new Error(`create service account failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Direct SQL on the app's database, for states no route produces (an expiry in the past). */
export function sql(t: TestApp): DataSource {
  return t.app.get(DataSource);
}

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  /** Comment lines (heartbeats). */
  comments: string[];
}

/** An open `GET /api/events`: events as they arrive, parsed; `close()` aborts it. */
export interface SseStream {
  status: number;
  events: SseEvent[];
  /** Resolves when `count` events (not counting pure comment blocks) have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when a heartbeat comment arrived. */
  heartbeat(timeoutMs?: number): Promise<void>;
  ended: Promise<void>;
  close(): void;
}

export async function openEvents(baseUrl: string, token: string, headers: Record<string, string> = {}, query = ''): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/api/events${query}`, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  let heartbeats = 0;
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { comments: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) event.comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) event.data = line.slice(6);
          }
          if (event.comments.includes('heartbeat')) heartbeats++;
          if (event.event || event.data) events.push(event);
        }
      }
    } catch {
      // aborted
    }
  })();
  const until = async (done: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${what} did not arrive in time (have ${events.length} events)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    status: response.status,
    events,
    async waitFor(count, timeoutMs = 10_000) {
      await until(() => events.length >= count, timeoutMs, `${count} events`);
      return events.slice(0, count);
    },
    heartbeat: (timeoutMs = 5000) => {
      const seen = heartbeats;
      return until(() => heartbeats > seen, timeoutMs, 'a heartbeat');
    },
    ended,
    close: () => abort.abort(),
  };
}

/** "<tx>_<id>" cursors compare as number pairs. */
export function cursorLess(a: string, b: string): boolean {
  const [at, ai] = a.split('_').map(BigInt);
  const [bt, bi] = b.split('_').map(BigInt);
  return at < bt || (at === bt && ai < bi);
}

export interface ReceivedHook {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  at: number;
}

/** A webhook receiver on 127.0.0.1: answers with `answer(n)` for the n-th request (0-based); 'hang' never answers. */
export class HookReceiver {
  readonly received: ReceivedHook[] = [];
  private server?: import('node:http').Server;
  answer: (n: number, hook: ReceivedHook) => number | 'hang' = () => 200;

  async start(): Promise<string> {
    const { createServer } = await import('node:http');
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        const hook = { headers: req.headers, raw, at: Date.now() };
        const n = this.received.push(hook) - 1;
        const status = this.answer(n, hook);
        if (status === 'hang') return;
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as import('node:net').AddressInfo;
    return `http://127.0.0.1:${port}/hook`;
  }

  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedHook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.received.length} of ${count} deliveries arrived`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.received.slice(0, count);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** What a receiver does: recompute the signature over "<t>.<raw body>" and compare in constant time. */
export async function verifySignature(secret: string, header: string, raw: string): Promise<boolean> {
  const { createHmac, timingSafeEqual } = await import('node:crypto');
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  if (!parts['t'] || !parts['v1']) return false;
  const expected = createHmac('sha256', secret).update(`${parts['t']}.${raw}`).digest();
  const given = Buffer.from(parts['v1'], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
