import type { ErrorPayload, HttpErrorBody, UserAdminView } from '@chat/contract';
import { createRoom, emitRaw, refusal, storedMessages } from '../support/realtime-helpers.js';
import { collect, emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

const MESSAGES_PER_MINUTE = 5;
const TYPING_PER_MINUTE = 3;

const rateLimited = (event: string): ErrorPayload => ({
  code: 'RATE_LIMITED',
  message: expect.stringMatching(/^Too many requests; retry in \d+ s$/),
  event,
  retryAfterMs: expect.any(Number),
});

describe('Socket rate limits', () => {
  let t: TestApp;
  let roomCounter = 0;
  let member: Member;
  let roomId: string;

  const newRoom = async () => (await createRoom(t, t.adminToken, { id: `limits-${++roomCounter}`, name: `Limits ${roomCounter}`, visibility: 'public' })).id;

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_MESSAGES_PER_MINUTE: String(MESSAGES_PER_MINUTE),
      RATE_LIMIT_TYPING_PER_MINUTE: String(TYPING_PER_MINUTE),
    });
  });
  beforeEach(async () => {
    // Budgets are per user: each test starts with a fresh one.
    member = await t.createUser();
    roomId = await newRoom();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should refuse the message over RATE_LIMIT_MESSAGES_PER_MINUTE with RATE_LIMITED and retryAfterMs, and not store it', async () => {
    const socket = await t.connect(member.token);
    await emitWithAck(socket, 'join_room', roomId);
    for (let n = 1; n <= MESSAGES_PER_MINUTE; n++) {
      expect(await emitWithAck(socket, 'send_message', { roomId, content: `allowed ${n}` })).toMatchObject({ ok: true, message: { seq: n } });
    }
    const { error, ack } = await refusal(socket, 'send_message', { roomId, content: 'one too many' });
    expect(error).toEqual(rateLimited('send_message'));
    expect(error.retryAfterMs).toBeGreaterThan(0);
    // The burst's hits leave the one-minute window at most a minute from now.
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(ack).toEqual({ ok: false, error });

    const stored = await storedMessages(t, roomId);
    expect(stored.map((m) => m.content)).toEqual([1, 2, 3, 4, 5].map((n) => `allowed ${n}`));
    // Still connected and served: events without a message budget keep working.
    expect(socket.connected).toBe(true);
    expect(await emitWithAck(socket, 'join_room', roomId)).toMatchObject({ ok: true, roomId, lastSeq: MESSAGES_PER_MINUTE });
    socket.disconnect();
  });

  it('should share one budget across a user’s sockets and REST, and not touch other users’', async () => {
    const tabs = [await t.connect(member.token), await t.connect(member.token)];
    for (let n = 0; n < MESSAGES_PER_MINUTE; n++) {
      expect(await emitWithAck(tabs[n % 2], 'send_message', { roomId, content: `tab ${n}` })).toMatchObject({ ok: true });
    }
    expect((await refusal(tabs[1], 'send_message', { roomId, content: 'over' })).error).toEqual(rateLimited('send_message'));
    const rest = await t.http<HttpErrorBody>('POST', `/api/rooms/${roomId}/messages`, { token: member.token, body: { content: 'over via rest' } });
    expect(rest.status).toBe(429);
    expect(rest.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect(rest.body.retryAfterMs).toBeGreaterThan(0);

    const other = await t.createUser();
    const otherSocket = await t.connect(other.token);
    expect(await emitWithAck(otherSocket, 'send_message', { roomId, content: 'someone else' })).toMatchObject({ ok: true, message: { seq: 6 } });
    expect((await storedMessages(t, roomId)).length).toBe(MESSAGES_PER_MINUTE + 1);
    for (const socket of [...tabs, otherSocket]) socket.disconnect();
  });

  it('should report a seed-style send over the limit (no ack) as an error event, and not deliver it', async () => {
    const socket = await t.connect(member.token);
    const watcher = await t.connect((await t.createUser()).token);
    await emitWithAck(socket, 'join_room', roomId);
    await emitWithAck(watcher, 'join_room', roomId);
    const received = collect(watcher, 'new_message');
    for (let n = 0; n < MESSAGES_PER_MINUTE; n++) await emitWithAck(socket, 'send_message', { roomId, content: `ok ${n}` });
    const error = nextEvent(socket, 'error');
    emitRaw(socket, 'send_message', { content: 'dropped', roomId, useAi: false });
    expect(await error).toEqual(rateLimited('send_message'));
    // The watcher's own message is its flush: everything before it has arrived.
    const flushed = nextEvent(watcher, 'message_sent');
    await emitWithAck(watcher, 'send_message', { roomId, content: 'watcher' });
    await flushed;
    expect(received.items.map((m) => m.content)).toEqual([0, 1, 2, 3, 4].map((n) => `ok ${n}`));
    socket.disconnect();
    watcher.disconnect();
  });

  it('should refuse a typing flood with RATE_LIMITED and keep the socket', async () => {
    const socket = await t.connect(member.token);
    const watcher = await t.connect((await t.createUser()).token);
    await emitWithAck(socket, 'join_room', roomId);
    await emitWithAck(watcher, 'join_room', roomId);
    const errors = collect(socket, 'error');
    const typing = collect(watcher, 'user_typing');
    const stops = collect(watcher, 'user_stop_typing');
    for (let n = 0; n < TYPING_PER_MINUTE; n++) emitRaw(socket, n % 2 === 0 ? 'typing_start' : 'typing_stop', roomId);
    const refused = nextEvent(socket, 'error');
    emitRaw(socket, 'typing_start', roomId);
    expect(await refused).toEqual(rateLimited('typing_start'));
    // typing_stop shares the typing budget.
    const refusedStop = nextEvent(socket, 'error');
    emitRaw(socket, 'typing_stop', roomId);
    expect(await refusedStop).toEqual(rateLimited('typing_stop'));

    expect(socket.connected).toBe(true);
    // Typing does not eat into the message budget; sending ends the typing the refused stop could not.
    const finalStop = nextEvent(watcher, 'user_stop_typing');
    expect(await emitWithAck(socket, 'send_message', { roomId, content: 'still here' })).toMatchObject({ ok: true });
    await finalStop;
    expect(errors.items).toHaveLength(2);
    // start, stop, start were allowed; the refused start and stop announced nothing.
    expect(typing.items).toHaveLength(2);
    expect(stops.items).toHaveLength(2);
    socket.disconnect();
    watcher.disconnect();
  });
});
