import { io } from 'socket.io-client';
import { FRESH_MESSAGE_STATE } from '@chat/contract';
import type { ChatMessage, UserAdminView } from '@chat/contract';
import { RealtimeSessions } from '../../src/realtime/realtime-sessions.js';
import { createRoom, emitRaw, eventLog, flush, ISO_8601, UUID } from '../support/realtime-helpers.js';
import { ChatClient, collect, emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

const presence = ({ user }: Member) => ({ userId: user.id, username: user.username, displayName: user.displayName });
const roomUser = ({ user }: Member, roomId: string) => ({ userId: user.id, username: user.username, displayName: user.displayName, roomId });

// The seed protocol, as a client written from it uses it: bare-string room refs, no acks needed.
describe('Chat protocol between two users', () => {
  let t: TestApp;
  let alice: Member;
  let bob: Member;
  let roomCounter = 0;

  /** A fresh public room per test, so presence and seqs start from nothing. */
  const newRoom = async () => (await createRoom(t, t.adminToken, { id: `proto-${++roomCounter}`, name: `Proto ${roomCounter}`, visibility: 'public' })).id;

  /** Alice and Bob connected and in `roomId`, with the join events consumed. */
  const bothIn = async (roomId: string): Promise<[ChatClient, ChatClient]> => {
    const a = await t.connect(alice.token);
    const b = await t.connect(bob.token);
    await emitWithAck(a, 'join_room', roomId);
    const bobSeen = nextEvent(a, 'user_joined', (p) => p.userId === bob.user.id);
    await emitWithAck(b, 'join_room', roomId);
    await bobSeen;
    return [a, b];
  };

  beforeAll(async () => {
    // Flushes are messages too: the message budget must not be what a test runs into.
    t = await startTestApp({ TYPING_TTL_MS: '600', RATE_LIMIT_MESSAGES_PER_MINUTE: '1000' });
    alice = await t.createUser('staff', 'alice');
    bob = await t.createUser('staff', 'bob');
  });
  afterAll(async () => {
    await t.close();
  });

  it('should serve a client written from the seed, on the default transports (long-polling, then upgrade)', async () => {
    const roomId = await newRoom();
    // As the seed's ChatInterface does it: io(url) with the token in auth, join on connect, no acks.
    const seedClient: ChatClient = io(t.baseUrl, { auth: { token: alice.token }, reconnection: false, forceNew: true });
    const joined = nextEvent(seedClient, 'joined_room');
    seedClient.on('connect', () => emitRaw(seedClient, 'join_room', roomId));
    expect(await joined).toEqual({ roomId, lastSeq: 0, changeSeq: 0, online: [presence(alice)] });

    const b = await t.connect(bob.token);
    const bobJoined = nextEvent(seedClient, 'user_joined');
    await emitWithAck(b, 'join_room', roomId);
    expect(await bobJoined).toEqual(roomUser(bob, roomId));

    const sent = nextEvent(seedClient, 'message_sent');
    const received = nextEvent(b, 'new_message');
    emitRaw(seedClient, 'send_message', { content: 'from the seed client', roomId, useAi: false });
    const message = await sent;
    expect(message).toMatchObject({ userId: alice.user.id, content: 'from the seed client', isAi: false, seq: 1 });
    expect(await received).toEqual(message);

    const typing = nextEvent(seedClient, 'user_typing');
    emitRaw(b, 'typing_start', roomId);
    expect(await typing).toEqual(roomUser(bob, roomId));
    const stopped = nextEvent(seedClient, 'user_stop_typing');
    emitRaw(b, 'typing_stop', roomId);
    expect(await stopped).toEqual(roomUser(bob, roomId));

    const left = nextEvent(b, 'user_left');
    seedClient.disconnect();
    expect(await left).toEqual(roomUser(alice, roomId));
    b.disconnect();
  });

  describe('joining and leaving', () => {
    it('should answer a bare-string join_room with joined_room {roomId, lastSeq, online}', async () => {
      const roomId = await newRoom();
      const a = await t.connect(alice.token);
      const joined = nextEvent(a, 'joined_room');
      emitRaw(a, 'join_room', roomId);
      expect(await joined).toEqual({ roomId, lastSeq: 0, changeSeq: 0, online: [presence(alice)] });
      a.disconnect();
    });

    it('should tell the others user_joined {userId, username, roomId}, and list both as online', async () => {
      const roomId = await newRoom();
      const a = await t.connect(alice.token);
      const b = await t.connect(bob.token);
      await emitWithAck(a, 'join_room', roomId);
      const aliceLog = collect(a, 'user_joined');
      const bobLog = collect(b, 'user_joined');
      const joinedAck = await emitWithAck(b, 'join_room', roomId);
      expect(joinedAck).toEqual({ ok: true, roomId, lastSeq: 0, changeSeq: 0, online: [presence(alice), presence(bob)] });
      await flush(b, roomId, [a, b]);
      expect(aliceLog.items).toEqual([roomUser(bob, roomId)]);
      expect(bobLog.items).toEqual([]);
      a.disconnect();
      b.disconnect();
    });

    it('should accept {roomId} objects as well as bare strings', async () => {
      const roomId = await newRoom();
      const a = await t.connect(alice.token);
      expect(await emitWithAck(a, 'join_room', { roomId })).toEqual({ ok: true, roomId, lastSeq: 0, changeSeq: 0, online: [presence(alice)] });
      expect(await emitWithAck(a, 'leave_room', { roomId })).toEqual({ ok: true, roomId });
      expect(await emitWithAck(a, 'join_room', roomId)).toMatchObject({ ok: true, roomId });
      expect(await emitWithAck(a, 'leave_room', roomId)).toEqual({ ok: true, roomId });
      a.disconnect();
    });

    it('should send user_left to the others on leave_room, left_room to the leaver, and stop delivering to it', async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const userLeft = nextEvent(a, 'user_left');
      const leftRoom = nextEvent(b, 'left_room');
      const bobMessages = collect(b, 'new_message');
      expect(await emitWithAck(b, 'leave_room', roomId)).toEqual({ ok: true, roomId });
      expect(await leftRoom).toEqual({ roomId });
      expect(await userLeft).toEqual(roomUser(bob, roomId));
      await flush(a, roomId, [a]);
      expect(bobMessages.items).toEqual([]);
      a.disconnect();
      b.disconnect();
    });
  });

  describe('messages', () => {
    it('should deliver send_message as message_sent to the sender and new_message to the others, with the seed fields', async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const aliceNew = collect(a, 'new_message');
      const bobSent = collect(b, 'message_sent');
      const sent = nextEvent(a, 'message_sent');
      const received = nextEvent(b, 'new_message');

      const ack = await emitWithAck(a, 'send_message', { content: 'hello bob', roomId, useAi: false, clientMessageId: 'c-1' });

      const expected: ChatMessage = {
        id: expect.stringMatching(UUID),
        roomId,
        seq: 1,
        userId: alice.user.id,
        username: 'alice',
        displayName: 'ALICE',
        content: 'hello bob',
        timestamp: expect.stringMatching(ISO_8601),
        isAi: false,
        clientMessageId: 'c-1',
        status: 'complete',
        ...FRESH_MESSAGE_STATE,
      };
      expect(ack).toEqual({ ok: true, message: expected });
      const message = (ack as unknown as { message: ChatMessage }).message;
      expect(await sent).toEqual(message);
      expect(await received).toEqual(message);
      expect(new Date(message.timestamp).toISOString()).toBe(message.timestamp);
      expect(Math.abs(Date.parse(message.timestamp) - Date.now())).toBeLessThan(60_000);

      await flush(b, roomId, [a, b]);
      // The sender hears of its own message once, as message_sent; the other only as new_message.
      expect(aliceNew.items.map((m) => m.content)).toEqual([expect.stringMatching(/^flush-/)]);
      expect(bobSent.items.map((m) => m.content)).toEqual([expect.stringMatching(/^flush-/)]);
      a.disconnect();
      b.disconnect();
    });

    it('should take a seed-style send_message without an ack and leave out clientMessageId when none is given', async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const sent = nextEvent(a, 'message_sent');
      const received = nextEvent(b, 'new_message');
      emitRaw(a, 'send_message', { content: 'no ack here', roomId, useAi: false });
      const message = await sent;
      expect(message).toMatchObject({ roomId, seq: 1, userId: alice.user.id, username: 'alice', content: 'no ack here', isAi: false });
      expect(message).not.toHaveProperty('clientMessageId');
      expect(await received).toEqual(message);
      a.disconnect();
      b.disconnect();
    });

    it('should number messages of a room 1, 2, 3 whoever sends them', async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const seqs: number[] = [];
      for (const [socket, content] of [[a, 'one'], [b, 'two'], [a, 'three']] as const) {
        const ack = (await emitWithAck(socket, 'send_message', { roomId, content })) as unknown as { message: ChatMessage };
        seqs.push(ack.message.seq);
      }
      expect(seqs).toEqual([1, 2, 3]);
      // A later joiner learns where the room is.
      const late = await t.connect(alice.token);
      expect(await emitWithAck(late, 'join_room', roomId)).toMatchObject({ ok: true, lastSeq: 3 });
      a.disconnect();
      b.disconnect();
      late.disconnect();
    });
  });

  describe('typing indicators', () => {
    it('should send user_typing and user_stop_typing {userId, username, roomId} to the others and not to the typist', async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const aliceTyping = collect(a, 'user_typing');
      const aliceStop = collect(a, 'user_stop_typing');
      const bobTyping = collect(b, 'user_typing');

      const typing = nextEvent(b, 'user_typing');
      emitRaw(a, 'typing_start', roomId);
      expect(await typing).toEqual(roomUser(alice, roomId));
      // A repeated start (a client re-sending while the user keeps typing) is not re-announced.
      emitRaw(a, 'typing_start', { roomId });
      const stopped = nextEvent(b, 'user_stop_typing');
      emitRaw(a, 'typing_stop', roomId);
      expect(await stopped).toEqual(roomUser(alice, roomId));

      await flush(b, roomId, [a, b]);
      expect(bobTyping.items).toEqual([roomUser(alice, roomId)]);
      expect(aliceTyping.items).toEqual([]);
      expect(aliceStop.items).toEqual([]);
      a.disconnect();
      b.disconnect();
    });

    it('should not announce a typing_stop when the user was not typing', async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const bobStop = collect(b, 'user_stop_typing');
      emitRaw(a, 'typing_stop', roomId);
      await flush(a, roomId, [a, b]);
      expect(bobStop.items).toEqual([]);
      a.disconnect();
      b.disconnect();
    });

    it('should expire typing on the server after TYPING_TTL_MS without a typing_stop, and not tell the typist', async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const aliceStop = collect(a, 'user_stop_typing');
      const typing = nextEvent(b, 'user_typing');
      emitRaw(a, 'typing_start', roomId);
      await typing;
      expect(await nextEvent(b, 'user_stop_typing', undefined, 3000)).toEqual(roomUser(alice, roomId));
      await flush(b, roomId, [a, b]);
      expect(aliceStop.items).toEqual([]);
      expect(t.app.get(RealtimeSessions).footprint().typing).toBe(0);
      a.disconnect();
      b.disconnect();
    });

    it("should keep the typist's other tabs out of its typing events (start, stop, send, expiry)", async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const aliceTab2 = await t.connect(alice.token);
      await emitWithAck(aliceTab2, 'join_room', roomId);
      const tab2Log = eventLog(aliceTab2);

      const cycle = async (start: () => void, stop: () => Promise<unknown> | void, timeoutMs = 5000) => {
        const typing = nextEvent(b, 'user_typing');
        start();
        await typing;
        const stopped = nextEvent(b, 'user_stop_typing', undefined, timeoutMs);
        await stop();
        expect(await stopped).toEqual(roomUser(alice, roomId));
      };
      await cycle(
        () => emitRaw(a, 'typing_start', roomId),
        () => emitRaw(a, 'typing_stop', roomId),
      );
      await cycle(
        () => emitRaw(a, 'typing_start', roomId),
        () => emitWithAck(a, 'send_message', { roomId, content: 'sent while typing' }),
      );
      await cycle(
        () => emitRaw(a, 'typing_start', roomId),
        () => undefined,
        3000,
      );
      await flush(b, roomId, [b, aliceTab2]);
      expect(tab2Log.items.filter(([event]) => event === 'user_typing' || event === 'user_stop_typing')).toEqual([]);
      a.disconnect();
      b.disconnect();
      aliceTab2.disconnect();
    });

    it('should stop typing when the typist disconnects: user_stop_typing, then user_left', async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const log = eventLog(b);
      const typing = nextEvent(b, 'user_typing');
      emitRaw(a, 'typing_start', roomId);
      await typing;
      const left = nextEvent(b, 'user_left');
      a.disconnect();
      await left;
      expect(log.items.filter(([event]) => event === 'user_typing' || event === 'user_stop_typing' || event === 'user_left')).toEqual([
        ['user_typing', roomUser(alice, roomId)],
        ['user_stop_typing', roomUser(alice, roomId)],
        ['user_left', roomUser(alice, roomId)],
      ]);
      b.disconnect();
    });

    it('should stop typing when the typist sends a message', async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const typing = nextEvent(b, 'user_typing');
      emitRaw(a, 'typing_start', roomId);
      await typing;
      const stopped = nextEvent(b, 'user_stop_typing');
      await emitWithAck(a, 'send_message', { roomId, content: 'done typing' });
      expect(await stopped).toEqual(roomUser(alice, roomId));
      a.disconnect();
      b.disconnect();
    });

    it('should stop typing when the typist leaves the room', async () => {
      const roomId = await newRoom();
      const [a, b] = await bothIn(roomId);
      const typing = nextEvent(b, 'user_typing');
      emitRaw(a, 'typing_start', roomId);
      await typing;
      const stopped = nextEvent(b, 'user_stop_typing');
      const left = nextEvent(b, 'user_left');
      await emitWithAck(a, 'leave_room', roomId);
      expect(await stopped).toEqual(roomUser(alice, roomId));
      expect(await left).toEqual(roomUser(alice, roomId));
      a.disconnect();
      b.disconnect();
    });
  });
});
