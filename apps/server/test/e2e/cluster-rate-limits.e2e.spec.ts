import type { ErrorPayload, HttpErrorBody } from '@chat/contract';
import { createRoom, flush, refusal, storedMessages } from '../support/realtime-helpers.js';
import { startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import { ChatClient, emitWithAck, nextEvent } from '../support/test-app.js';

const MESSAGES = 6;
const TYPING = 4;
// Room for the admin's set-up calls, which share the REST bucket.
const REST = 30;
const LOGIN = 4;
const AI = 2;

describe('two instances: one rate-limit budget per user', () => {
  let cluster: TestCluster;
  let counter = 0;
  const newRoom = async () => (await createRoom(cluster.a, cluster.a.adminToken, { id: `shared-limits-${++counter}`, name: `Limits ${counter}`, visibility: 'public' })).id;

  beforeAll(async () => {
    cluster = await startTwoInstances('cluster-rate-limits', {
      RATE_LIMIT_MESSAGES_PER_MINUTE: String(MESSAGES),
      RATE_LIMIT_TYPING_PER_MINUTE: String(TYPING),
      RATE_LIMIT_REST_PER_MINUTE: String(REST),
      RATE_LIMIT_LOGIN_PER_MINUTE: String(LOGIN),
      RATE_LIMIT_AI_PER_MINUTE: String(AI),
    });
  });
  afterAll(async () => {
    await cluster.close();
  });

  async function onBoth(token: string, roomId: string): Promise<[ChatClient, ChatClient]> {
    const sockets: [ChatClient, ChatClient] = [await cluster.a.connect(token), await cluster.b.connect(token)];
    for (const socket of sockets) await emitWithAck(socket, 'join_room', roomId);
    return sockets;
  }

  it('should count messages from both instances (socket and REST) against one budget, with retryAfterMs', async () => {
    const { token } = await cluster.a.createUser();
    const roomId = await newRoom();
    const [onA, onB] = await onBoth(token, roomId);
    for (let n = 0; n < MESSAGES; n++) {
      expect(await emitWithAck(n % 2 ? onB : onA, 'send_message', { roomId, content: `ok ${n}` })).toMatchObject({ ok: true });
    }
    for (const socket of [onA, onB]) {
      const { error } = await refusal(socket, 'send_message', { roomId, content: 'over' });
      expect(error).toMatchObject({ code: 'RATE_LIMITED', event: 'send_message' });
      expect(error.retryAfterMs).toBeGreaterThan(0);
      expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    const rest = await cluster.b.http<HttpErrorBody>('POST', `/api/rooms/${roomId}/messages`, { token, body: { content: 'over via B' } });
    expect(rest.status).toBe(429);
    expect(rest.body).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect((await storedMessages(cluster.a, roomId)).length).toBe(MESSAGES);
    onA.disconnect();
    onB.disconnect();
  });

  it('should share the typing budget', async () => {
    const { token } = await cluster.a.createUser();
    const roomId = await newRoom();
    const [onA, onB] = await onBoth(token, roomId);
    const errors: ErrorPayload[] = [];
    for (const socket of [onA, onB]) socket.on('error', (error) => errors.push(error));
    // Typing events have no acknowledgement; the refusal is an error event.
    for (let n = 0; n < TYPING; n++) (n % 2 ? onB : onA).emit(n % 4 < 2 ? 'typing_start' : 'typing_stop', roomId);
    await flush(onB, roomId, [onA, onB]);
    expect(errors).toEqual([]);
    const error = nextEvent(onA, 'error');
    onA.emit('typing_start', roomId);
    expect(await error).toMatchObject({ code: 'RATE_LIMITED', event: 'typing_start', retryAfterMs: expect.any(Number) });
    onA.disconnect();
    onB.disconnect();
  });

  it('should share the REST budget of a user across instances', async () => {
    const { token } = await cluster.a.createUser();
    const statuses: number[] = [];
    for (let n = 0; n < REST + 2; n++) statuses.push((await (n % 2 ? cluster.b : cluster.a).http('GET', '/api/rooms', { token })).status);
    expect(statuses.slice(0, REST)).toEqual(Array(REST).fill(200));
    expect(statuses.slice(REST)).toEqual([429, 429]);
  });

  it('should share the login budget of an address and username', async () => {
    const { user } = await cluster.a.createUser();
    // createUser logged in once, on A.
    const statuses: number[] = [];
    for (let n = 0; n < LOGIN; n++) {
      const { status } = await (n % 2 ? cluster.a : cluster.b).http('POST', '/api/auth/login', { body: { username: user.username, password: 'wrong-password' } });
      statuses.push(status);
    }
    expect(statuses.slice(0, LOGIN - 1)).toEqual(Array(LOGIN - 1).fill(401));
    expect(statuses[LOGIN - 1]).toBe(429);
  });

  it('should share the assistant budget', async () => {
    const { token } = await cluster.a.createUser();
    const roomId = await newRoom();
    const [onA, onB] = await onBoth(token, roomId);
    const errors: ErrorPayload[] = [];
    onB.on('error', (error) => errors.push(error));
    onA.on('error', (error) => errors.push(error));
    for (let n = 0; n < AI; n++) {
      const socket = n % 2 ? onB : onA;
      const ended = nextEvent(socket, 'ai_stream_end', () => true, 8000);
      expect(await emitWithAck(socket, 'send_message', { roomId, content: `question ${n}`, useAi: true })).toMatchObject({ ok: true });
      await ended;
    }
    const refused = nextEvent(onB, 'error', (error) => error.code === 'AI_RATE_LIMITED');
    await emitWithAck(onB, 'send_message', { roomId, content: 'one question too many', useAi: true });
    expect((await refused).retryAfterMs).toBeGreaterThan(0);
    expect(errors.filter((error) => error.code === 'AI_RATE_LIMITED')).toHaveLength(1);
    // Asked through REST on A: no socket caused it, so the user's sockets on both instances hear why, once each.
    const toldWhy = [onA, onB].map((socket) => nextEvent(socket, 'error', (error) => error.code === 'AI_RATE_LIMITED'));
    expect((await cluster.a.http('POST', `/api/rooms/${roomId}/messages`, { token, body: { content: '@ai and through REST?' } })).status).toBe(201);
    await Promise.all(toldWhy);
    await flush(onA, roomId, [onA, onB]);
    expect(errors.filter((error) => error.code === 'AI_RATE_LIMITED')).toHaveLength(3);
    onA.disconnect();
    onB.disconnect();
  });
});
