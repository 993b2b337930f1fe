import type { ChangeEntry, ChangesPage, ChatMessage } from '@chat/contract';
import { createRoom } from '../support/realtime-helpers.js';
import { startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import { createKey, cursorLess, sql } from '../support/integration-helpers.js';
import type { TestApp } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function page(t: TestApp, token: string, since?: string, limit = 50): Promise<ChangesPage> {
  const query = new URLSearchParams({ limit: String(limit), ...(since ? { since } : {}) });
  const { status, body } = await t.http<ChangesPage>('GET', `/api/changes?${query}`, { token });
  if (status !== 200) throw new Error(`changes failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

describe('two instances: the changes feed', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTwoInstances('changes-feed', { RATE_LIMIT_MESSAGES_PER_MINUTE: '100000', RATE_LIMIT_REST_PER_MINUTE: '100000' });
  });
  afterAll(async () => {
    await cluster.close();
  });

  it('should hand a follower every change exactly once, in order, while both instances write and slow transactions commit late', async () => {
    const reader = await cluster.a.createUser();
    const outsider = await cluster.a.createUser();
    const writers = await Promise.all([cluster.a.createUser(), cluster.b.createUser()]);
    const rooms = [
      (await createRoom(cluster.a, reader.token, { name: 'Feed one', visibility: 'public' })).id,
      (await createRoom(cluster.b, reader.token, { name: 'Feed two', visibility: 'public' })).id,
    ];
    const hidden = (await createRoom(cluster.a, outsider.token, { name: 'Hidden', visibility: 'private' })).id;
    const key = await createKey(cluster.a, reader.token, { scopes: ['messages:read'] });

    let cursor = (await page(cluster.a, key.key)).next;
    const seen: ChangeEntry[] = [];
    // Set once the writes are done: how many changes the follower must end up with.
    let expectedCount: number | null = null;
    // The follower alternates instances, as a client behind a load balancer would. A change shows
    // once every older transaction (in any database of the server) has ended, so it may come late;
    // the follower stops once it has the expected number, plus one more read for any extra.
    const follow = (async () => {
      const deadline = Date.now() + 30_000;
      for (let turn = 0; Date.now() < deadline; turn++) {
        const t = turn % 2 === 0 ? cluster.a : cluster.b;
        const got = await page(t, key.key, cursor);
        seen.push(...got.changes);
        cursor = got.next;
        if (expectedCount !== null && seen.length >= expectedCount && !got.hasMore) {
          await sleep(200);
          seen.push(...(await page(cluster.b, key.key, cursor)).changes);
          return;
        }
        if (!got.hasMore) await sleep(15);
      }
    })();

    const posted: ChatMessage[] = [];
    const post = async (t: TestApp, token: string, roomId: string, i: number) => {
      const { status, body } = await t.http<ChatMessage>('POST', `/api/rooms/${roomId}/messages`, { token, body: { content: `m${i}` } });
      if (status !== 201) throw new Error(`post failed ${status}`);
      posted.push(body);
    };
    const instances = [cluster.a, cluster.b];
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < 30; i++) await post(instances[w % 2], writers[w % 2].token, rooms[(w + i) % 2], w * 100 + i);
      }),
    );
    await Promise.all([0, 1].map(async (i) => post(cluster.a, outsider.token, hidden, 900 + i)));

    // Edits and deletes the way issue 11 writes them; some in transactions that take their ids
    // early and commit after later ones have been read (what a plain id cursor would skip).
    const db = sql(cluster.a);
    const edited = posted.filter((m) => m.roomId !== hidden).slice(0, 12);
    const deleted = posted.filter((m) => m.roomId !== hidden).slice(12, 16);
    const edit = (id: string) =>
      db.query(`UPDATE messages SET content = 'edited', edited_at = now(), change_seq = change_seq + 1 WHERE id = $1`, [id]);
    const slow = async (id: string, holdMs: number) => {
      const runner = db.createQueryRunner();
      await runner.startTransaction();
      await runner.query(`UPDATE messages SET content = 'edited slowly', edited_at = now(), change_seq = change_seq + 1 WHERE id = $1`, [id]);
      await sleep(holdMs);
      await runner.commitTransaction();
      await runner.release();
    };
    await Promise.all([
      slow(edited[0].id, 600),
      slow(edited[1].id, 300),
      ...edited.slice(2).map((m) => edit(m.id)),
      ...deleted.map((m) => db.query(`UPDATE messages SET deleted_at = now(), content = '', change_seq = change_seq + 1 WHERE id = $1`, [m.id])),
      ...[0, 1, 2, 3, 4, 5].map((i) => post(instances[i % 2], writers[i % 2].token, rooms[i % 2], 500 + i)),
    ]);
    const visible = posted.filter((m) => m.roomId !== hidden);
    expectedCount = visible.length + edited.length + deleted.length;
    await follow;

    const created = seen.filter((c) => c.type === 'message.created').map((c) => c.message.id);
    expect(created.sort()).toEqual(visible.map((m) => m.id).sort());
    expect(seen.filter((c) => c.type === 'message.updated').map((c) => c.message.id).sort()).toEqual(edited.map((m) => m.id).sort());
    expect(seen.filter((c) => c.type === 'message.deleted').map((c) => c.message.id).sort()).toEqual(deleted.map((m) => m.id).sort());
    expect(seen.some((c) => c.roomId === hidden)).toBe(false);
    for (let i = 1; i < seen.length; i++) expect(cursorLess(seen[i - 1].cursor, seen[i].cursor)).toBe(true);
    // The feed orders by writing transaction, not by seq (two rooms' batch may take its id before
    // a later single send): the seqs are there for ordering within a room.
    for (const roomId of rooms) {
      const seqs = seen.filter((c) => c.type === 'message.created' && c.roomId === roomId).map((c) => c.message.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    }
    // A message's edit comes after its creation, and a deleted one is its tombstone.
    for (const m of edited) {
      expect(seen.findIndex((c) => c.message.id === m.id && c.type === 'message.created')).toBeLessThan(seen.findIndex((c) => c.message.id === m.id && c.type === 'message.updated'));
    }
    expect(seen.find((c) => c.type === 'message.deleted')?.message.content).toBe('');

    // Following again from any earlier cursor yields the same sequence from there.
    const again: ChangeEntry[] = [];
    // "Now" lies after everything already seen.
    expect(cursorLess(seen[seen.length - 1].cursor, (await page(cluster.b, key.key)).next)).toBe(true);
    const replayFrom = seen[9].cursor;
    for (let next = replayFrom; ; ) {
      const got = await page(cluster.b, key.key, next, 7);
      again.push(...got.changes);
      next = got.next;
      if (!got.hasMore) break;
    }
    expect(again.map((c) => c.cursor)).toEqual(seen.slice(10).map((c) => c.cursor));
  });

  it('should answer a bad cursor with 400 and one older than retention with 410 CURSOR_EXPIRED', async () => {
    const { token } = await cluster.a.createUser();
    expect((await cluster.a.http('GET', '/api/changes?since=yesterday', { token })).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect((await cluster.a.http('GET', '/api/changes?limit=0', { token })).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    const start = (await page(cluster.a, token)).next;
    await cluster.a.http('POST', '/api/rooms/general/messages', { token, body: { content: 'soon old' } });
    const { changes } = await page(cluster.a, token, start);
    expect(changes.length).toBeGreaterThan(0);
    const db = sql(cluster.a);
    await db.query(`UPDATE change_events SET created_at = now() - interval '30 days'`);
    const { ChangesService } = await import('../../src/integrations/changes.service.js');
    expect(await cluster.b.app.get(ChangesService).prune()).toBeGreaterThan(0);
    expect((await cluster.a.http('GET', `/api/changes?since=${start}`, { token })).body).toMatchObject({ statusCode: 410, code: 'CURSOR_EXPIRED' });
    // The newest cursor handed out is still good.
    expect((await cluster.a.http('GET', `/api/changes?since=${changes[changes.length - 1].cursor}`, { token })).status).toBe(200);
  });
});
