import { DataSource } from 'typeorm';
import type { ChatMessage, HttpErrorBody, MessageUpdatedPayload, RoomView, UserAdminView } from '@chat/contract';
import { assistantReply, changed, joinedSockets, sent } from '../support/conversation-helpers.js';
import { createRoom, flush, ISO_8601, refusal, storedMessages } from '../support/realtime-helpers.js';
import { ChatClient, collect, emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

describe('edit_message and delete_message', () => {
  let t: TestApp;
  let db: DataSource;
  let owner: Member;
  let alice: Member;
  let bob: Member;
  let roomId: string;
  let a: ChatClient;
  let b: ChatClient;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '1000', RATE_LIMIT_CHANGES_PER_MINUTE: '40', MESSAGE_MAX_LENGTH: '50' });
    db = t.app.get(DataSource);
    [owner, alice, bob] = [await t.createUser(), await t.createUser(), await t.createUser()];
    roomId = (await createRoom(t, owner.token, { id: 'edits', name: 'Edits', visibility: 'public' })).id;
    [a, b] = await joinedSockets(t, roomId, alice.token, bob.token);
  });
  afterAll(async () => {
    await t.close();
  });

  const roomChangeSeq = async () => (await t.http<RoomView>('GET', `/api/rooms/${roomId}`, { token: alice.token })).body.lastChangeSeq;

  it('should let the author edit over the socket: the ack and every socket in the room get message_updated with the whole message and the next changeSeq', async () => {
    const original = await sent(a, roomId, 'teh typo');
    const before = await roomChangeSeq();
    const toBob = nextEvent(b, 'message_updated');
    const update = await changed(a, 'edit_message', { messageId: original.id, content: 'the typo, fixed' });

    expect(update).toEqual({
      changeSeq: before + 1,
      message: { ...original, content: 'the typo, fixed', editedAt: expect.stringMatching(ISO_8601), changeSeq: before + 1 },
    });
    expect(await toBob).toEqual(update);
    expect(await roomChangeSeq()).toBe(before + 1);
    // The row carries its latest change, as the changes feed reads it.
    const [row] = await db.query(`SELECT change_seq, content FROM messages WHERE id = $1`, [original.id]);
    expect(row).toEqual({ change_seq: String(before + 1), content: 'the typo, fixed' });
    expect((await storedMessages(t, roomId)).find((m) => m.id === original.id)).toEqual(update.message);
  });

  it('should edit over REST PATCH and deliver message_updated live', async () => {
    const original = await sent(a, roomId, 'draft');
    const toBob = nextEvent(b, 'message_updated', (u) => u.message.id === original.id);
    const response = await t.http<MessageUpdatedPayload>('PATCH', `/api/rooms/${roomId}/messages/${original.id}`, {
      token: alice.token,
      body: { content: 'final' },
    });
    expect(response.status).toBe(200);
    expect(response.body.message).toMatchObject({ id: original.id, content: 'final', editedAt: expect.stringMatching(ISO_8601) });
    expect(await toBob).toEqual(response.body);
  });

  it("should refuse someone else's edit, an assistant reply's edit and an unknown message, with coded errors", async () => {
    const mine = await sent(a, roomId, 'mine');
    const reply = await assistantReply(t, roomId, 'I am the assistant');
    const before = await roomChangeSeq();
    const updates = collect(a, 'message_updated');

    expect((await refusal(b, 'edit_message', { messageId: mine.id, content: 'hijacked' })).error).toMatchObject({ code: 'FORBIDDEN', event: 'edit_message' });
    expect((await refusal(a, 'edit_message', { messageId: reply.id, content: 'put words in its mouth' })).error).toMatchObject({ code: 'FORBIDDEN' });
    expect((await refusal(a, 'edit_message', { messageId: '00000000-0000-4000-8000-000000000000', content: 'x' })).error).toMatchObject({ code: 'NOT_FOUND' });
    const rest = await t.http<HttpErrorBody>('PATCH', `/api/rooms/${roomId}/messages/${mine.id}`, { token: bob.token, body: { content: 'hijacked' } });
    expect(rest).toEqual({ status: 403, body: { statusCode: 403, code: 'FORBIDDEN', message: expect.any(String) } });
    const unknown = await t.http<HttpErrorBody>('PATCH', `/api/rooms/${roomId}/messages/00000000-0000-4000-8000-000000000000`, { token: alice.token, body: { content: 'x' } });
    expect(unknown.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    // A message named under another room's path is not found there.
    const elsewhere = await createRoom(t, alice.token, { name: 'Elsewhere', visibility: 'public' });
    const wrongRoom = await t.http<HttpErrorBody>('PATCH', `/api/rooms/${elsewhere.id}/messages/${mine.id}`, { token: alice.token, body: { content: 'x' } });
    expect(wrongRoom.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });

    await flush(b, roomId, [a, b]);
    expect(updates.items).toEqual([]);
    expect(await roomChangeSeq()).toBe(before);
    expect((await storedMessages(t, roomId)).find((m) => m.id === mine.id)?.content).toBe('mine');
  });

  it('should hold an edit to the rules of sending, and refuse malformed payloads, keeping the connection', async () => {
    const mine = await sent(a, roomId, 'short');
    expect((await refusal(a, 'edit_message', { messageId: mine.id, content: 'x'.repeat(51) })).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await refusal(a, 'edit_message', { messageId: mine.id, content: '   ' })).error.code).toBe('VALIDATION_FAILED');
    expect((await refusal(a, 'edit_message', { messageId: mine.id, content: 'nul \u0000' })).error.code).toBe('VALIDATION_FAILED');
    expect((await refusal(a, 'edit_message', { messageId: 'not-a-uuid', content: 'x' })).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: expect.arrayContaining(['messageId must be a message id']),
    });
    expect((await refusal(a, 'edit_message', { messageId: mine.id, content: 42 })).error.code).toBe('VALIDATION_FAILED');
    expect((await refusal(a, 'edit_message', 'just a string')).error.code).toBe('VALIDATION_FAILED');
    expect((await refusal(a, 'delete_message', { messageId: ['x'] })).error.code).toBe('VALIDATION_FAILED');
    const tooLong = await t.http<HttpErrorBody>('PATCH', `/api/rooms/${roomId}/messages/${mine.id}`, { token: alice.token, body: { content: 'x'.repeat(51) } });
    expect(tooLong.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    const extra = await t.http<HttpErrorBody>('PATCH', `/api/rooms/${roomId}/messages/${mine.id}`, { token: alice.token, body: { content: 'ok', seq: 1 } });
    expect(extra.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    const badId = await t.http<HttpErrorBody>('PATCH', `/api/rooms/${roomId}/messages/not-a-uuid`, { token: alice.token, body: { content: 'ok' } });
    expect(badId.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(a.connected).toBe(true);
    expect((await changed(a, 'edit_message', { messageId: mine.id, content: 'still works' })).message.content).toBe('still works');
  });

  it('should delete as a tombstone: the row keeps its seq, content is emptied, reactions cleared, and seqs stay gap-free', async () => {
    const first = await sent(a, roomId, 'keep me');
    const doomed = await sent(a, roomId, 'delete me');
    const last = await sent(a, roomId, 'keep me too');
    await changed(b, 'add_reaction', { messageId: doomed.id, emoji: '👍' });
    const toBob = nextEvent(b, 'message_updated', (u) => u.message.id === doomed.id && u.message.deletedAt !== null);
    const update = await changed(a, 'delete_message', { messageId: doomed.id });

    expect(update.message).toEqual({
      ...doomed,
      content: '',
      deletedAt: expect.stringMatching(ISO_8601),
      reactions: [],
      changeSeq: update.changeSeq,
    });
    expect(await toBob).toEqual(update);
    const history = await storedMessages(t, roomId);
    const around = history.filter((m) => m.seq >= first.seq && m.seq <= last.seq);
    expect(around.map((m) => [m.seq, m.content])).toEqual([
      [first.seq, 'keep me'],
      [doomed.seq, ''],
      [last.seq, 'keep me too'],
    ]);
    expect(history.map((m) => m.seq)).toEqual(history.map((_, i) => i + 1));
    expect(await db.query(`SELECT count(*)::int AS n FROM message_reactions WHERE message_id = $1`, [doomed.id])).toEqual([{ n: 0 }]);

    // Deleting again changes nothing (no new change seq, no broadcast); a tombstone cannot be edited or reacted to.
    const updates = collect(b, 'message_updated');
    expect(await changed(a, 'delete_message', { messageId: doomed.id })).toEqual(update);
    expect((await refusal(a, 'edit_message', { messageId: doomed.id, content: 'back' })).error.code).toBe('NOT_FOUND');
    expect((await refusal(b, 'add_reaction', { messageId: doomed.id, emoji: '👍' })).error.code).toBe('NOT_FOUND');
    await flush(a, roomId, [a, b]);
    expect(updates.items).toEqual([]);
  });

  it("should let the room owner and an admin delete others' messages and assistant replies, and nobody else", async () => {
    const alices = await sent(a, roomId, 'alice says');
    const reply = await assistantReply(t, roomId, 'assistant says');
    expect((await refusal(b, 'delete_message', { messageId: alices.id })).error).toMatchObject({ code: 'FORBIDDEN', event: 'delete_message' });
    expect((await t.http<HttpErrorBody>('DELETE', `/api/rooms/${roomId}/messages/${reply.id}`, { token: alice.token })).status).toBe(403);

    const byOwner = await t.http<MessageUpdatedPayload>('DELETE', `/api/rooms/${roomId}/messages/${alices.id}`, { token: owner.token });
    expect(byOwner.status).toBe(200);
    expect(byOwner.body.message).toMatchObject({ id: alices.id, content: '', deletedAt: expect.stringMatching(ISO_8601) });
    const byAdmin = await t.http<MessageUpdatedPayload>('DELETE', `/api/rooms/${roomId}/messages/${reply.id}`, { token: t.adminToken });
    expect(byAdmin.body.message).toMatchObject({ id: reply.id, isAi: true, content: '', deletedAt: expect.stringMatching(ISO_8601) });
    expect(byAdmin.body.changeSeq).toBe(byOwner.body.changeSeq + 1);
  });

  it('should refuse changes in a private room to a user who cannot read it', async () => {
    const hidden = await createRoom(t, owner.token, { name: 'Hidden', visibility: 'private' });
    const o = await t.connect(owner.token);
    await emitWithAck(o, 'join_room', hidden.id);
    const secret = await sent(o, hidden.id, 'secret');
    expect((await refusal(a, 'delete_message', { messageId: secret.id })).error.code).toBe('FORBIDDEN');
    expect((await t.http('DELETE', `/api/rooms/${hidden.id}/messages/${secret.id}`, { token: alice.token })).status).toBe(403);
    o.disconnect();
  });

  it('should rate-limit changes per user, socket and REST together', async () => {
    const spammer = await t.createUser();
    const s = await t.connect(spammer.token);
    await emitWithAck(s, 'join_room', roomId);
    const target: ChatMessage = await sent(s, roomId, 'v0');
    for (let i = 1; i <= 20; i++) await changed(s, 'edit_message', { messageId: target.id, content: `v${i}` });
    for (let i = 21; i <= 40; i++) {
      expect((await t.http('PATCH', `/api/rooms/${roomId}/messages/${target.id}`, { token: spammer.token, body: { content: `v${i}` } })).status).toBe(200);
    }
    const { error } = await refusal(s, 'edit_message', { messageId: target.id, content: 'one too many' });
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect((await t.http<HttpErrorBody>('PATCH', `/api/rooms/${roomId}/messages/${target.id}`, { token: spammer.token, body: { content: 'x' } })).body.code).toBe('RATE_LIMITED');
    s.disconnect();
  });

  it('should change each message row once per change, change_seq together with what changed (what a changes-feed trigger sees)', async () => {
    // A trigger like the integrations' changes feed: on UPDATE when change_seq changes.
    await db.query(`CREATE TABLE seen_changes (message_id uuid, change_seq bigint, content text, deleted boolean, reactions int, replies int)`);
    await db.query(`
      CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO seen_changes SELECT NEW.id, NEW.change_seq, NEW.content, OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL,
          (SELECT count(*) FROM message_reactions r WHERE r.message_id = NEW.id), NEW.reply_count;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER record_change AFTER UPDATE ON messages FOR EACH ROW WHEN (OLD.change_seq IS DISTINCT FROM NEW.change_seq) EXECUTE FUNCTION record_change()`);
    try {
      const message = await sent(a, roomId, 'watched');
      const edit = await changed(a, 'edit_message', { messageId: message.id, content: 'watched, edited' });
      await changed(b, 'add_reaction', { messageId: message.id, emoji: '👀' });
      await sent(b, roomId, 'a reply', { threadId: message.id });
      await changed(a, 'delete_message', { messageId: message.id });
      const rows = await db.query(`SELECT change_seq::int AS seq, content, deleted, reactions, replies FROM seen_changes WHERE message_id = $1 ORDER BY change_seq`, [message.id]);
      const first = edit.changeSeq;
      expect(rows).toEqual([
        { seq: first, content: 'watched, edited', deleted: false, reactions: 0, replies: 0 },
        { seq: first + 1, content: 'watched, edited', deleted: false, reactions: 1, replies: 0 },
        { seq: first + 2, content: 'watched, edited', deleted: false, reactions: 1, replies: 1 },
        { seq: first + 3, content: '', deleted: true, reactions: 0, replies: 1 },
      ]);
    } finally {
      await db.query(`DROP TRIGGER record_change ON messages`);
      await db.query(`DROP FUNCTION record_change()`);
      await db.query(`DROP TABLE seen_changes`);
    }
  });
});
