import { DataSource } from 'typeorm';
import type { AdminStats, HttpErrorBody } from '@chat/contract';
import { ISO_8601 } from '../support/patterns.js';
import { emitWithAck, eventually, startTestApp, TestApp } from '../support/test-app.js';

describe('AdminController', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const stats = async () => {
    const response = await t.http<AdminStats>('GET', '/api/admin/stats', { token: t.adminToken });
    expect(response.status).toBe(200);
    return response.body;
  };

  it('should answer the stats in the contract shape to an admin', async () => {
    expect(await stats()).toEqual({
      activeConnections: 0,
      totalConnections: 0,
      rooms: 1,
      activeRooms: 0,
      messagesPerMinute: 0,
      uptimeSeconds: expect.any(Number),
      instances: [
        {
          id: expect.any(String),
          connections: 0,
          rooms: 0,
          eventLoopLagMs: expect.any(Number),
          aiRunning: 0,
          aiQueued: 0,
          startedAt: expect.stringMatching(ISO_8601),
          lastSeenAt: expect.stringMatching(ISO_8601),
        },
      ],
    });
  });

  it('should answer 403 FORBIDDEN to staff', async () => {
    const { token } = await t.createUser('staff');
    const response = await t.http<HttpErrorBody>('GET', '/api/admin/stats', { token });
    expect(response).toEqual({ status: 403, body: { statusCode: 403, code: 'FORBIDDEN', message: 'This needs the admin role' } });
  });

  it('should count the messages stored in the last minute only', async () => {
    const { token } = await t.createUser('staff');
    for (const content of ['one', 'two', 'three']) {
      expect((await t.http('POST', '/api/rooms/general/messages', { token, body: { content } })).status).toBe(201);
    }
    expect((await stats()).messagesPerMinute).toBe(3);

    await t.app.get(DataSource).query(`UPDATE messages SET created_at = now() - interval '2 minutes' WHERE content = 'one'`);
    expect((await stats()).messagesPerMinute).toBe(2);
  });

  it('should count rooms, connections and rooms with someone in them', async () => {
    const { token } = await t.createUser('staff');
    expect((await t.http('POST', '/api/rooms', { token, body: { id: 'stats-room', name: 'Stats', visibility: 'public' } })).status).toBe(201);
    const socket = await t.connect(token);
    expect((await emitWithAck(socket, 'join_room', 'stats-room')).ok).toBe(true);

    expect(await stats()).toMatchObject({ rooms: 2, activeConnections: 1, totalConnections: 1, activeRooms: 1 });

    socket.disconnect();
    await eventually(async () => (await stats()).activeConnections === 0);
    expect(await stats()).toMatchObject({ rooms: 2, activeConnections: 0, totalConnections: 1, activeRooms: 0 });
  });
});
