import Redis from 'ioredis';
import { refusedHandshake } from '../support/realtime-helpers.js';
import { startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import type { TestApp } from '../support/test-app.js';

/** Retries the handshake until the cap has room again (a place is given back asynchronously). */
async function connectOnceFree(app: TestApp, token: string, attempts: number) {
  for (let i = 0; i < attempts; i++) {
    const socket = await app.connect(token).catch(() => null);
    if (socket) return socket;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return null;
}

/** SOCKETS_PER_USER and SOCKETS_PER_ADDRESS count the user's sockets on every instance, not on each. */
describe('two instances: socket caps across the cluster', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTwoInstances('cluster-socket-caps', { SOCKETS_PER_USER: '2', SOCKETS_PER_ADDRESS: '50' });
  });
  afterAll(async () => {
    await cluster.close();
  });

  it('should refuse a third socket of a user holding one on each instance, and free the place on disconnect', async () => {
    const { token } = await cluster.a.createUser();
    const onA = await cluster.a.connect(token);
    const onB = await cluster.b.connect(token);
    expect((await refusedHandshake(cluster.a, token)).data).toMatchObject({ code: 'RATE_LIMITED' });
    expect((await refusedHandshake(cluster.b, token)).data).toMatchObject({ code: 'RATE_LIMITED' });
    expect(onA.connected && onB.connected).toBe(true);

    onA.disconnect();
    // The place comes back once instance A has handled the disconnect.
    const again = await connectOnceFree(cluster.b, token, 30);
    expect(again?.connected).toBe(true);
    again?.disconnect();
    onB.disconnect();
  });

  it('should give back the places a dead instance held', async () => {
    const { user, token } = await cluster.a.createUser();
    const redis = new Redis(cluster.redisUrl);
    try {
      // A socket counted for an instance that stopped heartbeating (crashed without disconnecting).
      const counts = `${cluster.prefix}sockets:user:${user.id}`;
      await redis.hset(counts, 'crashed-instance', '2');
      await redis.sadd(`${cluster.prefix}sockets-index:crashed-instance`, counts);
      expect((await refusedHandshake(cluster.a, token)).data).toMatchObject({ code: 'RATE_LIMITED' });
      await redis.sadd(`${cluster.prefix}instances`, 'crashed-instance');
      const socket = await connectOnceFree(cluster.a, token, 60);
      expect(socket?.connected).toBe(true);
      socket?.disconnect();
    } finally {
      redis.disconnect();
    }
  });
});
