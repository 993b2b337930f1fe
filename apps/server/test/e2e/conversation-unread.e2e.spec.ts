import type { HttpErrorBody, ReadUpdatedPayload, RoomView, UserAdminView } from '@chat/contract';
import { changed, joinedSockets, sent } from '../support/conversation-helpers.js';
import { createRoom, flush, refusal } from '../support/realtime-helpers.js';
import { collect, emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

describe('mentions, read positions and unread counts', () => {
  let t: TestApp;
  let alice: Member;
  let bob: Member;
  let carol: Member;
  let dave: Member;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '1000', RATE_LIMIT_READS_PER_MINUTE: '25' });
    [alice, bob, carol, dave] = [
      await t.createUser('staff', 'alice'),
      await t.createUser('staff', 'bob'),
      await t.createUser('staff', 'Carol'),
      await t.createUser('staff', 'dave'),
    ];
  });
  afterAll(async () => {
    await t.close();
  });

  const listed = async (member: Member, roomId: string) =>
    (await t.http<RoomView[]>('GET', '/api/rooms', { token: member.token })).body.find((room) => room.id === roomId)!;

  it("should count others' messages after the read position (not one's own, not tombstones) and mentions of the reader, in GET /api/rooms", async () => {
    const roomId = (await createRoom(t, alice.token, { name: 'Unread', visibility: 'public' })).id;
    const [a, b] = await joinedSockets(t, roomId, alice.token, bob.token);
    await sent(a, roomId, 'one');
    const doomed = await sent(a, roomId, 'two');
    await sent(b, roomId, 'my own');
    const mention = await sent(a, roomId, 'hey @bob, and @nobody-here');
    await changed(a, 'delete_message', { messageId: doomed.id });
    expect(mention.mentions).toEqual([bob.user.id]);

    expect(await listed(bob, roomId)).toMatchObject({ lastSeq: 4, lastReadSeq: 0, unreadCount: 2, mentionCount: 1 });
    expect(await listed(alice, roomId)).toMatchObject({ lastReadSeq: 0, unreadCount: 1, mentionCount: 0 });
    // A room the caller does not belong to shows no read state.
    expect(await listed(carol, roomId)).toMatchObject({ myRole: null, lastReadSeq: 0, unreadCount: 0, mentionCount: 0 });
    expect((await t.http<RoomView>('GET', `/api/rooms/${roomId}`, { token: bob.token })).body).toMatchObject({ unreadCount: 2, mentionCount: 1 });
    a.disconnect();
    b.disconnect();
  });

  it("should move the read position forward only, answer the new counts, and tell the reader's other sockets with read_updated", async () => {
    const roomId = (await createRoom(t, alice.token, { name: 'Reading', visibility: 'public' })).id;
    const [a, b1, b2] = await joinedSockets(t, roomId, alice.token, bob.token, bob.token);
    for (const content of ['m1', 'm2 @bob', 'm3', 'm4 @BOB']) await sent(a, roomId, content);
    const onFirst = collect(b1, 'read_updated');
    const onSecond = nextEvent(b2, 'read_updated');

    const ack = await emitWithAck(b1, 'mark_read', { roomId, seq: 2 });
    const expected: ReadUpdatedPayload = { roomId, lastReadSeq: 2, unreadCount: 2, mentionCount: 1 };
    expect(ack).toEqual({ ok: true, ...expected });
    expect(await onSecond).toEqual(expected);

    // Backwards is no move: the position and the counts stay, and nobody is told.
    const afterSecond = collect(b2, 'read_updated');
    expect(await emitWithAck(b1, 'mark_read', { roomId, seq: 1 })).toEqual({ ok: true, ...expected });
    const rest = await t.http<ReadUpdatedPayload>('PUT', `/api/rooms/${roomId}/read`, { token: bob.token, body: { seq: 1_000_000 } });
    // Held to the newest message.
    expect(rest).toEqual({ status: 200, body: { roomId, lastReadSeq: 4, unreadCount: 0, mentionCount: 0 } });
    await flush(a, roomId, [a, b1, b2]);
    expect(onFirst.items).toEqual([{ roomId, lastReadSeq: 4, unreadCount: 0, mentionCount: 0 }]);
    expect(afterSecond.items).toEqual([{ roomId, lastReadSeq: 4, unreadCount: 0, mentionCount: 0 }]);
    // The flush marker came after the position.
    expect(await listed(bob, roomId)).toMatchObject({ lastReadSeq: 4, unreadCount: 1 });
    for (const s of [a, b1, b2]) s.disconnect();
  });

  it("should send mentioned to a mentioned member's sockets even when they have not joined the room's stream, and to nobody else", async () => {
    const roomId = (await createRoom(t, alice.token, { name: 'Mentions', visibility: 'public' })).id;
    const [a] = await joinedSockets(t, roomId, alice.token);
    // Carol is a member (she entered once) but her socket now is elsewhere.
    const visit = await t.connect(carol.token);
    await emitWithAck(visit, 'join_room', roomId);
    visit.disconnect();
    const c = await t.connect(carol.token);
    const d = await t.connect(dave.token);
    const toDave = collect(d, 'mentioned');
    const toAlice = collect(a, 'mentioned');
    const toCarol = nextEvent(c, 'mentioned');

    const message = await sent(a, roomId, 'ping @carol and @dave and @alice');
    expect(message.mentions.sort()).toEqual([alice.user.id, carol.user.id].sort());
    expect(await toCarol).toEqual({ message });
    await flush(a, roomId, [a]);
    // Dave is no member of the room; Alice wrote it herself.
    expect(toDave.items).toEqual([]);
    expect(toAlice.items).toEqual([]);

    const edited = await changed(a, 'edit_message', { messageId: message.id, content: 'only @dave now' });
    expect(edited.message.mentions).toEqual([]);
    // An edit that names her anew tells her again; one that keeps her mention would not.
    const again = nextEvent(c, 'mentioned');
    const renamed = await changed(a, 'edit_message', { messageId: message.id, content: 'sorry @carol' });
    expect(await again).toEqual({ message: renamed.message });
    await changed(a, 'edit_message', { messageId: message.id, content: 'only @dave now' });
    // The mention and the flush marker are unread; the edit took the mention away.
    expect(await listed(carol, roomId)).toMatchObject({ unreadCount: 2, mentionCount: 0 });
    for (const s of [a, c, d]) s.disconnect();
  });

  it('should refuse bad mark_read payloads, unknown and private rooms, and limit the rate', async () => {
    const hidden = await createRoom(t, alice.token, { name: 'Hidden', visibility: 'private' });
    const b = await t.connect(bob.token);
    expect((await refusal(b, 'mark_read', { roomId: 'general', seq: -1 })).error).toMatchObject({ code: 'VALIDATION_FAILED', event: 'mark_read' });
    expect((await refusal(b, 'mark_read', { roomId: 'general', seq: 'x' })).error.code).toBe('VALIDATION_FAILED');
    expect((await refusal(b, 'mark_read', { seq: 1 })).error.code).toBe('VALIDATION_FAILED');
    expect((await refusal(b, 'mark_read', 'general')).error.code).toBe('VALIDATION_FAILED');
    expect((await refusal(b, 'mark_read', { roomId: 'no-such-room', seq: 1 })).error.code).toBe('ROOM_NOT_FOUND');
    expect((await refusal(b, 'mark_read', { roomId: hidden.id, seq: 1 })).error.code).toBe('FORBIDDEN');
    const badBody = await t.http<HttpErrorBody>('PUT', '/api/rooms/general/read', { token: bob.token, body: { seq: 1.5 } });
    expect(badBody.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect((await t.http<HttpErrorBody>('PUT', `/api/rooms/${hidden.id}/read`, { token: bob.token, body: { seq: 1 } })).status).toBe(403);

    const spammer = await t.createUser();
    const s = await t.connect(spammer.token);
    for (let i = 0; i < 25; i++) expect((await emitWithAck(s, 'mark_read', { roomId: 'general', seq: i })).ok).toBe(true);
    expect((await refusal(s, 'mark_read', { roomId: 'general', seq: 0 })).error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(b.connected && s.connected).toBe(true);
    b.disconnect();
    s.disconnect();
  });
});
