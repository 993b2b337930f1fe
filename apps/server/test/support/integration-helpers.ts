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
