import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ErrorCode } from '@chat/contract';
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

  constructor(
    private readonly messages: MessagesRepository,
    private readonly events: DomainEvents,
  ) {}

  /** Replies a crashed or killed instance left `streaming` are ended now, and then checked for periodically. */
  async onApplicationBootstrap(): Promise<void> {
    await this.recoverAbandonedReplies();
    this.timer = setInterval(() => void this.keepRepliesAlive(), HEARTBEAT_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  started(messageId: string): void {
    this.alive.add(messageId);
  }

  finished(messageId: string): void {
    this.alive.delete(messageId);
  }

  async recoverAbandonedReplies(): Promise<number> {
    const ended = await this.messages.endAbandonedReplies(ABANDONED_AFTER_MS, `⚠️ ${ABANDONED_NOTE}`, ErrorCode.AI_UNAVAILABLE);
    for (const message of ended) this.events.emit('ai.ended', { message });
    if (ended.length > 0) this.logger.warn(`Ended ${ended.length} reply(ies) left streaming by a stopped instance`);
    return ended.length;
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
