import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type { UserAdminView } from '@chat/contract';
import { disconnectedFrom, eventLog, refusedHandshake } from '../support/realtime-helpers.js';
import { emitWithAck, eventually, startTestApp, TestApp } from '../support/test-app.js';

describe('Socket handshake', () => {
  let t: TestApp;
  let alice: { user: UserAdminView; token: string };

  const claimsOf = (user: UserAdminView) => ({ sub: user.id, username: user.username, role: user.role });
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const joinedAs = async (token: string, options?: Parameters<TestApp['connect']>[1]) => {
    const socket = await t.connect(token, options);
    const ack = await emitWithAck(socket, 'join_room', 'general');
    socket.disconnect();
    return ack;
  };

  beforeAll(async () => {
    t = await startTestApp();
    alice = await t.createUser();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should accept the token in auth.token and know who the socket is', async () => {
    const ack = await joinedAs(alice.token);
    expect(ack).toEqual({
      ok: true,
      roomId: 'general',
      lastSeq: 0,
      changeSeq: 0,
      online: [{ userId: alice.user.id, username: alice.user.username, displayName: alice.user.displayName }],
    });
  });

  it('should accept the token in an Authorization: Bearer header', async () => {
    const ack = await joinedAs('', { auth: {}, extraHeaders: { Authorization: `Bearer ${alice.token}` } });
    expect(ack).toMatchObject({ ok: true, online: [{ userId: alice.user.id }] });
  });

  it('should accept auth.token written with a "Bearer " prefix', async () => {
    const ack = await joinedAs('', { auth: { token: `Bearer ${alice.token}` } });
    expect(ack).toMatchObject({ ok: true, online: [{ userId: alice.user.id }] });
  });

  it('should refuse a handshake without a token', async () => {
    const error = await refusedHandshake(t, '', { auth: {} });
    expect(error.message).toBe('Missing access token');
    expect(error.data).toEqual({ code: 'UNAUTHORIZED', message: 'Missing access token' });
  });

  it('should refuse an Authorization header that is not a bearer token', async () => {
    const error = await refusedHandshake(t, '', { auth: {}, extraHeaders: { Authorization: `Basic ${alice.token}` } });
    expect(error.data).toEqual({ code: 'UNAUTHORIZED', message: 'Missing access token' });
  });

  it.each([
    ['random text', () => 'not-a-jwt', 'Invalid access token'],
    ['a truncated token', () => alice.token.slice(0, -5), 'Invalid access token'],
    ['three empty parts', () => '..', 'Invalid access token'],
    ['a non-string token', () => 12345, 'Missing access token'],
  ])('should refuse a malformed token (%s)', async (_name, make, message) => {
    const error = await refusedHandshake(t, '', { auth: { token: make() } });
    expect(error.data).toEqual({ code: 'UNAUTHORIZED', message });
  });

  it('should refuse a token signed with another secret', async () => {
    const forger = new JwtService({ secret: 'some-other-secret-that-is-also-long-enough-0123456789' });
    const forged = await forger.signAsync(claimsOf(alice.user), { expiresIn: 3600 });
    const error = await refusedHandshake(t, forged);
    expect(error.data).toEqual({ code: 'UNAUTHORIZED', message: 'Invalid access token' });
  });

  it('should refuse an unsigned ("alg": "none") token', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claimsOf(alice.user), exp: nowSeconds() + 3600 })}.`;
    const error = await refusedHandshake(t, unsigned);
    expect(error.data).toEqual({ code: 'UNAUTHORIZED', message: 'Invalid access token' });
  });

  it('should refuse an expired token signed with the real secret', async () => {
    const signer = new JwtService({ secret: t.config.jwtSecret });
    const expired = await signer.signAsync({ ...claimsOf(alice.user), iat: nowSeconds() - 120, exp: nowSeconds() - 60 });
    const error = await refusedHandshake(t, expired);
    expect(error.data).toEqual({ code: 'UNAUTHORIZED', message: 'Access token expired' });
  });

  it('should refuse a valid signature for a user that does not exist', async () => {
    const signer = new JwtService({ secret: t.config.jwtSecret });
    const token = await signer.signAsync({ sub: randomUUID(), username: 'ghost', role: 'admin' }, { expiresIn: 3600 });
    const error = await refusedHandshake(t, token);
    expect(error.data).toEqual({ code: 'UNAUTHORIZED', message: 'Account is disabled or no longer exists' });
  });

  it("should refuse a disabled user's token", async () => {
    const carol = await t.createUser();
    const patched = await t.http('PATCH', `/api/users/${carol.user.id}`, { token: t.adminToken, body: { disabled: true } });
    expect(patched.status).toBe(200);
    const error = await refusedHandshake(t, carol.token);
    expect(error.data).toEqual({ code: 'UNAUTHORIZED', message: 'Account is disabled or no longer exists' });
  });

  it('should tell every open socket of a user who is disabled, then disconnect them', async () => {
    const dave = await t.createUser();
    const bystander = await t.createUser();
    const tabs = [await t.connect(dave.token), await t.connect(dave.token)];
    const other = await t.connect(bystander.token);
    const logs = tabs.map(eventLog);
    const gone = tabs.map((tab) => disconnectedFrom(tab));

    const patched = await t.http('PATCH', `/api/users/${dave.user.id}`, { token: t.adminToken, body: { disabled: true } });
    expect(patched.status).toBe(200);

    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    for (const log of logs) {
      expect(log.items).toEqual([
        ['error', { code: 'UNAUTHORIZED', message: 'Session ended: account disabled' }],
        ['disconnect', 'io server disconnect'],
      ]);
    }
    // Only that user is dropped.
    expect(other.connected).toBe(true);
    expect(await emitWithAck(other, 'join_room', 'general')).toMatchObject({ ok: true });
    expect((await refusedHandshake(t, dave.token)).data?.code).toBe('UNAUTHORIZED');
    other.disconnect();
  });

  it('should drop the sockets of a user whose role changes, and let them reconnect with the same token', async () => {
    const erin = await t.createUser('staff');
    const socket = await t.connect(erin.token);
    const log = eventLog(socket);
    const gone = disconnectedFrom(socket);
    expect((await t.http('PATCH', `/api/users/${erin.user.id}`, { token: t.adminToken, body: { role: 'admin' } })).status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    expect(log.items[0]).toEqual(['error', { code: 'UNAUTHORIZED', message: 'Session ended: role changed' }]);
    // The role is read from the database at the handshake, so the old token still works.
    expect(await joinedAs(erin.token)).toMatchObject({ ok: true });
  });

  it('should end a connected socket when its token expires', async () => {
    const signer = new JwtService({ secret: t.config.jwtSecret });
    const shortLived = await signer.signAsync({ ...claimsOf(alice.user), exp: nowSeconds() + 2 });
    const socket = await t.connect(shortLived);
    const log = eventLog(socket);
    expect(await disconnectedFrom(socket, 5000)).toBe('io server disconnect');
    expect(log.items).toEqual([
      ['error', { code: 'UNAUTHORIZED', message: 'Access token expired' }],
      ['disconnect', 'io server disconnect'],
    ]);
  });

  it('should neither count nor keep a connection for a refused handshake', async () => {
    type Stats = { activeConnections: number; totalConnections: number };
    const stats = async () => (await t.http<Stats>('GET', '/api/admin/stats', { token: t.adminToken })).body;
    await eventually(async () => (await stats()).activeConnections === 0);
    const before = await stats();
    for (let i = 0; i < 5; i++) await refusedHandshake(t, 'not-a-jwt');
    expect(await stats()).toMatchObject({ activeConnections: 0, totalConnections: before.totalConnections });
  });
});
