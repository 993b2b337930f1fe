import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ChatMessage, JoinedRoomPayload, MessagesPage } from '@chat/contract';
import { refusedHandshake } from '../support/realtime-helpers.js';
import { ChatClient, collect, emitWithAck, eventually, startTestApp, TestApp } from '../support/test-app.js';

const CATCH_UP_MAX = 50;
const HISTORY = 300;

describe('Event floods (audit point 6)', () => {
  let t: TestApp;
  const open: ChatClient[] = [];
  const connect = async (token: string) => {
    const socket = await t.connect(token);
    open.push(socket);
    return socket;
  };

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_JOINS_PER_MINUTE: '5',
      RATE_LIMIT_AI_CANCEL_PER_MINUTE: '3',
      JOIN_CATCH_UP_MAX: String(CATCH_UP_MAX),
      SOCKETS_PER_USER: '3',
      SOCKETS_PER_ADDRESS: '6',
      HANDSHAKE_TIMEOUT_MS: '1000',
      RATE_LIMIT_FAILED_HANDSHAKES_PER_MINUTE: '3',
    });
  });
  afterEach(async () => {
    for (const socket of open.splice(0)) socket.disconnect();
    // The per-address socket count is released on the server's disconnect.
    await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    await t.close();
  });

  it('should rate-limit join_room and leave_room together', async () => {
    const socket = await connect((await t.createUser()).token);
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await emitWithAck(socket, 'join_room', 'general'));
      answers.push(await emitWithAck(socket, 'leave_room', 'general'));
    }
    expect(answers.slice(0, 5).every((a) => a.ok)).toBe(true);
    expect(answers[5]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });
  });

  it('should rate-limit ai_cancel', async () => {
    const socket = await connect((await t.createUser()).token);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await emitWithAck(socket, 'ai_cancel', { messageId: randomUUID() }));
    expect(answers.slice(0, 3).map((a) => (a as { error: { code: string } }).error.code)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    expect(answers[3]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });

  it('should cap a join catch-up, say there is more, and leave the rest to REST', async () => {
    const { token } = await t.createUser();
    const created = await t.http<{ id: string }>('POST', '/api/rooms', { token, body: { name: 'long history', visibility: 'public' } });
    const roomId = created.body.id;
    await t.app.get(DataSource).query(
      `WITH c AS (UPDATE rooms SET last_seq = last_seq + $2 WHERE id = $1 RETURNING last_seq)
       INSERT INTO messages (id, room_id, seq, content) SELECT gen_random_uuid(), $1, g, 'old ' || g FROM c, generate_series(1, $2) g`,
      [roomId, HISTORY],
    );
    const socket = await connect(token);
    const backlog = collect(socket, 'new_message');
    const joined = (await emitWithAck(socket, 'join_room', { roomId, lastSeq: 0 })) as unknown as JoinedRoomPayload & { ok: boolean };
    expect(joined).toMatchObject({ ok: true, lastSeq: HISTORY, hasMore: true, catchUpFrom: HISTORY - CATCH_UP_MAX + 1 });
    expect(backlog.items.map((m: ChatMessage) => m.seq)).toEqual(Array.from({ length: CATCH_UP_MAX }, (_, i) => HISTORY - CATCH_UP_MAX + 1 + i));

    const rest: number[] = [];
    for (let after = 0; after < joined.catchUpFrom! - 1; ) {
      const page = await t.http<MessagesPage>('GET', `/api/rooms/${roomId}/messages?after=${after}&before=${joined.catchUpFrom}&limit=200`, { token });
      rest.push(...page.body.messages.map((m) => m.seq));
      after = page.body.messages.at(-1)!.seq;
    }
    expect(rest).toEqual(Array.from({ length: HISTORY - CATCH_UP_MAX }, (_, i) => i + 1));

    // A short catch-up is whole and says nothing more.
    const again = (await emitWithAck(socket, 'join_room', { roomId, lastSeq: HISTORY - 5 })) as unknown as JoinedRoomPayload;
    expect(again.hasMore).toBeUndefined();
  });

  it('should cap sockets per user, and free the place on disconnect', async () => {
    const { token } = await t.createUser();
    const sockets = [await connect(token), await connect(token), await connect(token)];
    const refused = await refusedHandshake(t, token);
    expect(refused.data).toMatchObject({ code: 'RATE_LIMITED' });
    sockets[0].disconnect();
    await eventually(async () => (await t.connect(token).then((s) => (open.push(s), true), () => false)));
  });

  it('should cap sockets per address', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, () => t.createUser()));
    for (const user of users) {
      await connect(user.token);
      await connect(user.token);
    }
    const another = await t.createUser();
    expect((await refusedHandshake(t, another.token)).data).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('should drop an engine.io session that never authenticates', async () => {
    const opened = await fetch(`${t.baseUrl}/socket.io/?EIO=4&transport=polling`);
    const sid = /"sid":"([^"]+)"/.exec(await opened.text())![1];
    await new Promise((r) => setTimeout(r, 1600));
    // The server closed it: the next poll carries engine.io's close packet ("1"), and then the session is unknown.
    const poll = () => fetch(`${t.baseUrl}/socket.io/?EIO=4&transport=polling&sid=${sid}`).then(async (r) => ({ status: r.status, text: await r.text() }));
    const first = await poll();
    if (first.status === 200) expect(first.text.split('\x1e').at(-1)).toBe('1');
    expect(await poll()).toMatchObject({ status: 400, text: expect.stringMatching(/Session ID unknown/) });
  });

  it('should count failed handshakes per address and refuse more of them as RATE_LIMITED', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await refusedHandshake(t, `bad-token-${i}`)).data!.code);
    expect(codes).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});
