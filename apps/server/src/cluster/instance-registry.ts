import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { InstanceStats } from '@chat/contract';
import { REDIS, RedisClients } from './redis-clients.js';

/** What this instance is carrying right now, supplied by the realtime layer. */
export interface InstanceLoad {
  connections: number;
  rooms: number;
  aiRunning: number;
  aiQueued: number;
}

/** Called on one surviving instance (the one that claimed the clean-up) for each instance found dead. */
export type DeadInstanceHandler = (instanceId: string) => Promise<void>;

/** Missed heartbeats after which an instance counts as dead. */
const MISSED_HEARTBEATS = 3;
/** How long a survivor holds the claim to clean up after a dead instance. */
const REAP_CLAIM_MS = 60_000;

/**
 * This instance's identity and heartbeat. With Redis, each instance publishes its snapshot under a
 * key that expires after three missed heartbeats; the others read those for cluster-wide stats, and
 * the first survivor to notice a missing one claims it and runs the dead-instance handlers (its
 * sockets leave presence, its replies end). Without Redis there is only this instance.
 */
@Injectable()
export class InstanceRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InstanceRegistry.name);
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly startedAt = new Date().toISOString();
  private readonly lag = monitorEventLoopDelay({ resolution: 20 });
  private load: () => InstanceLoad = () => ({ connections: 0, rooms: 0, aiRunning: 0, aiQueued: 0 });
  private readonly deadHandlers: DeadInstanceHandler[] = [];
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;

  constructor(@Inject(REDIS) private readonly redis: RedisClients | null) {
    this.lag.enable();
  }

  describe(load: () => InstanceLoad): void {
    this.load = load;
  }

  onInstanceDead(handler: DeadInstanceHandler): void {
    this.deadHandlers.push(handler);
  }

  /** How long until a silent instance's sockets leave presence (heartbeat × 3, plus one sweep). */
  get deadAfterMs(): number {
    return (this.redis?.config.heartbeatMs ?? 0) * MISSED_HEARTBEATS;
  }

  snapshot(): InstanceStats {
    const lagMs = this.lag.count > 0 ? this.lag.mean / 1e6 : 0;
    return { id: this.id, ...this.load(), eventLoopLagMs: Math.round(lagMs * 10) / 10, startedAt: this.startedAt, lastSeenAt: new Date().toISOString() };
  }

  /** Every live instance, this one first and fresh. Falls back to this one alone when Redis does not answer. */
  async instances(): Promise<InstanceStats[]> {
    const own = this.snapshot();
    if (!this.redis) return [own];
    try {
      const ids = (await this.redis.command.smembers(this.redis.key('instances'))).filter((id) => id !== this.id);
      const values = ids.length ? await this.redis.command.mget(ids.map((id) => this.instanceKey(id))) : [];
      const others = values.filter((value): value is string => value !== null).map((value) => JSON.parse(value) as InstanceStats);
      return [own, ...others.sort((a, b) => a.id.localeCompare(b.id))];
    } catch {
      return [own];
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis) return;
    await this.beat();
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = undefined));
    }, this.redis.config.heartbeatMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.lag.disable();
    await this.beating;
    if (!this.redis?.isReady()) return;
    await this.redis.command
      .multi()
      .del(this.instanceKey(this.id))
      .srem(this.redis.key('instances'), this.id)
      .exec()
      .catch(() => undefined);
  }

  /** Publishes this instance's snapshot, then looks for instances that stopped publishing. Never throws. */
  private async beat(): Promise<void> {
    const redis = this.redis!;
    try {
      const snapshot = this.snapshot();
      this.lag.reset();
      const replies = await redis.command
        .multi()
        .set(this.instanceKey(this.id), JSON.stringify(snapshot), 'PX', redis.config.heartbeatMs * MISSED_HEARTBEATS)
        .sadd(redis.key('instances'), this.id)
        .del(redis.key(`reap:${this.id}`))
        .exec();
      // Cut off long enough to be taken for dead, and cleaned up after: what it holds in Redis must be written back.
      if (replies?.[2]?.[1] === 1) {
        this.logger.warn('This instance was taken for dead while Redis could not hear it; re-publishing its state');
        redis.reconnected$.next('command');
      }
      await this.reapDead();
    } catch (error) {
      if (redis.isReady()) this.logger.warn(`Heartbeat failed: ${String(error)}`);
    }
  }

  private async reapDead(): Promise<void> {
    const redis = this.redis!;
    const ids = (await redis.command.smembers(redis.key('instances'))).filter((id) => id !== this.id);
    if (ids.length === 0) return;
    const alive = await redis.command.mget(ids.map((id) => this.instanceKey(id)));
    for (const [index, id] of ids.entries()) {
      if (alive[index] !== null) continue;
      const claimed = await redis.command.set(redis.key(`reap:${id}`), this.id, 'PX', REAP_CLAIM_MS, 'NX');
      if (claimed !== 'OK') continue;
      this.logger.warn(`Instance ${id} stopped sending heartbeats; cleaning up after it`);
      for (const handler of this.deadHandlers) {
        await handler(id).catch((error: unknown) => this.logger.warn(`Cleaning up after ${id} failed: ${String(error)}`));
      }
      await redis.command.srem(redis.key('instances'), id);
    }
  }

  private instanceKey(id: string): string {
    return this.redis!.key(`instance:${id}`);
  }
}
