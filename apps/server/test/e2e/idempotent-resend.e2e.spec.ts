import type { ChatMessage, UserAdminView } from '@chat/contract';
import { createRoom, flush, storedMessages } from '../support/realtime-helpers.js';
import { ChatClient, collect, emitWithAck, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };
type SendAck = { ok: true; message: ChatMessage };

describe('Idempotent resend with clientMessageId', () => {
  let t: TestApp;
  let alice: Member;
  let bob: Member;
  let roomCounter = 0;

  /** A fresh room with Alice and Bob in it; Bob's new_message events are collected. */
  const setUp = async () => {
    const roomId = (await createRoom(t, t.adminToken, { id: `resend-${++roomCounter}`, name: `Resend ${roomCounter}`, visibility: 'public' })).id;
    const a = await t.connect(alice.token);
    const b = await t.connect(bob.token);
    await emitWithAck(a, 'join_room', roomId);
    await emitWithAck(b, 'join_room', roomId);
    return { roomId, a, b, bobReceived: collect(b, 'new_message') };
  };
  const send = async (socket: ChatClient, roomId: string, content: string, clientMessageId?: string) => {
    const ack = await emitWithAck(socket, 'send_message', { roomId, content, ...(clientMessageId ? { clientMessageId } : {}) });
    expect(ack).toEqual({ ok: true, message: expect.any(Object) });
    return (ack as unknown as SendAck).message;
  };
  const post = (token: string, roomId: string, body: { content: string; clientMessageId?: string }) =>
    t.http<ChatMessage>('POST', `/api/rooms/${roomId}/messages`, { token, body });

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '1000' });
    alice = await t.createUser();
    bob = await t.createUser();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer a socket resend with the original message and deliver it to the room once', async () => {
    const { roomId, a, b, bobReceived } = await setUp();
    const aliceSent = collect(a, 'message_sent');
    const original = await send(a, roomId, 'only once', 'retry-1');
    const resent = await send(a, roomId, 'only once', 'retry-1');
    expect(resent).toEqual(original);
    // A resend with different text is still the same message: the id decides.
    expect(await send(a, roomId, 'edited text', 'retry-1')).toEqual(original);

    await flush(a, roomId, [a, b]);
    expect(bobReceived.items.filter((m) => m.clientMessageId === 'retry-1')).toEqual([original]);
    // The sender hears message_sent for each attempt, all the same message.
    expect(aliceSent.items.filter((m) => m.clientMessageId === 'retry-1')).toEqual([original, original, original]);
    const stored = await storedMessages(t, roomId);
    expect(stored.filter((m) => m.clientMessageId === 'retry-1')).toEqual([original]);
    expect(stored.map((m) => m.seq)).toEqual([1, 2]);
    a.disconnect();
    b.disconnect();
  });

  it('should answer a REST resend with the original message, delivered live once', async () => {
    const { roomId, a, b, bobReceived } = await setUp();
    const first = await post(alice.token, roomId, { content: 'via rest', clientMessageId: 'rest-1' });
    const second = await post(alice.token, roomId, { content: 'via rest', clientMessageId: 'rest-1' });
    expect(first.status).toBe(201);
    expect([200, 201]).toContain(second.status);
    expect(second.body).toEqual(first.body);
    expect(first.body).toMatchObject({ seq: 1, clientMessageId: 'rest-1', userId: alice.user.id });

    await flush(a, roomId, [a, b]);
    expect(bobReceived.items.filter((m) => m.clientMessageId === 'rest-1')).toEqual([first.body]);
    expect((await storedMessages(t, roomId)).filter((m) => m.clientMessageId === 'rest-1')).toEqual([first.body]);
    a.disconnect();
    b.disconnect();
  });

  it('should treat the same clientMessageId across socket and REST as one message', async () => {
    const { roomId, a, b, bobReceived } = await setUp();
    const viaSocket = await send(a, roomId, 'cross transport', 'cross-1');
    const viaRest = await post(alice.token, roomId, { content: 'cross transport', clientMessageId: 'cross-1' });
    expect(viaRest.body).toEqual(viaSocket);
    await flush(a, roomId, [a, b]);
    expect(bobReceived.items.filter((m) => m.clientMessageId === 'cross-1')).toHaveLength(1);
    expect(await storedMessages(t, roomId)).toHaveLength(2);
    a.disconnect();
    b.disconnect();
  });

  it('should store one message when the same clientMessageId is sent several times at once', async () => {
    const { roomId, a, b, bobReceived } = await setUp();
    const second = await t.connect(alice.token);
    const acks = await Promise.all([
      ...[1, 2, 3].map(() => emitWithAck(a, 'send_message', { roomId, content: 'burst resend', clientMessageId: 'same-1' })),
      ...[1, 2].map(() => emitWithAck(second, 'send_message', { roomId, content: 'burst resend', clientMessageId: 'same-1' })),
      post(alice.token, roomId, { content: 'burst resend', clientMessageId: 'same-1' }).then(({ body }) => ({ ok: true, message: body })),
    ]);
    const messages = acks.map((ack) => (ack as unknown as SendAck).message);
    expect(new Set(messages.map((m) => m.id)).size).toBe(1);
    expect(messages.every((m) => m.seq === 1)).toBe(true);
    await flush(a, roomId, [a, b]);
    expect(bobReceived.items.filter((m) => m.clientMessageId === 'same-1')).toHaveLength(1);
    expect((await storedMessages(t, roomId)).map((m) => m.seq)).toEqual([1, 2]);
    second.disconnect();
    a.disconnect();
    b.disconnect();
  });

  it('should keep the same clientMessageId from two users as two messages', async () => {
    const { roomId, a, b, bobReceived } = await setUp();
    const fromAlice = await send(a, roomId, 'mine', 'shared-id');
    const fromBob = await send(b, roomId, 'mine too', 'shared-id');
    expect(fromBob.id).not.toBe(fromAlice.id);
    expect([fromAlice.seq, fromBob.seq]).toEqual([1, 2]);
    await flush(a, roomId, [a, b]);
    expect(bobReceived.items.map((m) => m.id)).toEqual([fromAlice.id, expect.any(String)]);
    expect((await storedMessages(t, roomId)).map((m) => [m.userId, m.clientMessageId])).toEqual([
      [alice.user.id, 'shared-id'],
      [bob.user.id, 'shared-id'],
      [alice.user.id, undefined],
    ]);
    a.disconnect();
    b.disconnect();
  });

  it('should keep a clientMessageId per user, not per room: a resend into another room returns the original', async () => {
    const { roomId, a, b } = await setUp();
    const other = (await createRoom(t, t.adminToken, { id: `resend-other-${roomCounter}`, name: 'Other', visibility: 'public' })).id;
    const original = await send(a, roomId, 'first room', 'per-user-1');
    const again = await send(a, other, 'second room', 'per-user-1');
    expect(again).toEqual(original);
    expect(await storedMessages(t, other)).toEqual([]);
    a.disconnect();
    b.disconnect();
  });
});
