import { FRESH_MESSAGE_STATE } from '@chat/contract';
import type { ChatMessage, UserAdminView } from '@chat/contract';
import { createRoom, flush, ISO_8601, UUID } from '../support/realtime-helpers.js';
import { collect, emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

describe('REST posts delivered live', () => {
  let t: TestApp;
  let alice: Member;
  let bob: Member;
  let roomId: string;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '1000' });
    alice = await t.createUser();
    bob = await t.createUser();
    roomId = (await createRoom(t, t.adminToken, { id: 'rest-live', name: 'REST live', visibility: 'public' })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('should deliver POST /api/rooms/:roomId/messages to every socket in the room as new_message with the same id and seq', async () => {
    const a = await t.connect(alice.token);
    const b = await t.connect(bob.token);
    await emitWithAck(a, 'join_room', roomId);
    await emitWithAck(b, 'join_room', roomId);
    const aliceSent = collect(a, 'message_sent');
    const toAlice = nextEvent(a, 'new_message');
    const toBob = nextEvent(b, 'new_message');

    const { status, body } = await t.http<ChatMessage>('POST', `/api/rooms/${roomId}/messages`, {
      token: alice.token,
      body: { content: 'posted over REST', clientMessageId: 'rest-live-1' },
    });
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.stringMatching(UUID),
      roomId,
      seq: 1,
      userId: alice.user.id,
      username: alice.user.username,
      displayName: alice.user.displayName,
      content: 'posted over REST',
      timestamp: expect.stringMatching(ISO_8601),
      isAi: false,
      clientMessageId: 'rest-live-1',
      status: 'complete',
      ...FRESH_MESSAGE_STATE,
    });
    // No socket sent it, so every socket, the poster's own included, gets new_message.
    expect(await toBob).toEqual(body);
    expect(await toAlice).toEqual(body);
    await flush(b, roomId, [a, b]);
    expect(aliceSent.items).toEqual([]);
    a.disconnect();
    b.disconnect();
  });

  it('should interleave REST and socket messages in one seq order for every receiver', async () => {
    const a = await t.connect(alice.token);
    const b = await t.connect(bob.token);
    await emitWithAck(a, 'join_room', roomId);
    await emitWithAck(b, 'join_room', roomId);
    const received = collect(b, 'new_message');
    const seqs: number[] = [];
    for (let n = 0; n < 6; n++) {
      if (n % 2 === 0) {
        seqs.push((await t.http<ChatMessage>('POST', `/api/rooms/${roomId}/messages`, { token: alice.token, body: { content: `rest ${n}` } })).body.seq);
      } else {
        seqs.push(((await emitWithAck(a, 'send_message', { roomId, content: `socket ${n}` })) as unknown as { message: ChatMessage }).message.seq);
      }
    }
    const last = await flush(a, roomId, [a, b]);
    expect(received.items.map((m) => m.seq)).toEqual([...seqs, last.seq]);
    expect(received.items.map((m) => m.content).slice(0, 6)).toEqual(['rest 0', 'socket 1', 'rest 2', 'socket 3', 'rest 4', 'socket 5']);
    a.disconnect();
    b.disconnect();
  });

  it('should not deliver a REST post to sockets outside the room', async () => {
    const elsewhere = (await createRoom(t, t.adminToken, { id: 'rest-elsewhere', name: 'Elsewhere', visibility: 'public' })).id;
    const a = await t.connect(alice.token);
    const b = await t.connect(bob.token);
    await emitWithAck(a, 'join_room', roomId);
    await emitWithAck(b, 'join_room', elsewhere);
    const bobReceived = collect(b, 'new_message');
    const toAlice = nextEvent(a, 'new_message');
    const posted = await t.http<ChatMessage>('POST', `/api/rooms/${roomId}/messages`, { token: alice.token, body: { content: 'only here' } });
    expect((await toAlice).id).toBe(posted.body.id);
    await flush(b, elsewhere, [b]);
    expect(bobReceived.items).toEqual([]);
    a.disconnect();
    b.disconnect();
  });
});
