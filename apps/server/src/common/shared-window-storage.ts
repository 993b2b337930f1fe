import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisClients } from '../cluster/redis-clients.js';
import { SLICES, SlidingWindowStorage } from './sliding-window-storage.js';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

// The same sliding window as SlidingWindowStorage, as one hash of slice → hits per key, updated
// atomically. Redis's clock is the only one used, so instances whose clocks differ still agree.
// KEYS: the counter; ARGV: ttl ms, limit, slices. Returns {hits, timeToExpire s, blocked 0|1, wait ms}.
const INCREMENT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl, limit, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local sliceMs = ttl / n
local current = math.floor(now / sliceMs)
local data = redis.call('HGETALL', KEYS[1])
local hits, slices = 0, {}
for i = 1, #data, 2 do
  local slice, count = tonumber(data[i]), tonumber(data[i + 1])
  if slice <= current - n then redis.call('HDEL', KEYS[1], data[i]) else
    hits = hits + count
    slices[#slices + 1] = { slice, count }
  end
end
table.sort(slices, function(a, b) return a[1] < b[1] end)
local oldest = current
if #slices > 0 and slices[1][1] < current then oldest = slices[1][1] end
local timeToExpire = math.ceil(((oldest + n) * sliceMs - now) / 1000)
if hits + 1 > limit then
  local remaining, wait = hits, ttl
  for _, entry in ipairs(slices) do
    remaining = remaining - entry[2]
    if remaining + 1 <= limit then wait = (entry[1] + n) * sliceMs - now break end
  end
  return { hits + 1, timeToExpire, 1, math.ceil(wait) }
end
redis.call('HINCRBY', KEYS[1], current, 1)
redis.call('PEXPIRE', KEYS[1], math.ceil(ttl + sliceMs))
return { hits + 1, timeToExpire, 0, 0 }`;

/**
 * @nestjs/throttler's storage shared by every instance: every limit that goes through the storage
 * (messages, typing, REST, login, the assistant, and any added later) counts once per user for the
 * whole cluster. When Redis does not answer it fails open to per-instance limits: each instance
 * counts in its own memory until Redis is back, so a user gets at most one budget per instance
 * during an outage, and nobody is refused because Redis is down.
 */
export class SharedWindowStorage implements ThrottlerStorage {
  private readonly logger = new Logger(SharedWindowStorage.name);
  private readonly fallback = new SlidingWindowStorage();
  private degraded = false;

  constructor(private readonly redis: RedisClients) {
    this.redis.command.defineCommand('rateIncrement', { numberOfKeys: 1, lua: INCREMENT });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const command = this.redis.command as unknown as { rateIncrement(key: string, ...args: number[]): Promise<number[]> };
    try {
      const [totalHits, timeToExpire, blocked, waitMs] = await command.rateIncrement(this.redis.key(`rate:${throttlerName}:${key}`), ttl, limit, SLICES);
      this.degraded = false;
      return { totalHits, timeToExpire, isBlocked: blocked === 1, timeToBlockExpire: blocked === 1 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0 };
    } catch (error) {
      if (!this.degraded) this.logger.warn(`Rate limits are per instance until Redis answers again: ${String(error)}`);
      this.degraded = true;
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }
}
