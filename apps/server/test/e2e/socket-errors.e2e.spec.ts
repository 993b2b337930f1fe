import { io } from 'socket.io-client';
import type { ChatMessage, ClientToServerEvents, ErrorPayload, UserAdminView } from '@chat/contract';
import { createRoom, disconnectedFrom, emitRaw, refusal, storedMessages } from '../support/realtime-helpers.js';
import { ChatClient, collect, emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

const MAX_LENGTH = 50;
const MAX_FRAME = 2048;

/** Proof the socket survived an error: still connected, and the next event succeeds. */
async function stillServed(socket: ChatClient, roomId: string): Promise<void> {
  expect(socket.connected).toBe(true);
  const ack = await emitWithAck(socket, 'send_message', { roomId, content: 'after the error' });
  expect(ack).toMatchObject({ ok: true, message: { content: 'after the error' } });
}

describe('Socket errors', () => {
  let t: TestApp;
  let member: Member;
  let socket: ChatClient;
  const roomId = 'general';

  beforeAll(async () => {
    // Rate limits have their own spec; here the budget must not run out across the many sends.
    t = await startTestApp({ MESSAGE_MAX_LENGTH: String(MAX_LENGTH), SOCKET_MAX_FRAME_BYTES: String(MAX_FRAME), RATE_LIMIT_MESSAGES_PER_MINUTE: '10000' });
    member = await t.createUser();
    // One socket through every error: each test also proves the earlier ones left it working.
    socket = await t.connect(member.token);
    await emitWithAck(socket, 'join_room', roomId);
  });
  afterAll(async () => {
    await t.close();
  });

  const expectRefused = async (event: keyof ClientToServerEvents, payload: unknown, expected: Omit<ErrorPayload, 'event'>) => {
    const { error, ack } = await refusal(socket, event, payload);
    expect(error).toEqual({ ...expected, event });
    expect(ack).toEqual({ ok: false, error });
    return error;
  };
  /** VALIDATION_FAILED naming at least these rejected fields; its message is the first detail. */
  const validation = (...details: string[]) => ({ code: 'VALIDATION_FAILED' as const, message: expect.any(String), details: expect.arrayContaining(details) });
  const expectInvalid = async (event: keyof ClientToServerEvents, payload: unknown, ...details: string[]) => {
    const error = await expectRefused(event, payload, validation(...details));
    expect(error.message).toBe(error.details?.[0]);
    return error;
  };

  describe('VALIDATION_FAILED', () => {
    it.each<[string, unknown, string[]]>([
      ['a bare string', 'oops', ['payload must be an object']],
      ['a number', 42, ['payload must be an object']],
      ['null', null, ['payload must be an object']],
      ['an array', [{ roomId, content: 'hi' }], ['payload must be an object']],
      ['content of the wrong type', { roomId, content: 123 }, ['content must be a string']],
      ['no content', { roomId }, ['content must be a string']],
      ['no roomId', { content: 'hi' }, ['roomId must be a string']],
      ['an invalid roomId', { roomId: 'Not A Room!', content: 'hi' }, ['roomId must be a valid room id']],
      ['a non-boolean useAi', { roomId, content: 'hi', useAi: 'yes' }, ['useAi must be a boolean value']],
      ['an invalid clientMessageId', { roomId, content: 'hi', clientMessageId: 'has spaces' }, ['clientMessageId must be 1-64 letters, digits or _.:-']],
      ['empty content', { roomId, content: '' }, ['content must not be empty']],
      ['whitespace-only content', { roomId, content: ' \n\t ' }, ['content must not be empty']],
    ])('should refuse send_message with %s and keep the socket', async (_name, payload, details) => {
      await expectInvalid('send_message', payload, ...details);
      await stillServed(socket, roomId);
    });

    it('should refuse content with a NUL character, and not fail the messages of others stored alongside it', async () => {
      const other = await t.connect((await t.createUser()).token);
      await emitWithAck(other, 'join_room', roomId);
      const before = (await storedMessages(t, roomId)).length;
      const othersSends = (tag: string) => Array.from({ length: 5 }, (_, n) => emitWithAck(other, 'send_message', { roomId, content: `${tag} ${n}` }));
      // Sent together, so the server would store them in one batch.
      const [first, bad, second] = await Promise.all([
        Promise.all(othersSends('before')),
        refusal(socket, 'send_message', { roomId, content: 'nul \u0000 inside' }),
        Promise.all(othersSends('after')),
      ]);
      expect(bad.error).toEqual({ ...validation('content must not contain NUL characters'), event: 'send_message' });
      expect([...first, ...second].map((ack) => ack.ok)).toEqual(Array.from({ length: 10 }, () => true));
      expect((await storedMessages(t, roomId)).length).toBe(before + 10);
      other.disconnect();
      await stillServed(socket, roomId);
    });

    it.each<[string, unknown, string]>([
      ['a number', 42, 'payload must be an object'],
      ['null', null, 'roomId is required'],
      ['an empty string', '', 'roomId must be a valid room id'],
      ['an invalid room id', 'UPPER CASE', 'roomId must be a valid room id'],
      ['a fractional lastSeq', { roomId, lastSeq: 1.5 }, 'lastSeq must be a whole number'],
      ['a non-numeric lastSeq', { roomId, lastSeq: 'abc' }, 'lastSeq must be a whole number'],
      ['a negative lastSeq', { roomId, lastSeq: -1 }, 'lastSeq must not be less than 0'],
    ])('should refuse join_room with %s and keep the socket', async (_name, payload, detail) => {
      await expectInvalid('join_room', payload, detail);
      await stillServed(socket, roomId);
    });

    it('should refuse leave_room and typing events without a valid room reference', async () => {
      await expectInvalid('leave_room', { room: 'general' }, 'roomId must be a string', 'roomId must be a valid room id');
      await expectInvalid('leave_room', undefined, 'roomId is required');
      const typingError = nextEvent(socket, 'error');
      emitRaw(socket, 'typing_start', 123);
      expect(await typingError).toEqual({ code: 'VALIDATION_FAILED', message: 'payload must be an object', details: ['payload must be an object'], event: 'typing_start' });
      await stillServed(socket, roomId);
    });
  });

  describe('PAYLOAD_TOO_LARGE', () => {
    it('should refuse content over MESSAGE_MAX_LENGTH, not store it, and keep the socket', async () => {
      const before = (await storedMessages(t, roomId)).length;
      await expectRefused('send_message', { roomId, content: 'x'.repeat(MAX_LENGTH + 1) }, {
        code: 'PAYLOAD_TOO_LARGE',
        message: `content must be at most ${MAX_LENGTH} characters`,
      });
      expect((await storedMessages(t, roomId)).length).toBe(before);
      await stillServed(socket, roomId);
    });

    it('should count characters, not UTF-16 units: MESSAGE_MAX_LENGTH emoji pass, one more does not', async () => {
      const ok = await emitWithAck(socket, 'send_message', { roomId, content: '😀'.repeat(MAX_LENGTH) });
      expect(ok).toMatchObject({ ok: true, message: { content: '😀'.repeat(MAX_LENGTH) } });
      await expectRefused('send_message', { roomId, content: '😀'.repeat(MAX_LENGTH + 1) }, {
        code: 'PAYLOAD_TOO_LARGE',
        message: `content must be at most ${MAX_LENGTH} characters`,
      });
    });

    it('should refuse a REST post over MESSAGE_MAX_LENGTH with the same code', async () => {
      const { status, body } = await t.http('POST', `/api/rooms/${roomId}/messages`, { token: member.token, body: { content: 'y'.repeat(MAX_LENGTH + 1) } });
      expect(status).toBe(413);
      expect(body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    });
  });

  describe('ROOM_NOT_FOUND', () => {
    const notFound = { code: 'ROOM_NOT_FOUND' as const, message: 'Room "no-such-room" does not exist' };

    it('should refuse join_room, send_message and leave_room for an unknown room', async () => {
      await expectRefused('join_room', 'no-such-room', notFound);
      await expectRefused('join_room', { roomId: 'no-such-room', lastSeq: 0 }, notFound);
      await expectRefused('send_message', { roomId: 'no-such-room', content: 'hello?' }, notFound);
      await expectRefused('leave_room', 'no-such-room', notFound);
      await stillServed(socket, roomId);
    });

    it('should refuse typing in an unknown room', async () => {
      for (const event of ['typing_start', 'typing_stop']) {
        const error = nextEvent(socket, 'error');
        emitRaw(socket, event, 'no-such-room');
        expect(await error).toEqual({ ...notFound, event });
      }
      await stillServed(socket, roomId);
    });
  });

  describe('FORBIDDEN', () => {
    let owner: Member;
    let ownerSocket: ChatClient;
    let privateRoom: string;

    beforeEach(async () => {
      owner = await t.createUser();
      privateRoom = (await createRoom(t, owner.token, { name: 'Secret', visibility: 'private' })).id;
      ownerSocket = await t.connect(owner.token);
      await emitWithAck(ownerSocket, 'join_room', privateRoom);
    });
    afterEach(() => {
      ownerSocket.disconnect();
    });

    it('should refuse join, send and typing in a private room the user is not in, and leak nothing into it', async () => {
      const forbidden = { code: 'FORBIDDEN' as const, message: `Room "${privateRoom}" is private` };
      const ownerView = collect(ownerSocket, 'new_message');
      const ownerJoins = collect(ownerSocket, 'user_joined');
      const ownerTyping = collect(ownerSocket, 'user_typing');
      await expectRefused('join_room', privateRoom, forbidden);
      await expectRefused('join_room', { roomId: privateRoom, lastSeq: 0 }, forbidden);
      await expectRefused('send_message', { roomId: privateRoom, content: 'let me in' }, forbidden);
      const typingError = nextEvent(socket, 'error');
      emitRaw(socket, 'typing_start', privateRoom);
      expect(await typingError).toEqual({ ...forbidden, event: 'typing_start' });
      await stillServed(socket, roomId);

      // The owner's flush: nothing from the outsider reached the room before it.
      const flushed = nextEvent(ownerSocket, 'message_sent');
      await emitWithAck(ownerSocket, 'send_message', { roomId: privateRoom, content: 'owner only' });
      await flushed;
      expect(ownerView.items).toEqual([]);
      expect(ownerJoins.items).toEqual([]);
      expect(ownerTyping.items).toEqual([]);
      expect((await storedMessages(t, privateRoom)).map((m) => m.content)).toEqual(['owner only']);
    });

    it('should let the user in once the owner adds them', async () => {
      const added = await t.http('PUT', `/api/rooms/${privateRoom}/members/${member.user.id}`, { token: owner.token, body: {} });
      expect(added.status).toBe(200);
      expect(await emitWithAck(socket, 'join_room', privateRoom)).toMatchObject({ ok: true, roomId: privateRoom });
      const received = nextEvent(ownerSocket, 'new_message');
      await emitWithAck(socket, 'send_message', { roomId: privateRoom, content: 'thanks' });
      expect((await received).content).toBe('thanks');
    });

    it('should refuse typing in a public room the socket has not joined', async () => {
      const other = (await createRoom(t, t.adminToken, { name: 'Elsewhere', visibility: 'public' })).id;
      const error = nextEvent(socket, 'error');
      emitRaw(socket, 'typing_start', other);
      expect(await error).toEqual({ code: 'FORBIDDEN', message: `Join room "${other}" first`, event: 'typing_start' });
      await stillServed(socket, roomId);
    });
  });

  describe('frames over SOCKET_MAX_FRAME_BYTES', () => {
    it('should drop only the offending connection, store nothing, and keep serving others and new connections', async () => {
      const offender = await t.connect(member.token);
      const bystander = await t.connect((await t.createUser()).token);
      await emitWithAck(bystander, 'join_room', roomId);
      const seen = collect(bystander, 'new_message');
      const before = (await storedMessages(t, roomId)).length;

      const gone = disconnectedFrom(offender);
      emitRaw(offender, 'send_message', { roomId, content: 'z'.repeat(MAX_FRAME * 4) });
      expect(await gone).toBe('transport close');

      expect(bystander.connected).toBe(true);
      expect(socket.connected).toBe(true);
      const fresh = await t.connect(member.token);
      expect(await emitWithAck(fresh, 'join_room', roomId)).toMatchObject({ ok: true });
      const arrived = nextEvent(bystander, 'new_message');
      expect(await emitWithAck(fresh, 'send_message', { roomId, content: 'after the big frame' })).toMatchObject({ ok: true });
      expect((await arrived).content).toBe('after the big frame');
      expect(seen.items.map((m: ChatMessage) => m.content)).toEqual(['after the big frame']);
      expect((await storedMessages(t, roomId)).length).toBe(before + 1);
      const health = await t.http<{ status: string }>('GET', '/health/live');
      expect(health.status).toBe(200);
      fresh.disconnect();
      bystander.disconnect();
    });

    it('should drop a long-polling client that posts an oversized frame, and keep serving', async () => {
      const polling: ChatClient = io(t.baseUrl, { auth: { token: member.token }, transports: ['polling'], reconnection: false, forceNew: true });
      await new Promise<void>((resolve, reject) => {
        polling.once('connect', resolve);
        polling.once('connect_error', reject);
      });
      const before = (await storedMessages(t, roomId)).length;
      const gone = disconnectedFrom(polling);
      emitRaw(polling, 'send_message', { roomId, content: 'p'.repeat(MAX_FRAME * 4) });
      expect(await gone).toBe('transport close');
      expect(socket.connected).toBe(true);
      await stillServed(socket, roomId);
      expect((await storedMessages(t, roomId)).length).toBe(before + 1);
    });
  });
});
