import type { InstanceRegistry } from '../cluster/instance-registry.js';
import type { RedisClients } from '../cluster/redis-clients.js';

/**
 * Open sockets per key (a user, an address): in memory on one instance, in Redis across several.
 */
export abstract class ConnectionQuota {
  /** Takes a place under `key` when fewer than `limit` are held; false when it is full. */
  abstract acquire(key: string, limit: number): Promise<boolean>;
  abstract release(key: string): Promise<void>;
}

export class MemoryConnectionQuota extends ConnectionQuota {
  private readonly held = new Map<string, number>();

  async acquire(key: string, limit: number): Promise<boolean> {
    const count = this.held.get(key) ?? 0;
    if (count >= limit) return false;
    this.held.set(key, count + 1);
    return true;
  }

  async release(key: string): Promise<void> {
    const count = (this.held.get(key) ?? 1) - 1;
    if (count > 0) this.held.set(key, count);
    else this.held.delete(key);
  }

  /** Keys held, for leak checks. */
  size(): number {
    return this.held.size;
  }
}

// KEYS: the key's counts per instance (hash), this instance's index of keys (set).
// ARGV: instance id, limit. Takes a place when the instances' counts sum below the limit.
const ACQUIRE = `
local total = 0
for _, count in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(count) end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[2], KEYS[1])
return 1`;

// Same KEYS and instance id: gives a place back, dropping the field at zero.
const RELEASE = `
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then redis.call('SREM', KEYS[2], KEYS[1]) end
return 1`;

type QuotaCommands = {
  quotaAcquire(key: string, index: string, instanceId: string, limit: number): Promise<number>;
  quotaRelease(key: string, index: string, instanceId: string): Promise<number>;
};

/**
 * The caps across every instance: each instance counts its own sockets under the key in Redis, and
 * a place is taken only while the instances' counts sum below the limit. A dead instance's counts
 * are removed by the survivor that reaps it. When Redis does not answer, this instance counts
 * alone (the cap then holds per instance, as without Redis), and gives those places back locally.
 */
export class SharedConnectionQuota extends ConnectionQuota {
  private readonly local = new MemoryConnectionQuota();
  /** Places taken locally while Redis was unreachable, by key. */
  private readonly heldLocally = new Map<string, number>();

  constructor(
    private readonly redis: RedisClients,
    private readonly registry: InstanceRegistry,
  ) {
    super();
    this.redis.command.defineCommand('quotaAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    this.redis.command.defineCommand('quotaRelease', { numberOfKeys: 2, lua: RELEASE });
    this.registry.onInstanceDead((id) => this.removeInstance(id));
  }

  async acquire(key: string, limit: number): Promise<boolean> {
    try {
      return (await this.commands().quotaAcquire(this.countsKey(key), this.indexKey(this.registry.id), this.registry.id, limit)) === 1;
    } catch {
      if (!(await this.local.acquire(key, limit))) return false;
      this.heldLocally.set(key, (this.heldLocally.get(key) ?? 0) + 1);
      return true;
    }
  }

  async release(key: string): Promise<void> {
    const local = this.heldLocally.get(key);
    if (local) {
      if (local > 1) this.heldLocally.set(key, local - 1);
      else this.heldLocally.delete(key);
      return this.local.release(key);
    }
    await this.commands()
      .quotaRelease(this.countsKey(key), this.indexKey(this.registry.id), this.registry.id)
      .catch(() => undefined);
  }

  private async removeInstance(instanceId: string): Promise<void> {
    const index = this.indexKey(instanceId);
    const keys = await this.redis.command.smembers(index);
    const pipeline = this.redis.command.pipeline();
    for (const key of keys) pipeline.hdel(key, instanceId);
    await pipeline.del(index).exec();
  }

  private commands(): QuotaCommands {
    return this.redis.command as unknown as QuotaCommands;
  }

  private countsKey(key: string): string {
    return this.redis.key(`sockets:${key}`);
  }

  private indexKey(instanceId: string): string {
    return this.redis.key(`sockets-index:${instanceId}`);
  }
}
