import type { ChatMessage, JoinedRoomPayload, UserAdminView } from '@chat/contract';
import { changed, sent } from '../support/conversation-helpers.js';
import { createRoom, eventLog, storedMessages } from '../support/realtime-helpers.js';
import { ChatClient, emitWithAck, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

/** What a console holds of a room: every message by id, each update kept only when it is newer than the copy held. */
function mirror(socket: ChatClient, initial: ChatMessage[] = []): Map<string, ChatMessage> {
  const held = new Map(initial.map((m) => [m.id, m]));
  const take = (message: ChatMessage) => {
    const current = held.get(message.id);
    if (!current || current.changeSeq < message.changeSeq) held.set(message.id, message);
  };
  socket.on('new_message', take);
  socket.on('message_sent', take);
  socket.on('message_updated', ({ message }) => take(message));
  return held;
}

const bySeq = (held: Map<string, ChatMessage>) => [...held.values()].sort((x, y) => x.seq - y.seq);

describe('join_room replays changes after lastChangeSeq', () => {
  let t: TestApp;
  let alice: Member;
  let bob: Member;
  let carol: Member;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '1000', RATE_LIMIT_CHANGES_PER_MINUTE: '1000', JOIN_CATCH_UP_MAX: '6' });
    [alice, bob, carol] = [await t.createUser(), await t.createUser(), await t.createUser()];
  });
  afterAll(async () => {
    await t.close();
  });

  async function joined(socket: ChatClient, payload: Record<string, unknown>): Promise<JoinedRoomPayload> {
    const ack = await emitWithAck(socket, 'join_room', payload);
    if (!ack.ok) throw new Error(`join failed: ${JSON.stringify(ack)}`);
    const { ok: _ok, ...rest } = ack;
    return rest as unknown as JoinedRoomPayload;
  }

  it('should bring a client that was offline through edits, deletes and reactions to exactly what a fresh load shows', async () => {
    const roomId = (await createRoom(t, alice.token, { name: 'Replay', visibility: 'public' })).id;
    const a = await t.connect(alice.token);
    const c = await t.connect(carol.token);
    await joined(a, { roomId });
    await joined(c, { roomId });
    const early = [];
    for (let i = 1; i <= 6; i++) early.push(await sent(a, roomId, `m${i}`));
    await changed(c, 'add_reaction', { messageId: early[5].id, emoji: '🎉' });

    // Bob loads the room the way the console does, and goes offline.
    const bobFirst = await t.connect(bob.token);
    const first = await joined(bobFirst, { roomId });
    const history = await storedMessages(t, roomId, bob.token);
    bobFirst.disconnect();

    await changed(a, 'edit_message', { messageId: early[1].id, content: 'm2, edited once' });
    await changed(a, 'delete_message', { messageId: early[2].id });
    await changed(c, 'add_reaction', { messageId: early[3].id, emoji: '👍' });
    await changed(a, 'add_reaction', { messageId: early[3].id, emoji: '👍' });
    await changed(c, 'add_reaction', { messageId: early[4].id, emoji: '😀' });
    await changed(c, 'remove_reaction', { messageId: early[4].id, emoji: '😀' });
    await changed(c, 'remove_reaction', { messageId: early[5].id, emoji: '🎉' });
    await changed(a, 'edit_message', { messageId: early[1].id, content: 'm2, edited twice' });
    const later = [await sent(a, roomId, 'm7'), await sent(a, roomId, 'm8')];
    await changed(a, 'edit_message', { messageId: later[0].id, content: 'm7, edited' });
    await changed(c, 'add_reaction', { messageId: later[1].id, emoji: '👀' });

    const b = await t.connect(bob.token);
    const held = mirror(b, history);
    const log = eventLog(b);
    const rejoined = await joined(b, { roomId, lastSeq: first.lastSeq, lastChangeSeq: first.changeSeq });

    const fresh = await storedMessages(t, roomId, bob.token);
    expect(bySeq(held)).toEqual(fresh);
    expect(rejoined.changeSeq).toBe(Math.max(...fresh.map((m) => m.changeSeq)));
    expect(rejoined.changesHasMore).toBeUndefined();
    // The missed messages first, then one update per changed message it held (each as it is now), then joined_room.
    const events = log.items.map(([event, payload]) => [event, (payload as { message?: ChatMessage; content?: string }).message?.content ?? (payload as ChatMessage).content]);
    expect(events).toEqual([
      ['new_message', 'm7, edited'],
      ['new_message', 'm8'],
      ['message_updated', ''],
      ['message_updated', 'm4'],
      ['message_updated', 'm5'],
      ['message_updated', 'm6'],
      ['message_updated', 'm2, edited twice'],
      ['joined_room', undefined],
    ]);
    a.disconnect();
    b.disconnect();
    c.disconnect();
  });

  it('should replay nothing to a client that saw every change, and keep the seed behaviour without lastChangeSeq', async () => {
    const roomId = (await createRoom(t, alice.token, { name: 'Quiet', visibility: 'public' })).id;
    const a = await t.connect(alice.token);
    await joined(a, { roomId });
    const message = await sent(a, roomId, 'hello');
    const update = await changed(a, 'edit_message', { messageId: message.id, content: 'hello!' });
    const b = await t.connect(bob.token);
    const log = eventLog(b);
    expect(await joined(b, { roomId, lastSeq: 1, lastChangeSeq: update.changeSeq })).toMatchObject({ lastSeq: 1, changeSeq: update.changeSeq });
    expect(await joined(b, { roomId, lastSeq: 1 })).toMatchObject({ changeSeq: update.changeSeq });
    expect(log.items.map(([event]) => event)).toEqual(['joined_room', 'joined_room']);
    a.disconnect();
    b.disconnect();
  });

  it('should stop at JOIN_CATCH_UP_MAX changed messages and say where, so a rejoin from there finishes the replay', async () => {
    const roomId = (await createRoom(t, alice.token, { name: 'Busy', visibility: 'public' })).id;
    const a = await t.connect(alice.token);
    await joined(a, { roomId });
    const messages = [];
    for (let i = 1; i <= 9; i++) messages.push(await sent(a, roomId, `n${i}`));
    const history = await storedMessages(t, roomId, bob.token);
    const start = await joined(a, { roomId });
    for (const message of messages) await changed(a, 'edit_message', { messageId: message.id, content: `${message.content} edited` });

    const b = await t.connect(bob.token);
    const held = mirror(b, history);
    const partial = await joined(b, { roomId, lastSeq: start.lastSeq, lastChangeSeq: start.changeSeq });
    expect(partial).toMatchObject({ changesHasMore: true, changeSeq: start.changeSeq + 6 });
    expect(bySeq(held).filter((m) => m.editedAt).length).toBe(6);
    const rest = await joined(b, { roomId, lastSeq: partial.lastSeq, lastChangeSeq: partial.changeSeq });
    expect(rest.changesHasMore).toBeUndefined();
    expect(rest.changeSeq).toBe(start.changeSeq + 9);
    expect(bySeq(held)).toEqual(await storedMessages(t, roomId, bob.token));
    a.disconnect();
    b.disconnect();
  });

  it('should refuse a malformed lastChangeSeq', async () => {
    const b = await t.connect(bob.token);
    const ack = await emitWithAck(b, 'join_room', { roomId: 'general', lastSeq: 0, lastChangeSeq: -1 });
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await emitWithAck(b, 'join_room', { roomId: 'general', lastSeq: 0, lastChangeSeq: 'x' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    b.disconnect();
  });
});
