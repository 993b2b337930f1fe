import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import type { ChatMessage, LoginResponse, MessagesPage, RoomUserPayload, UserAdminView } from '@chat/contract';
import { FakeOpenAiServer } from '@chat/server-testing';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../support/cluster-helpers.js';
import { createTestDatabase, TestDatabase } from '../support/postgres.js';
import { buildServer, ServerProcess, startServerProcess } from '../support/server-process.js';
import { ChatClient, emitWithAck, eventually, nextEvent } from '../support/test-app.js';

const ADMIN_PASSWORD = 'admin-password-for-failover';
const HEARTBEAT_MS = 200;
const ROOM = 'failover';
const TOKENS = Array.from({ length: 200 }, (_, i) => `s${i} `);

async function http<T>(base: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

function connect(base: string, token: string): Promise<ChatClient> {
  const socket: ChatClient = io(base, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Every message a socket was given, as new_message or as the backlog of a join, by id. */
function received(socket: ChatClient, into: ChatMessage[]): void {
  socket.on('new_message', (message) => into.push(message));
}

describe('two server processes: one killed with SIGKILL', () => {
  let database: TestDatabase;
  const fake = new FakeOpenAiServer();
  const prefix = uniquePrefix('cluster-failover');
  let a: ServerProcess;
  let b: ServerProcess;
  let admin: string;

  beforeAll(async () => {
    buildServer();
    database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      INSTANCE_HEARTBEAT_MS: String(HEARTBEAT_MS),
      JWT_SECRET: 'failover-secret-that-is-long-enough-0123456789',
      ADMIN_PASSWORD,
      OPENAI_BASE_URL: await fake.start(),
      LLM_MODEL: 'fake-model',
      LLM_COALESCE_MS: '0',
      RATE_LIMIT_MESSAGES_PER_MINUTE: '1000',
    };
    a = await startServerProcess(env);
    b = await startServerProcess(env);
    admin = (await http<LoginResponse>(b.url, 'POST', '/api/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD })).body.accessToken;
  }, 120_000);
  afterAll(async () => {
    await a?.kill('SIGKILL');
    await b?.kill('SIGTERM');
    await fake.close();
    await database?.drop();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  async function user(name: string): Promise<{ user: UserAdminView; token: string }> {
    const username = `${name}_${randomUUID().slice(0, 6)}`;
    const password = `pw-${username}`;
    const created = await http<UserAdminView>(b.url, 'POST', '/api/users', admin, { username, password, displayName: name, role: 'staff' });
    const login = await http<LoginResponse>(b.url, 'POST', '/api/auth/login', undefined, { username, password });
    return { user: created.body, token: login.body.accessToken };
  }

  it('should lose nothing: resends stored once, every client sees every message once, presence and the reply of the dead instance end', async () => {
    const [alice, bob, carol] = await Promise.all([user('alice'), user('bob'), user('carol')]);
    expect((await http(b.url, 'POST', '/api/rooms', alice.token, { id: ROOM, name: 'Fail-over', visibility: 'public' })).status).toBe(201);

    let aliceSocket = await connect(a.url, alice.token);
    const carolOnA = await connect(a.url, carol.token);
    const bobOnB = await connect(b.url, bob.token);
    for (const socket of [aliceSocket, carolOnA, bobOnB]) expect(await emitWithAck(socket, 'join_room', ROOM)).toMatchObject({ ok: true });
    const bobSaw: ChatMessage[] = [];
    received(bobOnB, bobSaw);
    const aliceSaw: ChatMessage[] = [];
    received(aliceSocket, aliceSaw);

    // A reply streaming on A, watched from B.
    fake.enqueue({ kind: 'stream', tokens: TOKENS, delayMs: 40 });
    const bobDeltas: string[] = [];
    bobOnB.on('ai_stream_delta', (d) => bobDeltas.push(d.delta));
    const replyStart = nextEvent(bobOnB, 'ai_stream_start');
    await emitWithAck(aliceSocket, 'send_message', { roomId: ROOM, content: '@ai a very long answer please' });
    const start = await replyStart;
    await eventually(() => bobDeltas.length >= 5);

    // Alice keeps sending; A is killed in the middle.
    const outbox = Array.from({ length: 30 }, (_, n) => ({ clientMessageId: randomUUID(), content: `m${n}` }));
    const acked = new Set<string>();
    const carolLeft = nextEvent(bobOnB, 'user_left', (p: RoomUserPayload) => p.userId === carol.user.id, 15_000);
    const replyEnd = nextEvent(bobOnB, 'ai_stream_end', (p) => p.message.id === start.messageId, 15_000);
    for (const [n, item] of outbox.entries()) {
      if (n === 12) {
        // Fire a few without waiting, then kill: some are stored without their ack arriving.
        for (const pending of outbox.slice(12, 16)) aliceSocket.emit('send_message', { roomId: ROOM, ...pending });
        await a.kill('SIGKILL');
        break;
      }
      const ack = await emitWithAck(aliceSocket, 'send_message', { roomId: ROOM, ...item });
      if (ack.ok) acked.add(item.clientMessageId);
    }
    const killedAt = Date.now();

    // Alice reconnects (here: to the survivor, as a load balancer would send her), catches up from
    // the last seq she saw, and resends everything unacknowledged with the same clientMessageId.
    const lastSeq = Math.max(...aliceSaw.map((m) => m.seq), 0);
    aliceSocket = await connect(b.url, alice.token);
    received(aliceSocket, aliceSaw);
    expect(await emitWithAck(aliceSocket, 'join_room', { roomId: ROOM, lastSeq })).toMatchObject({ ok: true });
    for (const item of outbox.filter((o) => !acked.has(o.clientMessageId))) {
      const ack = await emitWithAck(aliceSocket, 'send_message', { roomId: ROOM, ...item });
      expect(ack).toMatchObject({ ok: true, message: { clientMessageId: item.clientMessageId } });
    }

    // The dead instance's sockets leave presence within a few heartbeats.
    await carolLeft;
    expect(Date.now() - killedAt).toBeLessThan(HEARTBEAT_MS * 3 + 5000);
    // Its reply ends as error, the text streamed so far kept, and survivors hear ai_stream_end.
    const ended = (await replyEnd).message;
    expect(ended.status).toBe('error');
    expect(ended.content.startsWith(bobDeltas.join(''))).toBe(true);
    expect(bobDeltas.join('')).not.toBe('');

    // Everything stored once; every client saw each message once, in order.
    const stored = (await http<MessagesPage>(b.url, 'GET', `/api/rooms/${ROOM}/messages?after=0&limit=200`, admin)).body.messages;
    const byClientId = stored.filter((m) => m.clientMessageId).map((m) => m.clientMessageId);
    expect(byClientId.sort()).toEqual(outbox.map((o) => o.clientMessageId).sort());
    const bobIds = bobSaw.filter((m) => m.status !== 'streaming').map((m) => m.id);
    // Bob sees alice's messages (the question, m0… and the resends) and the reply's final state once each.
    await eventually(() => stored.every((m) => bobSaw.some((s) => s.id === m.id)), 10_000);
    expect(new Set(bobIds).size).toBe(bobIds.length);
    const bobSeqs = bobSaw.map((m) => m.seq);
    const withoutReplyEnd = bobSaw.filter((m) => m.id !== start.messageId).map((m) => m.seq);
    expect(withoutReplyEnd).toEqual([...withoutReplyEnd].sort((x, y) => x - y));
    expect(bobSeqs.length).toBe(stored.length);
    const aliceIds = aliceSaw.map((m) => m.id);
    expect(new Set(aliceIds).size).toBe(aliceIds.length);
    bobOnB.disconnect();
    aliceSocket.disconnect();
    carolOnA.disconnect();
  }, 90_000);
});
