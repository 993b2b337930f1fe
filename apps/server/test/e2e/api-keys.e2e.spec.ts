import type { ApiKeyView, ChatMessage, MessagesPage, RoomView } from '@chat/contract';
import { createRoom, refusedHandshake } from '../support/realtime-helpers.js';
import { createKey, createServiceAccount, sql } from '../support/integration-helpers.js';
import { emitWithAck, eventually, startTestApp, TestApp } from '../support/test-app.js';

describe('API keys', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '5' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should return the key once, list it without the key, and record its use', async () => {
    const { token } = await t.createUser();
    const created = await createKey(t, token, { name: 'reader', scopes: ['messages:read'] });
    expect(created).toMatchObject({ name: 'reader', scopes: ['messages:read'], roomIds: null, expiresAt: null, lastUsedAt: null });
    expect(created.key).toMatch(/^tck_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);

    expect((await t.http('GET', '/api/rooms/general/messages', { token: created.key })).status).toBe(200);
    // Recorded without holding up the request: it shows up shortly after.
    let listed: ApiKeyView[] = [];
    await eventually(async () => {
      listed = (await t.http<ApiKeyView[]>('GET', '/api/api-keys', { token })).body;
      return listed[0]?.lastUsedAt !== null;
    });
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty('key');
    const stored = await sql(t).query(`SELECT encode(key_hash, 'hex') AS hash FROM api_keys WHERE id = $1`, [created.id]);
    expect(stored[0].hash).not.toContain(created.key);
    expect(JSON.stringify(stored)).not.toContain(created.key.slice(4));
  });

  it('should refuse with 403 FORBIDDEN what lies beyond the key’s scopes', async () => {
    const { token } = await t.createUser();
    const reader = await createKey(t, token, { scopes: ['messages:read'] });
    const post = await t.http('POST', '/api/rooms/general/messages', { token: reader.key, body: { content: 'hi' } });
    expect(post).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect((await t.http('GET', '/api/rooms', { token: reader.key })).body).toMatchObject({ code: 'FORBIDDEN' });
    // Routes not opened to keys at all: key management, webhooks, room creation.
    for (const [method, path, body] of [
      ['POST', '/api/api-keys', { name: 'x', scopes: ['messages:read'] }],
      ['GET', '/api/webhooks', undefined],
      ['POST', '/api/rooms', { name: 'X', visibility: 'public' }],
    ] as const) {
      expect((await t.http(method, path, { token: reader.key, body })).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    }
    const writer = await createKey(t, token, { scopes: ['messages:write'] });
    expect((await t.http('POST', '/api/rooms/general/messages', { token: writer.key, body: { content: 'from a key' } })).status).toBe(201);
    expect((await t.http('GET', '/api/rooms/general/messages', { token: writer.key })).body).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('should keep a key to its rooms on REST and list only those', async () => {
    const { token } = await t.createUser();
    const a = await createRoom(t, token, { name: 'Key A', visibility: 'public' });
    const b = await createRoom(t, token, { name: 'Key B', visibility: 'public' });
    const key = await createKey(t, token, { scopes: ['rooms:read', 'messages:read', 'messages:write'], roomIds: [a.id] });
    expect((await t.http('GET', `/api/rooms/${a.id}/messages`, { token: key.key })).status).toBe(200);
    expect((await t.http('GET', `/api/rooms/${b.id}/messages`, { token: key.key })).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect((await t.http('POST', `/api/rooms/${b.id}/messages`, { token: key.key, body: { content: 'no' } })).body).toMatchObject({ code: 'FORBIDDEN' });
    const { body: rooms } = await t.http<RoomView[]>('GET', '/api/rooms', { token: key.key });
    expect(rooms.map((r) => r.id)).toEqual([a.id]);
  });

  it('should keep a socket opened with a key to its rooms and scopes', async () => {
    const { token } = await t.createUser();
    const a = await createRoom(t, token, { name: 'Sock A', visibility: 'public' });
    const b = await createRoom(t, token, { name: 'Sock B', visibility: 'public' });
    const reader = await createKey(t, token, { scopes: ['messages:read'], roomIds: [a.id] });
    const socket = await t.connect(reader.key);
    expect(await emitWithAck(socket, 'join_room', a.id)).toMatchObject({ ok: true });
    expect(await emitWithAck(socket, 'join_room', b.id)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await emitWithAck(socket, 'send_message', { roomId: a.id, content: 'no scope' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(socket.connected).toBe(true);

    const writer = await createKey(t, token, { scopes: ['messages:write'] });
    const writing = await t.connect(writer.key);
    expect(await emitWithAck(writing, 'send_message', { roomId: a.id, content: 'socket key' })).toMatchObject({ ok: true });
    // Joining delivers messages: that is reading.
    expect(await emitWithAck(writing, 'join_room', a.id)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const knowledgeOnly = await createKey(t, token, { scopes: ['knowledge:read'] });
    expect((await refusedHandshake(t, knowledgeOnly.key)).data).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should never grant more than the creator has', async () => {
    const { token } = await t.createUser();
    const owner = await t.createUser();
    const secret = await createRoom(t, owner.token, { name: 'Secret', visibility: 'private' });
    expect((await t.http('POST', '/api/api-keys', { token, body: { name: 'x', scopes: ['admin:read'] } })).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect((await t.http('POST', '/api/api-keys', { token, body: { name: 'x', scopes: ['messages:read'], roomIds: [secret.id] } })).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect((await t.http('POST', '/api/api-keys', { token, body: { name: 'x', scopes: ['messages:read'], roomIds: ['no-such-room'] } })).body).toMatchObject({ statusCode: 404, code: 'ROOM_NOT_FOUND' });
  });

  it.each([
    [{ name: 'x', scopes: ['messages:delete'] }, 'scope'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: ' ', scopes: ['messages:read'] }, 'name'],
    [{ name: 'x', scopes: ['messages:read'], roomIds: ['Not A Room'] }, 'room'],
    [{ name: 'x', scopes: ['messages:read'], expiresAt: 'tomorrow' }, 'expiresAt'],
    [{ name: 'x', scopes: ['messages:read'], expiresAt: '2001-01-01T00:00:00Z' }, 'future'],
    [{ name: 'x', scopes: ['messages:read'], extra: true }, 'extra'],
  ])('should refuse %j with 400 VALIDATION_FAILED', async (body, mentions) => {
    const { status, body: error } = await t.http<{ code: string; message: string }>('POST', '/api/api-keys', { token: t.adminToken, body });
    expect(status).toBe(400);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(mentions);
  });

  it('should answer 401 for an expired, a revoked or an unknown key', async () => {
    const { token } = await t.createUser();
    const expiring = await createKey(t, token, { scopes: ['messages:read'], expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await t.http('GET', '/api/rooms/general/messages', { token: expiring.key })).status).toBe(200);
    await sql(t).query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.id]);
    expect((await t.http('GET', '/api/rooms/general/messages', { token: expiring.key })).body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED', message: 'API key expired' });

    const revoked = await createKey(t, token, { scopes: ['messages:read'] });
    expect((await t.http('DELETE', `/api/api-keys/${revoked.id}`, { token })).status).toBe(204);
    expect((await t.http('GET', '/api/rooms/general/messages', { token: revoked.key })).body).toMatchObject({ statusCode: 401, message: 'API key revoked' });
    expect((await t.http<ApiKeyView[]>('GET', '/api/api-keys', { token })).body.map((k) => k.id)).toEqual([expiring.id]);

    expect((await t.http('GET', '/api/rooms/general/messages', { token: `tck_${'A'.repeat(43)}` })).body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    expect((await t.http('GET', '/api/rooms/general/messages', { token: 'tck_short' })).body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    expect((await refusedHandshake(t, revoked.key)).data).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should revoke only one’s own keys (404 otherwise) and check ids', async () => {
    const alice = await t.createUser();
    const bob = await t.createUser();
    const key = await createKey(t, alice.token, { scopes: ['messages:read'] });
    expect((await t.http('DELETE', `/api/api-keys/${key.id}`, { token: bob.token })).body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    expect((await t.http('DELETE', '/api/api-keys/not-a-uuid', { token: alice.token })).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect((await t.http('GET', '/api/rooms/general/messages', { token: key.key })).status).toBe(200);
  });

  it('should give each key a rate limit of its own', async () => {
    const { token } = await t.createUser();
    const first = await createKey(t, token, { scopes: ['messages:write'] });
    const second = await createKey(t, token, { scopes: ['messages:write'] });
    const post = (bearer: string, i: number) => t.http('POST', '/api/rooms/general/messages', { token: bearer, body: { content: `burst ${i}` } });
    for (let i = 0; i < 5; i++) expect((await post(first.key, i)).status).toBe(201);
    expect((await post(first.key, 5)).body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect((await post(second.key, 6)).status).toBe(201);
    expect((await post(token, 7)).status).toBe(201);
  });

  it('should make service accounts keyholders only, whose messages carry the bot badge', async () => {
    const bot = await createServiceAccount(t);
    expect(bot.role).toBe('service');
    expect((await t.http('POST', '/api/auth/login', { body: { username: bot.username, password: '' } })).status).not.toBe(200);
    const withPassword = await t.http('POST', '/api/users', { token: t.adminToken, body: { username: 'bot-with-pw', displayName: 'B', role: 'service', password: 'a-long-enough-password' } });
    expect(withPassword.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect((await t.http('POST', `/api/users/${bot.id}/password`, { token: t.adminToken, body: { newPassword: 'another-long-password-1' } })).body).toMatchObject({ statusCode: 409 });
    expect((await t.http('PATCH', `/api/users/${bot.id}`, { token: t.adminToken, body: { role: 'staff' } })).body).toMatchObject({ statusCode: 409, code: 'CONFLICT' });

    const key = await createKey(t, t.adminToken, { scopes: ['messages:read', 'messages:write'] }, bot.id);
    const { body: posted } = await t.http<ChatMessage>('POST', '/api/rooms/general/messages', { token: key.key, body: { content: 'beep' } });
    expect(posted).toMatchObject({ userId: bot.id, isBot: true });
    const { body: page } = await t.http<MessagesPage>('GET', '/api/rooms/general/messages', { token: key.key });
    expect(page.messages.find((m) => m.id === posted.id)).toMatchObject({ isBot: true });
    expect(page.messages.filter((m) => m.userId !== bot.id).every((m) => m.isBot === undefined)).toBe(true);
    expect((await t.http<ApiKeyView[]>('GET', `/api/users/${bot.id}/api-keys`, { token: t.adminToken })).body.map((k) => k.id)).toEqual([key.id]);

    const person = await t.createUser();
    expect((await t.http('POST', `/api/users/${person.user.id}/api-keys`, { token: t.adminToken, body: { name: 'x', scopes: ['messages:read'] } })).body).toMatchObject({ statusCode: 409 });
    expect((await t.http('POST', `/api/users/${bot.id}/api-keys`, { token: person.token, body: { name: 'x', scopes: ['messages:read'] } })).body).toMatchObject({ statusCode: 403 });
    expect((await t.http('POST', `/api/users/${bot.id}/api-keys`, { token: t.adminToken, body: { name: 'x', scopes: ['admin:read'] } })).body).toMatchObject({ statusCode: 403 });
  });

  it('should open admin reads to an admin’s admin:read key, and close them when the owner is demoted', async () => {
    const admin = await t.createUser('admin');
    const key = await createKey(t, admin.token, { scopes: ['admin:read'] });
    expect((await t.http('GET', '/api/admin/stats', { token: key.key })).status).toBe(200);
    expect((await t.http('PATCH', `/api/users/${admin.user.id}`, { token: admin.token, body: { displayName: 'still admin' } })).status).toBe(200);
    expect((await t.http('PATCH', `/api/users/${admin.user.id}`, { token: key.key, body: { displayName: 'via key' } })).body).toMatchObject({ statusCode: 403 });
    expect((await t.http('PATCH', `/api/users/${admin.user.id}`, { token: t.adminToken, body: { role: 'staff' } })).status).toBe(200);
    expect((await t.http('GET', '/api/admin/stats', { token: key.key })).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
  });

  it('should document the key scheme and each route’s scope in OpenAPI', async () => {
    const response = await fetch(`${t.baseUrl}/api/docs-json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { components: { securitySchemes: Record<string, { scheme: string; bearerFormat?: string }> }; paths: Record<string, Record<string, Record<string, unknown>>> };
    expect(doc.components.securitySchemes['api-key']).toMatchObject({ scheme: 'bearer', bearerFormat: 'tck_…' });
    expect(doc.paths['/api/changes'].get['x-api-key-scope']).toBe('messages:read');
    expect(doc.paths['/api/rooms/{roomId}/messages'].post['x-api-key-scope']).toBe('messages:write');
    expect(doc.paths['/api/admin/stats'].get['x-api-key-scope']).toBe('admin:read');
    expect(doc.paths['/api/rooms/{roomId}/messages'].post['security']).toEqual(expect.arrayContaining([{ 'api-key': [] }]));
    expect(doc.paths['/api/api-keys'].post['x-api-key-scope']).toBeUndefined();
  });
});
