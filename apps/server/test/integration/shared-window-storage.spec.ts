import { RedisClients } from '../../src/cluster/redis-clients.js';
import { SharedWindowStorage } from '../../src/common/shared-window-storage.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../support/cluster-helpers.js';

const MINUTE = 60_000;

describe(SharedWindowStorage.name, () => {
  const prefix = uniquePrefix('shared-window-storage');
  const config = { url: TEST_REDIS_URL, keyPrefix: prefix, heartbeatMs: 5000 };
  let one: RedisClients;
  let other: RedisClients;

  beforeAll(async () => {
    one = new RedisClients(config);
    other = new RedisClients(config);
    await Promise.all([one.connect(), other.connect()]);
  });
  afterAll(async () => {
    await Promise.all([one.close(), other.close()]);
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  it('should count the hits of two instances against one limit, and say how long until the next one fits', async () => {
    const a = new SharedWindowStorage(one);
    const b = new SharedWindowStorage(other);
    const hits = [];
    for (const storage of [a, b, a]) hits.push(await storage.increment('user:1', MINUTE, 3, MINUTE, 'messages'));
    expect(hits.map((h) => [h.totalHits, h.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    const refused = await b.increment('user:1', MINUTE, 3, MINUTE, 'messages');
    expect(refused).toMatchObject({ totalHits: 4, isBlocked: true });
    // The burst leaves the window when its slice does: within a minute, not before the last 5 s slice of it.
    expect(refused.timeToBlockExpire).toBeGreaterThanOrEqual(55);
    expect(refused.timeToBlockExpire).toBeLessThanOrEqual(60);
    // A refused hit is not counted, and other keys and throttlers are their own.
    expect((await a.increment('user:1', MINUTE, 3, MINUTE, 'messages')).totalHits).toBe(4);
    expect((await a.increment('user:2', MINUTE, 3, MINUTE, 'messages')).isBlocked).toBe(false);
    expect((await a.increment('user:1', MINUTE, 3, MINUTE, 'typing')).isBlocked).toBe(false);
  });

  it('should fall back to this instance’s memory while Redis does not answer, limits still applied', async () => {
    const down = new RedisClients({ ...config, url: 'redis://127.0.0.1:1' });
    await down.connect();
    try {
      const storage = new SharedWindowStorage(down);
      const results = [];
      for (let n = 0; n < 3; n++) results.push(await storage.increment('user:3', MINUTE, 2, MINUTE, 'messages'));
      expect(results.map((r) => r.isBlocked)).toEqual([false, false, true]);
      expect(results[2].timeToBlockExpire).toBeGreaterThan(0);
    } finally {
      await down.close();
    }
  });
});
