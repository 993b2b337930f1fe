import { FRESH_MESSAGE_STATE } from '@chat/contract';
import { DataSource } from 'typeorm';
import type { ChatMessage, HttpErrorBody, MessagesPage, RoomView, UserAdminView } from '@chat/contract';
import { startTestApp, TestApp } from '../support/test-app.js';
import { UUID, ISO_8601 as ISO } from '../support/patterns.js';

const MAX_LENGTH = 10;

interface Caller {
  user: UserAdminView;
  token: string;
}

describe('MessagesController', () => {
  let t: TestApp;
  let db: DataSource;
  let alice: Caller;
  let bob: Caller;

  beforeAll(async () => {
    t = await startTestApp({ MESSAGE_MAX_LENGTH: String(MAX_LENGTH), RATE_LIMIT_MESSAGES_PER_MINUTE: '100000' });
    db = t.app.get(DataSource);
    [alice, bob] = await Promise.all([t.createUser('staff'), t.createUser('staff')]);
  });
  afterAll(async () => {
    await t.close();
  });

  let roomCounter = 0;
  async function room(visibility: 'public' | 'private' = 'public', creator: Caller = alice): Promise<string> {
    const id = `msg-room-${++roomCounter}`;
    const created = await t.http<RoomView>('POST', '/api/rooms', { token: creator.token, body: { id, name: id, visibility } });
    if (created.status !== 201) throw new Error(`create room: ${created.status}`);
    return id;
  }

  const post = (roomId: string, token: string, body: object) =>
    t.http<ChatMessage & HttpErrorBody>('POST', `/api/rooms/${roomId}/messages`, { token, body });

  const rowCount = async (sql: string, params: unknown[]) => Number((await db.query<{ n: string }[]>(sql, params))[0].n);

  describe('POST /api/rooms/:roomId/messages', () => {
    it('should store the message and answer 201 with it, numbered by seq', async () => {
      const roomId = await room();
      const first = await post(roomId, alice.token, { content: 'hello' });
      expect(first).toEqual({
        status: 201,
        body: {
          id: expect.stringMatching(UUID),
          roomId,
          seq: 1,
          userId: alice.user.id,
          username: alice.user.username,
          displayName: alice.user.displayName,
          content: 'hello',
          timestamp: expect.stringMatching(ISO),
          isAi: false,
          status: 'complete',
          ...FRESH_MESSAGE_STATE,
        },
      });
      const second = await post(roomId, bob.token, { content: 'hi alice' });
      expect(second.body.seq).toBe(2);
      expect(await rowCount('SELECT count(*) AS n FROM messages WHERE room_id = $1', [roomId])).toBe(2);
    });

    it('should make the sender a member of the public room they post in', async () => {
      const roomId = await room();
      expect((await t.http<RoomView>('GET', `/api/rooms/${roomId}`, { token: bob.token })).body.myRole).toBeNull();
      await post(roomId, bob.token, { content: 'joining' });
      expect((await t.http<RoomView>('GET', `/api/rooms/${roomId}`, { token: bob.token })).body.myRole).toBe('member');
    });

    it('should return the original message for a resend with the same clientMessageId, storing one row', async () => {
      const roomId = await room();
      const first = await post(roomId, alice.token, { content: 'once', clientMessageId: 'c-1' });
      const again = await post(roomId, alice.token, { content: 'edited?', clientMessageId: 'c-1' });
      expect(first.status).toBe(201);
      expect(first.body.clientMessageId).toBe('c-1');
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(await rowCount('SELECT count(*) AS n FROM messages WHERE room_id = $1', [roomId])).toBe(1);

      // The id is scoped to its sender: bob's "c-1" is his own message.
      const bobs = await post(roomId, bob.token, { content: 'mine', clientMessageId: 'c-1' });
      expect(bobs.body.id).not.toBe(first.body.id);
      expect(bobs.body.seq).toBe(2);
    });

    it('should store one row when the same clientMessageId arrives many times at once', async () => {
      const roomId = await room();
      const answers = await Promise.all(Array.from({ length: 20 }, () => post(roomId, alice.token, { content: 'burst', clientMessageId: 'burst-1' })));
      expect(new Set(answers.map((a) => a.status))).toEqual(new Set([201]));
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(answers[0].body.seq).toBe(1);
      expect(await rowCount('SELECT count(*) AS n FROM messages WHERE room_id = $1', [roomId])).toBe(1);
      expect((await t.http<RoomView>('GET', `/api/rooms/${roomId}`, { token: alice.token })).body.lastSeq).toBe(1);
    });

    it.each([[''], ['   '], ['\n\t ']])('should answer 400 VALIDATION_FAILED for the content %j', async (content) => {
      const roomId = await room();
      const response = await post(roomId, alice.token, { content });
      expect(response).toEqual({
        status: 400,
        body: { statusCode: 400, code: 'VALIDATION_FAILED', message: 'content must not be empty', details: ['content must not be empty'] },
      });
      expect(await rowCount('SELECT count(*) AS n FROM messages WHERE room_id = $1', [roomId])).toBe(0);
    });

    it('should answer 400 for a missing content, a bad clientMessageId or an unknown field', async () => {
      const roomId = await room();
      const response = await post(roomId, alice.token, { clientMessageId: 'has space', isAi: true });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details!.sort()).toEqual([
        'clientMessageId must be 1-64 letters, digits or _.:-',
        'content must be a string',
        'content must be shorter than or equal to 1000000 characters',
        'property isAi should not exist',
      ]);
    });

    it('should answer 413 PAYLOAD_TOO_LARGE over MESSAGE_MAX_LENGTH, counting characters rather than UTF-16 units', async () => {
      const roomId = await room();
      const tooLong = await post(roomId, alice.token, { content: 'x'.repeat(MAX_LENGTH + 1) });
      expect(tooLong).toEqual({
        status: 413,
        body: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: `content must be at most ${MAX_LENGTH} characters` },
      });
      expect((await post(roomId, alice.token, { content: 'x'.repeat(MAX_LENGTH) })).status).toBe(201);
      // Ten emoji are twenty UTF-16 units but ten characters.
      expect((await post(roomId, alice.token, { content: '😀'.repeat(MAX_LENGTH) })).status).toBe(201);
      expect((await post(roomId, alice.token, { content: '😀'.repeat(MAX_LENGTH + 1) })).status).toBe(413);
      expect(await rowCount('SELECT count(*) AS n FROM messages WHERE room_id = $1', [roomId])).toBe(2);
    });

    it('should answer a body over the parser limit with 413 PAYLOAD_TOO_LARGE in the contract shape', async () => {
      const roomId = await room();
      const response = await post(roomId, alice.token, { content: 'x'.repeat(2 * 1024 * 1024) });
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it('should answer 403 FORBIDDEN in a private room the sender is not in, and 404 ROOM_NOT_FOUND for an unknown room', async () => {
      const secret = await room('private', alice);
      const forbidden = await post(secret, bob.token, { content: 'let me in' });
      expect(forbidden).toEqual({ status: 403, body: { statusCode: 403, code: 'FORBIDDEN', message: `Room "${secret}" is private` } });
      const unknown = await post('no-such-room', bob.token, { content: 'anyone?' });
      expect(unknown).toEqual({ status: 404, body: { statusCode: 404, code: 'ROOM_NOT_FOUND', message: 'Room "no-such-room" does not exist' } });
      expect(await rowCount('SELECT count(*) AS n FROM messages WHERE room_id = $1', [secret])).toBe(0);
    });
  });

  describe('GET /api/rooms/:roomId/messages', () => {
    let roomId: string;
    const TOTAL = 7;

    beforeAll(async () => {
      roomId = await room();
      for (let i = 1; i <= TOTAL; i++) await post(roomId, i % 2 ? alice.token : bob.token, { content: `m${i}` });
    });

    const page = async (query: string) => {
      const response = await t.http<MessagesPage>('GET', `/api/rooms/${roomId}/messages${query}`, { token: bob.token });
      expect(response.status).toBe(200);
      return { seqs: response.body.messages.map((m) => m.seq), hasMore: response.body.hasMore, messages: response.body.messages };
    };

    it('should return the newest page in ascending seq by default, with authors', async () => {
      const { seqs, hasMore, messages } = await page('');
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(hasMore).toBe(false);
      expect(messages[0]).toEqual({
        id: expect.stringMatching(UUID),
        roomId,
        seq: 1,
        userId: alice.user.id,
        username: alice.user.username,
        displayName: alice.user.displayName,
        content: 'm1',
        timestamp: expect.stringMatching(ISO),
        isAi: false,
        status: 'complete',
        ...FRESH_MESSAGE_STATE,
      });
      expect(messages[1].username).toBe(bob.user.username);
    });

    it.each([
      ['?limit=3', [5, 6, 7], true],
      ['?limit=7', [1, 2, 3, 4, 5, 6, 7], false],
      ['?limit=6', [2, 3, 4, 5, 6, 7], true],
      ['?before=5&limit=3', [2, 3, 4], true],
      ['?before=4&limit=3', [1, 2, 3], false],
      ['?before=3&limit=3', [1, 2], false],
      ['?before=1', [], false],
      ['?before=100&limit=2', [6, 7], true],
      ['?after=3&limit=3', [4, 5, 6], true],
      ['?after=4&limit=3', [5, 6, 7], false],
      ['?after=0&limit=2', [1, 2], true],
      ['?after=7', [], false],
      ['?after=2&before=6', [3, 4, 5], false],
      ['?after=1&before=7&limit=2', [2, 3], true],
      ['?after=1&before=5&limit=3', [2, 3, 4], false],
      ['?after=5&before=5', [], false],
      ['?after=6&before=2', [], false],
      ['?limit=200', [1, 2, 3, 4, 5, 6, 7], false],
      ['?limit=1', [7], true],
    ])('should page %s as %j with hasMore %s', async (query, expected, more) => {
      const { seqs, hasMore } = await page(query);
      expect(seqs).toEqual(expected);
      expect(hasMore).toBe(more);
    });

    it.each(['?limit=0', '?limit=201', '?limit=abc', '?limit=1.5', '?before=-1', '?after=x', '?cursor=3'])(
      'should answer 400 VALIDATION_FAILED for %s',
      async (query) => {
        const response = await t.http<HttpErrorBody>('GET', `/api/rooms/${roomId}/messages${query}`, { token: bob.token });
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
        expect(response.body.details!.length).toBeGreaterThan(0);
      },
    );

    it('should answer 403 FORBIDDEN for a private room the caller is not in, and let members and admins read', async () => {
      const secret = await room('private', alice);
      await post(secret, alice.token, { content: 'secret' });
      const forbidden = await t.http<HttpErrorBody>('GET', `/api/rooms/${secret}/messages`, { token: bob.token });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.code).toBe('FORBIDDEN');
      const asAdmin = await t.http<MessagesPage>('GET', `/api/rooms/${secret}/messages`, { token: t.adminToken });
      expect(asAdmin.body.messages.map((m) => m.content)).toEqual(['secret']);
    });

    it('should answer 404 ROOM_NOT_FOUND for an unknown room', async () => {
      const response = await t.http<HttpErrorBody>('GET', '/api/rooms/no-such-room/messages', { token: bob.token });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('ROOM_NOT_FOUND');
    });
  });

  describe('concurrency', () => {
    it('should number 300 concurrent posts from several users into 3 rooms 1..n per room, without gaps or duplicates', async () => {
      const senders = [alice, bob, ...(await Promise.all([t.createUser('staff'), t.createUser('staff'), t.createUser('staff')]))];
      const rooms = [await room(), await room(), await room()];
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) => post(rooms[i % 3], senders[i % senders.length].token, { content: `c${i}` })),
      );
      expect(answers.filter((a) => a.status !== 201)).toEqual([]);

      const rows = await db.query<{ room_id: string; seq: string; content: string }[]>(
        `SELECT room_id, seq, content FROM messages WHERE room_id = ANY($1) ORDER BY room_id, seq`,
        [rooms],
      );
      for (const roomId of rooms) {
        const stored = rows.filter((r) => r.room_id === roomId);
        expect(stored.map((r) => Number(r.seq))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        // What each sender was told matches what was stored.
        const told = new Map(answers.filter((a) => a.body.roomId === roomId).map((a) => [a.body.seq, a.body.content]));
        expect(told.size).toBe(100);
        for (const row of stored) expect(told.get(Number(row.seq))).toBe(row.content);
        const [{ last_seq }] = await db.query<{ last_seq: string }[]>('SELECT last_seq FROM rooms WHERE id = $1', [roomId]);
        expect(Number(last_seq)).toBe(100);
      }
    });
  });
});

describe('MessagesController rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer 429 RATE_LIMITED with Retry-After past the per-user message budget, leaving reads and other users alone', async () => {
    const [alice, bob] = await Promise.all([t.createUser('staff'), t.createUser('staff')]);
    const send = (token: string) =>
      fetch(`${t.baseUrl}/api/rooms/general/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ content: 'spam' }),
      });
    for (let i = 0; i < 3; i++) expect((await send(alice.token)).status).toBe(201);
    const limited = await send(alice.token);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    expect((await send(bob.token)).status).toBe(201);
    expect((await t.http('GET', '/api/rooms/general/messages', { token: alice.token })).status).toBe(200);
    const [{ n }] = await t.app.get(DataSource).query<{ n: string }[]>(`SELECT count(*) AS n FROM messages WHERE room_id = 'general'`);
    expect(Number(n)).toBe(4);
  });
});
