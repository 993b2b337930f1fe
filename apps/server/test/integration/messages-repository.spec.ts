import { randomUUID } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import { MessageInsertRow, MessagesRepository } from '../../src/messages/messages.repository.js';
import { MigratedDatabase, openMigratedDatabase } from '../support/migrated-database.js';

describe(MessagesRepository.name, () => {
  let db: MigratedDatabase;
  let ds: DataSource;
  let repository: MessagesRepository;
  let author: { id: string; username: string };
  let roomCounter = 0;

  beforeAll(async () => {
    db = await openMigratedDatabase();
    ds = db.dataSource;
    repository = new MessagesRepository(ds);
    author = await db.addUser();
  });
  afterAll(async () => {
    await db.close();
  });

  async function withRunner<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      return await work(runner);
    } finally {
      await runner.release();
    }
  }

  const row = (content: string, overrides: Partial<MessageInsertRow> = {}): MessageInsertRow => ({
    id: randomUUID(),
    userId: author.id,
    content,
    isAi: false,
    clientMessageId: null,
    status: 'complete',
    metadata: undefined,
    createdAt: new Date(),
    ...overrides,
  });

  async function roomWith(count: number): Promise<string> {
    const roomId = `repo-${++roomCounter}`;
    await db.addRoom(roomId);
    if (count > 0) {
      await withRunner((runner) =>
        repository.insertNumbered(
          runner,
          roomId,
          Array.from({ length: count }, (_, i) => row(`m${i + 1}`)),
        ),
      );
    }
    return roomId;
  }

  describe('insertNumbered', () => {
    it('should number one batch from the room counter, gap-free and continuing across batches', async () => {
      const roomId = await roomWith(0);
      const first = [row('a'), row('b')];
      const second = [row('c')];

      const seqs1 = await withRunner((runner) => repository.insertNumbered(runner, roomId, first));
      const seqs2 = await withRunner((runner) => repository.insertNumbered(runner, roomId, second));

      expect(first.map((r) => seqs1.get(r.id))).toEqual([1, 2]);
      expect(seqs2.get(second[0].id)).toBe(3);
      expect(await repository.lastSeq(roomId)).toBe(3);
    });

    it('should insert nothing and return no seqs for a room that does not exist', async () => {
      const seqs = await withRunner((runner) => repository.insertNumbered(runner, 'no-such-room', [row('lost')]));
      expect(seqs.size).toBe(0);
      const [{ count }] = await ds.query<{ count: string }[]>(`SELECT count(*) FROM messages WHERE room_id = 'no-such-room'`);
      expect(Number(count)).toBe(0);
    });
  });

  describe('insertNumberedInRooms', () => {
    it('should number each room from its own counter in one statement, keeping each room\'s order and skipping a missing room', async () => {
      const left = await roomWith(2);
      const right = await roomWith(0);
      const rows = [
        { ...row('l3'), roomId: left },
        { ...row('r1'), roomId: right },
        { ...row('lost'), roomId: 'no-such-room' },
        { ...row('l4'), roomId: left },
        { ...row('r2'), roomId: right },
      ];

      const seqs = await withRunner((runner) => repository.insertNumberedInRooms(runner, rows));

      expect(rows.map((r) => seqs.get(r.id))).toEqual([3, 1, undefined, 4, 2]);
      expect(await repository.lastSeq(left)).toBe(4);
      expect(await repository.lastSeq(right)).toBe(2);
      const stored = await ds.query<{ room_id: string; seq: string; content: string }[]>(
        `SELECT room_id, seq, content FROM messages WHERE room_id = ANY($1) ORDER BY room_id, seq`,
        [[left, right]],
      );
      expect(stored.filter((m) => m.room_id === right).map((m) => m.content)).toEqual(['r1', 'r2']);
      expect(stored.filter((m) => m.room_id === left).map((m) => m.content)).toEqual(['m1', 'm2', 'l3', 'l4']);
    });

    it('should not deadlock when writers lock overlapping rooms given in opposite orders', async () => {
      const rooms = await Promise.all(Array.from({ length: 6 }, () => roomWith(0)));
      const forward = rooms.map((roomId) => ({ ...row('f'), roomId }));
      const backward = [...rooms].reverse().map((roomId) => ({ ...row('b'), roomId }));

      await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          withRunner((runner) =>
            repository.insertNumberedInRooms(
              runner,
              (k % 2 === 0 ? forward : backward).map((r) => ({ ...r, id: randomUUID() })),
            ),
          ),
        ),
      );

      for (const roomId of rooms) expect(await repository.lastSeq(roomId)).toBe(20);
    });
  });

  describe('reads', () => {
    it('should page newest-first without a lower bound and oldest-first with one', async () => {
      const roomId = await roomWith(6);
      expect((await repository.page(roomId, { limit: 2 })).map((m) => m.seq)).toEqual([6, 5]);
      expect((await repository.page(roomId, { before: 4, limit: 2 })).map((m) => m.seq)).toEqual([3, 2]);
      expect((await repository.page(roomId, { after: 2, limit: 2 })).map((m) => m.seq)).toEqual([3, 4]);
      expect((await repository.page(roomId, { after: 1, before: 4, limit: 10 })).map((m) => m.seq)).toEqual([2, 3]);
    });

    it('should read a range (after, through] ascending, within its limit, with the author joined', async () => {
      const roomId = await roomWith(5);
      const messages = await repository.range(roomId, 1, 4, 2);
      expect(messages.map((m) => m.seq)).toEqual([2, 3]);
      expect(messages[0]).toMatchObject({ roomId, userId: author.id, username: author.username, content: 'm2', isAi: false, status: 'complete' });
    });

    it('should read the messages before a seq in ascending order', async () => {
      const roomId = await roomWith(5);
      expect((await repository.before(roomId, 5, 3)).map((m) => m.content)).toEqual(['m2', 'm3', 'm4']);
    });

    it('should say null for the last seq of a room that does not exist, and 0 for an empty one', async () => {
      expect(await repository.lastSeq('missing-room')).toBeNull();
      expect(await repository.lastSeq(await roomWith(0))).toBe(0);
    });

    it('should find stored messages by their sender and client message id', async () => {
      const roomId = await roomWith(0);
      const keyed = row('keyed', { clientMessageId: 'client-1' });
      await withRunner((runner) => repository.insertNumbered(runner, roomId, [keyed, row('other')]));
      const found = await withRunner((runner) =>
        repository.findByClientIds(runner, [
          { userId: author.id, clientMessageId: 'client-1' },
          { userId: author.id, clientMessageId: 'never-sent' },
        ]),
      );
      expect([...found.keys()]).toEqual([`${author.id}\u0000client-1`]);
      expect(found.get(`${author.id}\u0000client-1`)).toMatchObject({ id: keyed.id, content: 'keyed', clientMessageId: 'client-1' });
    });
  });

  describe('replies', () => {
    async function reply(roomId: string, requestedBy: string): Promise<string> {
      const draft = row('', { userId: null, isAi: true, status: 'streaming', metadata: { requestedBy, model: 'm' } });
      await withRunner((runner) => repository.insertNumbered(runner, roomId, [draft]));
      return draft.id;
    }

    it('should know who a reply belongs to, and nothing about a message that is no reply', async () => {
      const roomId = await roomWith(1);
      const id = await reply(roomId, author.id);
      expect(await repository.replyOwner(id)).toEqual({ roomId, status: 'streaming', requestedBy: author.id });
      const [human] = await repository.range(roomId, 0, 1, 1);
      expect(await repository.replyOwner(human.id)).toBeNull();
    });

    it('should store a finished reply in one write', async () => {
      const roomId = await roomWith(0);
      const id = await reply(roomId, author.id);
      await repository.finishReply(id, { content: 'The answer', status: 'complete', metadata: { model: 'm', promptTokens: 7, completionTokens: 2 } });
      const [stored] = await repository.range(roomId, 0, 1, 1);
      expect(stored).toMatchObject({ id, content: 'The answer', status: 'complete', metadata: { model: 'm', promptTokens: 7, completionTokens: 2 } });
    });

    it('should end only replies whose heartbeat is older than the cut-off, keeping their text', async () => {
      const roomId = await roomWith(0);
      const stale = await reply(roomId, author.id);
      const kept = await reply(roomId, author.id);
      await ds.query(`UPDATE messages SET content = 'Half', created_at = now() - interval '10 minutes', updated_at = NULL WHERE id = ANY($1::uuid[])`, [[stale, kept]]);

      await repository.heartbeat([kept]);
      const ended = await repository.endAbandonedReplies(60_000, 'note', 'AI_UNAVAILABLE');

      expect(ended.map((m) => m.id)).toEqual([stale]);
      expect(ended[0]).toMatchObject({ status: 'error', content: 'Half\n\nnote', isAi: true, metadata: { errorCode: 'AI_UNAVAILABLE', requestedBy: author.id } });
      expect((await repository.replyOwner(kept))?.status).toBe('streaming');
    });

    it('should heartbeat nothing for an empty list', async () => {
      await expect(repository.heartbeat([])).resolves.toBeUndefined();
    });
  });

  describe('usage', () => {
    it('should add up finished replies per user, room and day, leaving streaming ones and other periods out', async () => {
      const asker = await db.addUser();
      const roomId = await roomWith(0);
      const at = new Date('2030-01-02T10:00:00Z');
      const ai = (status: 'complete' | 'streaming', promptTokens: number, createdAt = at) =>
        row('x', { userId: null, isAi: true, status, createdAt, metadata: { requestedBy: asker.id, promptTokens, completionTokens: 1 } });
      await withRunner((runner) =>
        repository.insertNumbered(runner, roomId, [ai('complete', 10), ai('complete', 5), ai('streaming', 100), ai('complete', 1000, new Date('2030-02-01T00:00:00Z'))]),
      );
      const from = new Date('2030-01-01T00:00:00Z');
      const to = new Date('2030-01-03T00:00:00Z');

      expect(await repository.usage(from, to, 'user')).toEqual([{ key: asker.id, label: asker.username, requests: 2, promptTokens: 15, completionTokens: 2 }]);
      expect(await repository.usage(from, to, 'room')).toEqual([{ key: roomId, label: roomId, requests: 2, promptTokens: 15, completionTokens: 2 }]);
      expect(await repository.usage(from, to, 'day')).toEqual([{ key: '2030-01-02', label: null, requests: 2, promptTokens: 15, completionTokens: 2 }]);
    });

    it('should count the messages of the last minute', async () => {
      const before = await repository.countLastMinute();
      await roomWith(3);
      expect(await repository.countLastMinute()).toBe(before + 3);
    });
  });
});
