import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { ErrorCode } from '@chat/contract';
import { InstanceRegistry } from '../cluster/instance-registry.js';
import { REDIS, RedisClients } from '../cluster/redis-clients.js';
import { DomainEvents } from '../common/domain-events.js';
import { MessagesRepository } from '../messages/messages.repository.js';

/** Running replies are marked alive this often; one not marked for ABANDONED_AFTER_MS lost its instance. */
export const HEARTBEAT_MS = 10_000;
export const ABANDONED_AFTER_MS = 45_000;
export const ABANDONED_NOTE = 'The server stopped before this answer was finished.';

/**
 * Keeps this instance's streaming replies marked alive, and ends replies that stopped being kept
 * alive (their instance died): status `error` with the text they had, and `ai_stream_end` to anyone
 * still watching. Safe with several instances, because a live instance refreshes its replies'
 * heartbeat far more often than the cut-off.
 */
@Injectable()
export class ReplyHousekeeping implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReplyHousekeeping.name);
  /** Ids of replies streaming on this instance. */
  private readonly alive = new Set<string>();
  private timer?: NodeJS.Timeout;
  /** Text of replies streaming on any instance, as their deltas went by: kept if their instance dies. */
  private readonly seen = new Map<string, string>();
  private readonly subscription = new Subscription();

  constructor(
    private readonly messages: MessagesRepository,
    private readonly events: DomainEvents,
    private readonly registry: InstanceRegistry,
    @Inject(REDIS) private readonly redis: RedisClients | null,
  ) {
    if (!redis) return;
    this.subscription.add(this.events.on('ai.delta').subscribe(({ messageId, delta }) => this.seen.set(messageId, (this.seen.get(messageId) ?? '') + delta)));
    this.subscription.add(this.events.on('ai.ended').subscribe(({ message }) => this.seen.delete(message.id)));
    // With Redis a dead instance is noticed within a few heartbeats, far sooner than ABANDONED_AFTER_MS.
    registry.onInstanceDead((id) => this.endRepliesOf(id));
  }

  /** Replies a crashed or killed instance left `streaming` are ended now, and then checked for periodically. */
  async onApplicationBootstrap(): Promise<void> {
    await this.recoverAbandonedReplies();
    this.timer = setInterval(() => void this.keepRepliesAlive(), HEARTBEAT_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.subscription.unsubscribe();
  }

  started(messageId: string): void {
    this.alive.add(messageId);
    void this.redis?.command.sadd(this.repliesKey(this.registry.id), messageId).catch(() => undefined);
  }

  finished(messageId: string): void {
    this.alive.delete(messageId);
    void this.redis?.command.srem(this.repliesKey(this.registry.id), messageId).catch(() => undefined);
  }

  /** The replies a dead instance was streaming end as `error` with the text seen so far; every instance's clients get ai_stream_end. */
  async endRepliesOf(instanceId: string): Promise<void> {
    const key = this.repliesKey(instanceId);
    const ids = await this.redis!.command.smembers(key);
    const ended = await this.messages.endRepliesWithText(
      ids.map((id) => ({ id, text: this.seen.get(id) ?? '' })),
      `⚠️ ${ABANDONED_NOTE}`,
      ErrorCode.AI_UNAVAILABLE,
    );
    for (const message of ended) this.events.emit('ai.ended', { message });
    if (ended.length > 0) this.logger.warn(`Ended ${ended.length} reply(ies) of stopped instance ${instanceId}`);
    await this.redis!.command.del(key);
  }

  async recoverAbandonedReplies(): Promise<number> {
    const ended = await this.messages.endAbandonedReplies(ABANDONED_AFTER_MS, `⚠️ ${ABANDONED_NOTE}`, ErrorCode.AI_UNAVAILABLE);
    for (const message of ended) this.events.emit('ai.ended', { message });
    if (ended.length > 0) this.logger.warn(`Ended ${ended.length} reply(ies) left streaming by a stopped instance`);
    return ended.length;
  }

  private repliesKey(instanceId: string): string {
    return this.redis!.key(`replies:${instanceId}`);
  }

  /** Marks this instance's running replies alive (one query for all, not a write per token), then sweeps. Never throws. */
  async keepRepliesAlive(): Promise<void> {
    try {
      await this.messages.heartbeat([...this.alive]);
      await this.recoverAbandonedReplies();
    } catch (error) {
      this.logger.warn(`Reply housekeeping failed: ${String(error)}`);
    }
  }
}
