import type { AdminStats, HttpErrorBody } from '@chat/contract';
import { createRoom } from '../support/realtime-helpers.js';
import { emitWithAck, eventually, startTestApp, TestApp } from '../support/test-app.js';

describe('Admin stats and live connections', () => {
  let t: TestApp;

  const stats = async () => {
    const { status, body } = await t.http<AdminStats>('GET', '/api/admin/stats', { token: t.adminToken });
    expect(status).toBe(200);
    return body;
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should count open sockets and rooms with someone in them', async () => {
    const alice = await t.createUser();
    const bob = await t.createUser();
    const roomA = (await createRoom(t, t.adminToken, { id: 'stats-a', name: 'Stats A', visibility: 'public' })).id;
    const roomB = (await createRoom(t, t.adminToken, { id: 'stats-b', name: 'Stats B', visibility: 'public' })).id;

    const initial = await stats();
    expect(initial).toEqual({
      activeConnections: 0,
      totalConnections: 0,
      rooms: 3,
      activeRooms: 0,
      messagesPerMinute: 0,
      uptimeSeconds: expect.any(Number),
      // Without Redis the breakdown is this instance alone.
      instances: [expect.objectContaining({ id: expect.any(String), connections: 0, rooms: 0, aiRunning: 0, aiQueued: 0 })],
    });

    const sockets = [await t.connect(alice.token), await t.connect(alice.token), await t.connect(bob.token)];
    expect(await stats()).toMatchObject({ activeConnections: 3, totalConnections: 3, activeRooms: 0 });

    await emitWithAck(sockets[0], 'join_room', roomA);
    await emitWithAck(sockets[1], 'join_room', roomA);
    await emitWithAck(sockets[2], 'join_room', roomB);
    await emitWithAck(sockets[2], 'send_message', { roomId: roomB, content: 'counted' });
    expect(await stats()).toMatchObject({ activeConnections: 3, activeRooms: 2, rooms: 3, messagesPerMinute: 1 });
    expect((await stats()).instances).toEqual([expect.objectContaining({ connections: 3, rooms: 2 })]);

    sockets[2].disconnect();
    await eventually(async () => (await stats()).activeConnections === 2);
    expect(await stats()).toMatchObject({ activeConnections: 2, totalConnections: 3, activeRooms: 1 });

    await emitWithAck(sockets[0], 'leave_room', roomA);
    // Alice's other tab is still in the room.
    expect(await stats()).toMatchObject({ activeConnections: 2, activeRooms: 1 });
    sockets[1].disconnect();
    await eventually(async () => (await stats()).activeConnections === 1);
    expect(await stats()).toMatchObject({ activeConnections: 1, activeRooms: 0 });

    sockets[0].disconnect();
    await eventually(async () => (await stats()).activeConnections === 0);
    expect(await stats()).toMatchObject({ activeConnections: 0, totalConnections: 3, activeRooms: 0 });
  });

  it('should refuse staff with 403 FORBIDDEN and anonymous callers with 401', async () => {
    const staff = await t.createUser('staff');
    const forbidden = await t.http<HttpErrorBody>('GET', '/api/admin/stats', { token: staff.token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    const anonymous = await t.http<HttpErrorBody>('GET', '/api/admin/stats');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
  });
});
