import { DataSource } from 'typeorm';
import type { UserAdminView } from '@chat/contract';
import { UpstreamLimiter } from '../../src/llm/upstream-limiter.js';
import { createRoom } from '../support/realtime-helpers.js';
import { emitWithAck, startTestApp, TestApp } from '../support/test-app.js';

describe('Policy gaps (audit point 11)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_LOGIN_PER_MINUTE: '1000', RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should not make an admin who enters a private room a member, so demotion ends their access', async () => {
    const owner = await t.createUser();
    const room = await createRoom(t, owner.token, { name: 'board', visibility: 'private' });
    const admin = await t.createUser('admin');
    const socket = await t.connect(admin.token);
    expect(await emitWithAck(socket, 'join_room', room.id)).toMatchObject({ ok: true });
    expect(await emitWithAck(socket, 'send_message', { roomId: room.id, content: 'admin was here' })).toMatchObject({ ok: true });
    const rows = await t.app.get(DataSource).query('SELECT user_id FROM room_members WHERE room_id = $1', [room.id]);
    expect(rows).toEqual([{ user_id: owner.user.id }]);

    expect((await t.http('PATCH', `/api/users/${admin.user.id}`, { token: t.adminToken, body: { role: 'staff' } })).status).toBe(200);
    const again = await t.login(admin.user.username, admin.password);
    expect((await t.http('GET', `/api/rooms/${room.id}`, { token: again.accessToken })).status).toBe(403);
    expect((await t.http('GET', `/api/rooms/${room.id}/messages`, { token: again.accessToken })).status).toBe(403);
  });

  it('should refuse to let the last owner leave, and let them once another owner exists', async () => {
    const owner = await t.createUser();
    const other = await t.createUser();
    const room = await createRoom(t, owner.token, { name: 'owned', visibility: 'private' });
    expect(await t.http('DELETE', `/api/rooms/${room.id}/members/${owner.user.id}`, { token: owner.token })).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    expect((await t.http('PUT', `/api/rooms/${room.id}/members/${other.user.id}`, { token: owner.token, body: { role: 'owner' } })).status).toBe(200);
    expect((await t.http('DELETE', `/api/rooms/${room.id}/members/${owner.user.id}`, { token: owner.token })).status).toBe(204);
  });

  it('should refuse to let the last owner step down to member, and let them once another owner exists', async () => {
    const owner = await t.createUser();
    const other = await t.createUser();
    const room = await createRoom(t, owner.token, { name: 'stepping down', visibility: 'private' });
    const demote = () => t.http('PUT', `/api/rooms/${room.id}/members/${owner.user.id}`, { token: owner.token, body: { role: 'member' } });
    expect(await demote()).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    const rows = await t.app.get(DataSource).query(`SELECT user_id FROM room_members WHERE room_id = $1 AND role = 'owner'`, [room.id]);
    expect(rows).toEqual([{ user_id: owner.user.id }]);
    expect((await t.http('PUT', `/api/rooms/${room.id}/members/${other.user.id}`, { token: owner.token, body: { role: 'owner' } })).status).toBe(200);
    expect((await demote()).status).toBe(200);
  });

  it('should refuse an admin disabling themself, and demoting or disabling the last admin', async () => {
    const me = await t.http<UserAdminView>('GET', '/api/auth/me', { token: t.adminToken });
    expect(await t.http('PATCH', `/api/users/${me.body.id}`, { token: t.adminToken, body: { disabled: true } })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // Every other admin made by this file was demoted above: this one is the last.
    expect(await t.http('PATCH', `/api/users/${me.body.id}`, { token: t.adminToken, body: { role: 'staff' } })).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    const deputy = await t.createUser('admin');
    expect(await t.http('PATCH', `/api/users/${deputy.user.id}`, { token: deputy.token, body: { disabled: true } })).toMatchObject({ status: 403 });
    expect((await t.http('PATCH', `/api/users/${deputy.user.id}`, { token: t.adminToken, body: { disabled: true } })).status).toBe(200);
    expect(await t.http('PATCH', `/api/users/${me.body.id}`, { token: t.adminToken, body: { role: 'staff' } })).toMatchObject({ status: 409 });
    expect((await t.http('GET', '/api/auth/me', { token: t.adminToken })).body).toMatchObject({ role: 'admin' });
  });

  it("should give each user a fair share of the assistant's line", () => {
    const limiter = new UpstreamLimiter(1, 4, 2);
    const first = limiter.reserve('alice');
    limiter.reserve('alice');
    expect(() => limiter.reserve('alice')).toThrow(expect.objectContaining({ code: 'AI_BUSY' }));
    // Others still get in: the line has room, only alice's share is used up.
    limiter.reserve('bob');
    limiter.reserve('carol');
    first.release();
    limiter.reserve('alice');
    expect(limiter.load()).toEqual({ running: 1, waiting: 3 });
  });
});
