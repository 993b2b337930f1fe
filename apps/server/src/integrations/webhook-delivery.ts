import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subscription } from 'rxjs';
import type { ChatMessage, WebhookBody, WebhookEvent } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { DomainEvents } from '../common/domain-events.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { ChangesService } from './changes.service.js';
import { postWebhook } from './webhook-sender.js';
import { HookTarget, NewDelivery, WebhooksRepository } from './webhooks.repository.js';

/** Reads the whole feed for the dispatcher: every room (the admin rule), no key limits. */
const FEED_READER: AuthUser = { id: '00000000-0000-0000-0000-000000000000', username: 'webhooks', displayName: 'Webhooks', role: 'admin' };
const DISPATCH_BATCH = 200;
const CLAIM_BATCH = 10;

export function webhookBody(type: WebhookBody['type'], eventId: string, createdAt: Date, data: WebhookBody['data']): string {
  const body: WebhookBody = { id: eventId, type, createdAt: createdAt.toISOString(), data };
  return JSON.stringify(body);
}

function matches(hook: HookTarget, type: WebhookEvent, roomId: string, at: Date): boolean {
  return hook.events.includes(type) && (hook.roomId === null || hook.roomId === roomId) && hook.createdAt <= at;
}

/**
 * Turns changes into queued deliveries and sends what is due. Message events come from the changes
 * feed (through a cursor stored with the deliveries, so none is queued twice or skipped, whichever
 * instance dispatches); `ai.reply.completed` is queued by the instance that ran the reply. Every
 * instance sends; claims keep each delivery on one of them at a time.
 */
@Injectable()
export class WebhookDelivery implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDelivery.name);
  private readonly subscription = new Subscription();
  private timer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly hooks: WebhooksRepository,
    private readonly changes: ChangesService,
    private readonly events: DomainEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription.add(
      this.events.onLocal('ai.ended').subscribe(({ message }) => {
        if (message.status === 'complete') void this.queueReply(message).catch((error: unknown) => this.logger.error({ err: error }, 'Queueing ai.reply.completed failed'));
      }),
    );
    this.schedule();
    // The delivery log is kept as long as the changes feed; every instance prunes (idempotent).
    this.pruneTimer = setInterval(() => void this.prune(), 60 * 60_000);
    this.pruneTimer.unref();
  }

  async prune(): Promise<number> {
    try {
      return await this.hooks.pruneFinished(this.config.integrations.changesRetentionDays);
    } catch (error) {
      this.logger.warn(`Pruning webhook deliveries failed: ${String(error)}`);
      return 0;
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pruneTimer);
    this.subscription.unsubscribe();
    // Sends in flight finish (each is bounded by the timeout); an unfinished one would be retried after its lease anyway.
    await this.running;
  }

  /** One round: queue new changes, then send what is due. Exposed for tests that cannot wait for the timer. */
  async tick(): Promise<void> {
    await this.dispatchChanges();
    await this.sendDue();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.logger.warn(`Webhook round failed: ${String(error)}`))
        .finally(() => this.schedule());
    }, this.config.integrations.webhookPollMs);
    this.timer.unref();
  }

  private async dispatchChanges(): Promise<void> {
    for (let more = true; more && !this.stopped; ) {
      more = false;
      await this.hooks.withDispatchCursor(async (manager, cursor) => {
        const { changes, next, hasMore } = await this.changes.readAfter(FEED_READER, cursor, DISPATCH_BATCH, manager);
        const targets = changes.length > 0 ? await this.hooks.enabledTargets(manager) : [];
        const deliveries: NewDelivery[] = [];
        // With no hook to send to, no body is built (the cursor still moves past the changes).
        for (const change of targets.length > 0 ? changes : []) {
          const eventId = randomUUID();
          const body = webhookBody(change.type, eventId, change.at, { roomId: change.roomId, message: change.message });
          for (const hook of targets) if (matches(hook, change.type, change.roomId, change.at)) deliveries.push({ webhookId: hook.id, eventId, type: change.type, body });
        }
        await this.hooks.enqueue(deliveries, manager);
        more = hasMore;
        return next;
      });
    }
  }

  private async queueReply(message: ChatMessage): Promise<void> {
    const at = new Date();
    const eventId = randomUUID();
    const body = webhookBody('ai.reply.completed', eventId, at, { roomId: message.roomId, message });
    const targets = (await this.hooks.enabledTargets()).filter((hook) => matches(hook, 'ai.reply.completed', message.roomId, at));
    await this.hooks.enqueue(targets.map((hook) => ({ webhookId: hook.id, eventId, type: 'ai.reply.completed', body })));
  }

  private async sendDue(): Promise<void> {
    const { webhookTimeoutMs, webhookRetryScheduleMs, webhookAllowPrivate } = this.config.integrations;
    for (;;) {
      if (this.stopped) return;
      const claimed = await this.hooks.claimDue(CLAIM_BATCH, webhookTimeoutMs + 5000);
      if (claimed.length === 0) return;
      await Promise.all(
        claimed.map(async (delivery) => {
          const at = new Date().toISOString();
          const outcome = await postWebhook(delivery, delivery, { timeoutMs: webhookTimeoutMs, allowPrivate: webhookAllowPrivate });
          const attempt = { at, ...outcome };
          if (outcome.error === null) return this.hooks.recordAttempt(delivery.id, attempt, { delivered: true });
          // attemptsBefore 0 → the first retry waits schedule[0]; past the end of the schedule the delivery has failed.
          const retryInMs = webhookRetryScheduleMs[delivery.attemptsBefore] ?? null;
          await this.hooks.recordAttempt(delivery.id, attempt, { delivered: false, retryInMs });
          if (retryInMs !== null) return;
          const reason = `Delivery ${delivery.id} failed ${delivery.attemptsBefore + 1} times (last: ${outcome.error})`;
          if (await this.hooks.disable(delivery.webhookId, reason)) {
            this.logger.warn({ webhookId: delivery.webhookId }, `Webhook disabled: ${reason}`);
            this.events.emit('webhook.disabled', { ownerId: delivery.ownerId, webhookId: delivery.webhookId, url: delivery.url, reason });
          }
        }),
      );
    }
  }
}
