import { Redis } from 'ioredis';
import type { AdminStats, RoomMemberView } from '@chat/contract';
import { InstanceRegistry } from '../../src/cluster/instance-registry.js';
import { createRoom } from '../support/realtime-helpers.js';
import { startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import { emitWithAck, eventually, startTestApp } from '../support/test-app.js';

describe('two instances: admin stats and health', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTwoInstances('cluster-admin-health');
  });
  afterAll(async () => {
    await cluster.close();
  });

  const stats = async (via = cluster.a) => (await via.http<AdminStats>('GET', '/api/admin/stats', { token: via.adminToken })).body;

  it('should count connections and active rooms of both instances, with a per-instance breakdown', async () => {
    const { token } = await cluster.a.createUser();
    const roomA = (await createRoom(cluster.a, token, { id: 'stats-one', name: 'One', visibility: 'public' })).id;
    const roomB = (await createRoom(cluster.a, token, { id: 'stats-two', name: 'Two', visibility: 'public' })).id;
    const sockets = [await cluster.a.connect(token), await cluster.b.connect(token), await cluster.b.connect(token)];
    await emitWithAck(sockets[0], 'join_room', roomA);
    await emitWithAck(sockets[1], 'join_room', roomB);
    await emitWithAck(sockets[2], 'join_room', roomB);

    // Instance snapshots are refreshed every heartbeat (200 ms here).
    const settled = async (via: typeof cluster.a) => {
      const { instances } = await stats(via);
      return instances.length === 2 && instances.every((i) => i.rooms === 1) && instances.some((i) => i.connections === 1);
    };
    await eventually(async () => (await settled(cluster.a)) && (await settled(cluster.b)), 3000);
    for (const via of [cluster.a, cluster.b]) {
      const body = await stats(via);
      expect(body.activeConnections).toBe(3);
      expect(body.activeRooms).toBe(2);
      expect(body.instances).toHaveLength(2);
      expect(body.instances.map((i) => i.connections).sort()).toEqual([1, 2]);
      for (const instance of body.instances) {
        expect(instance).toEqual({
          id: expect.any(String),
          connections: expect.any(Number),
          rooms: 1,
          eventLoopLagMs: expect.any(Number),
          aiRunning: 0,
          aiQueued: 0,
          startedAt: expect.any(String),
          lastSeenAt: expect.any(String),
        });
      }
    }
    expect(new Set((await stats()).instances.map((i) => i.id)).size).toBe(2);
    for (const socket of sockets) socket.disconnect();
    await eventually(async () => (await stats()).activeRooms === 0);
  });

  it('should write its presence back when it was taken for dead and cleaned up after while still alive', async () => {
    const { user, token } = await cluster.a.createUser();
    const room = (await createRoom(cluster.a, token, { id: 'taken-for-dead', name: 'Taken for dead', visibility: 'public' })).id;
    const socket = await cluster.a.connect(token);
    await emitWithAck(socket, 'join_room', room);
    const online = async () => (await cluster.b.http<RoomMemberView[]>('GET', `/api/rooms/${room}/members`, { token })).body.find((m) => m.userId === user.id)?.online;
    expect(await online()).toBe(true);

    // What a survivor does to an instance it took for dead: claim it and remove its sockets.
    const redis = new Redis(cluster.redisUrl);
    try {
      const id = cluster.a.app.get(InstanceRegistry).id;
      for (const key of await redis.keys(`${cluster.prefix}presence:*`)) await redis.del(key);
      expect(await online()).toBe(false);
      await redis.set(`${cluster.prefix}reap:${id}`, 'a survivor', 'PX', 60_000);
      await eventually(async () => (await online()) === true, 3000);
    } finally {
      redis.disconnect();
      socket.disconnect();
    }
  });

  it('should report Redis in /health/ready', async () => {
    const ready = await cluster.b.http<{ status: string; info: Record<string, { status: string }> }>('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
  });

  it('should answer 503 naming Redis when it is unreachable, while /health/live stays 200', async () => {
    // Nothing listens on port 1.
    const t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_KEY_PREFIX: 'test:unreachable:' });
    try {
      const ready = await t.http<{ status: string; error: Record<string, { status: string; message: string }> }>('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.redis).toMatchObject({ status: 'down', message: expect.any(String) });
      expect((await t.http('GET', '/health/live')).status).toBe(200);
      // The instance still serves its own clients.
      const { token } = await t.createUser();
      const socket = await t.connect(token);
      expect(await emitWithAck(socket, 'join_room', 'general')).toMatchObject({ ok: true });
      expect(await emitWithAck(socket, 'send_message', { roomId: 'general', content: 'alone' })).toMatchObject({ ok: true });
    } finally {
      await t.close();
    }
  });
});
