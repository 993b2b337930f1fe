import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ChatMessage, UserAdminView } from '@chat/contract';
import { AppException } from '../../src/common/app-exception.js';
import { MessageDraft, MessageWriter, WriteResult } from '../../src/messages/message-writer.js';
import { startTestApp, TestApp } from '../support/test-app.js';

describe(MessageWriter.name, () => {
  let t: TestApp;
  let writer: MessageWriter;
  let db: DataSource;
  let users: UserAdminView[];

  beforeAll(async () => {
    t = await startTestApp();
    writer = t.app.get(MessageWriter);
    db = t.app.get(DataSource);
    users = (await Promise.all([t.createUser('staff'), t.createUser('staff'), t.createUser('staff')])).map((u) => u.user);
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  let roomCounter = 0;
  async function createRooms(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => `writer-${++roomCounter}`);
    await db.query(`INSERT INTO rooms (id, name, visibility) SELECT id, id, 'public' FROM unnest($1::varchar[]) AS id`, [ids]);
    return ids;
  }

  const draft = (roomId: string, user: UserAdminView, content: string, clientMessageId?: string): MessageDraft => ({
    roomId,
    userId: user.id,
    username: user.username,
    displayName: user.displayName,
    content,
    isAi: false,
    status: 'complete',
    ...(clientMessageId ? { clientMessageId } : {}),
  });

  const storedSeqs = async (roomId: string) =>
    (await db.query<{ seq: string }[]>('SELECT seq FROM messages WHERE room_id = $1 ORDER BY seq', [roomId])).map((r) => Number(r.seq));

  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  /**
   * Lets the writer's drain loop finish: a write resolves a little before the loop notices the queue
   * is empty, and writes made in between would join the old loop instead of starting a fresh one.
   */
  const drained = () => new Promise((resolve) => setImmediate(resolve));

  /** Counts the transactions the writer opens (one query runner per batch). */
  // Batches, not connections: a batch's two pre-insert reads run on two connections at once.
  const countBatches = () => jest.spyOn(writer as unknown as { writeBatch: () => Promise<unknown> }, 'writeBatch');

  it('should give many concurrent writes gap-free, strictly increasing seqs per room', async () => {
    const rooms = await createRooms(4);
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => writer.write(draft(rooms[i % 4], users[i % 3], `w${i}`))),
    );
    expect(results.every((r) => r.created)).toBe(true);
    for (const roomId of rooms) {
      const mine = results.filter((r) => r.message.roomId === roomId);
      expect(mine.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(range(250));
      expect(await storedSeqs(roomId)).toEqual(range(250));
    }
    // Within one room, the order of write() calls is the order of seqs.
    const first = results.filter((r) => r.message.roomId === rooms[0]).map((r) => r.message.seq);
    expect(first).toEqual(range(250));
  });

  it('should keep numbering where the room left off across separate writes', async () => {
    const [roomId] = await createRooms(1);
    for (let i = 1; i <= 3; i++) expect((await writer.write(draft(roomId, users[0], `s${i}`))).message.seq).toBe(i);
    const [{ last_seq }] = await db.query<{ last_seq: string }[]>('SELECT last_seq FROM rooms WHERE id = $1', [roomId]);
    expect(Number(last_seq)).toBe(3);
  });

  it('should store a clientMessageId repeated inside one batch once, answering created:false for the copies', async () => {
    const [roomId] = await createRooms(1);
    await drained();
    const batches = countBatches();
    // The first write leaves at once; everything queued while it is in flight goes out as the next batch.
    const blocker = writer.write(draft(roomId, users[0], 'blocker'));
    const copies = [
      writer.write(draft(roomId, users[1], 'first copy', 'dup-1')),
      writer.write(draft(roomId, users[2], 'someone else', 'dup-1')),
      writer.write(draft(roomId, users[1], 'second copy', 'dup-1')),
      writer.write(draft(roomId, users[1], 'third copy', 'dup-1')),
    ];
    const [, original, otherUser, second, third] = await Promise.all([blocker, ...copies]);

    expect(batches).toHaveBeenCalledTimes(2);
    expect(original.created).toBe(true);
    expect(original.message).toMatchObject({ content: 'first copy', clientMessageId: 'dup-1', userId: users[1].id, seq: 2 });
    expect(otherUser).toMatchObject({ created: true, message: { content: 'someone else', seq: 3 } });
    expect(second).toEqual({ created: false, message: original.message });
    expect(third).toEqual({ created: false, message: original.message });
    expect(await storedSeqs(roomId)).toEqual([1, 2, 3]);
  });

  it('should answer a clientMessageId already stored by an earlier batch with the stored message and created:false', async () => {
    const [roomId] = await createRooms(1);
    const original = await writer.write(draft(roomId, users[0], 'original', 'again-1'));
    const [resend, fresh] = await Promise.all([
      writer.write(draft(roomId, users[0], 'resend', 'again-1')),
      writer.write(draft(roomId, users[0], 'fresh', 'again-2')),
    ]);
    expect(original.created).toBe(true);
    expect(resend).toEqual({ created: false, message: original.message });
    expect(fresh).toMatchObject({ created: true, message: { seq: 2 } });
    const rows = await db.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM messages WHERE user_id = $1 AND client_message_id = 'again-1'`,
      [users[0].id],
    );
    expect(Number(rows[0].n)).toBe(1);
  });

  it('should recover when another instance stores the same clientMessageId between the look-up and the insert', async () => {
    const [roomId] = await createRooms(1);
    const original = await writer.write(draft(roomId, users[0], 'stored elsewhere', 'race-1'));
    // The second look-up (the batch after the blocker) misses the stored copy, as if it committed just after.
    const internals = writer as unknown as { findExisting: (...args: unknown[]) => Promise<Map<string, ChatMessage>> };
    const lookUp = internals.findExisting.bind(writer);
    let calls = 0;
    await drained();
    jest.spyOn(internals, 'findExisting').mockImplementation((...args) => (++calls === 2 ? Promise.resolve(new Map()) : lookUp(...args)));

    const [blocker, resend, fresh] = await Promise.all([
      writer.write(draft(roomId, users[1], 'blocker')),
      writer.write(draft(roomId, users[0], 'resend', 'race-1')),
      writer.write(draft(roomId, users[0], 'fresh', 'race-2')),
    ]);
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(blocker).toMatchObject({ created: true, message: { seq: 2 } });
    expect(resend).toEqual({ created: false, message: original.message });
    // The failed attempt rolled its seqs back with it: still no gap.
    expect(fresh).toMatchObject({ created: true, message: { content: 'fresh', seq: 3 } });
    expect(await storedSeqs(roomId)).toEqual([1, 2, 3]);
  });

  it('should reject a write to a room deleted meanwhile with ROOM_NOT_FOUND, and still store the rest of its batch', async () => {
    const [roomA, doomed, roomB] = await createRooms(3);
    await writer.write(draft(doomed, users[0], 'before the delete'));
    await db.query('DELETE FROM rooms WHERE id = $1', [doomed]);

    await drained();
    const batches = countBatches();
    const blocker = writer.write(draft(roomA, users[0], 'blocker'));
    const settled = await Promise.allSettled([
      blocker,
      writer.write(draft(roomA, users[0], 'a')),
      writer.write(draft(doomed, users[1], 'lost', 'doomed-1')),
      writer.write(draft(doomed, users[1], 'lost again', 'doomed-1')),
      writer.write(draft(roomB, users[2], 'b')),
    ]);
    expect(batches).toHaveBeenCalledTimes(2);

    const [blocked, a, lost, lostCopy, b] = settled;
    expect(blocked).toMatchObject({ status: 'fulfilled', value: { created: true, message: { seq: 1 } } });
    expect(a).toMatchObject({ status: 'fulfilled', value: { created: true, message: { roomId: roomA, seq: 2 } } });
    expect(b).toMatchObject({ status: 'fulfilled', value: { created: true, message: { roomId: roomB, seq: 1 } } });
    for (const outcome of [lost, lostCopy]) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as unknown;
      expect(reason).toBeInstanceOf(AppException);
      expect((reason as AppException).code).toBe('ROOM_NOT_FOUND');
    }
    expect(await storedSeqs(roomA)).toEqual([1, 2]);
    expect(await storedSeqs(roomB)).toEqual([1]);
    expect(await storedSeqs(doomed)).toEqual([]);
  });

  it('should keep writing after a batch failed, logging the failure', async () => {
    const [roomId] = await createRooms(1);
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const failing = writer.write({ ...draft(roomId, users[0], 'bad'), userId: '00000000-0000-4000-8000-000000000000' });
    await expect(failing).rejects.toThrow(/foreign key/);
    expect(logged).toHaveBeenCalledWith({ code: 'INTERNAL', err: expect.objectContaining({ message: expect.stringContaining('foreign key') }) }, 'Writing 1 message(s) failed');
    const next: WriteResult = await writer.write(draft(roomId, users[0], 'good'));
    expect(next).toMatchObject({ created: true, message: { seq: 1 } });
  });
});
