import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Response } from 'express';
import { Subject, Subscription } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { CHANGES_PAGE_DEFAULT, ErrorCode } from '@chat/contract';
import type { ChangeEntry, ChangesPage } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { DomainEvents } from '../common/domain-events.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { ChangesRepository, FeedPosition, positionBefore, StoredChange } from './changes.repository.js';

const CURSOR_PATTERN = /^(\d{1,19})_(\d{1,19})$/;
const PRUNE_EVERY_MS = 60 * 60_000;
const STREAM_PAGE = 200;

export const encodeCursor = (p: FeedPosition) => `${p.txId}_${p.id}`;
const compare = (a: FeedPosition, b: FeedPosition) => (a.txId !== b.txId ? (a.txId < b.txId ? -1 : 1) : a.id === b.id ? 0 : a.id < b.id ? -1 : 1);

const toEntry = (change: StoredChange): ChangeEntry => ({ cursor: encodeCursor(change.position), type: change.type, roomId: change.roomId, message: change.message });

/** Re-authenticates a long-lived stream's caller (revoked key, signed out, disabled, expired all end it). */
export type Reauthenticate = () => Promise<AuthUser>;

/**
 * The changes feed (`GET /api/changes`) and its live form (`GET /api/events`, Server-Sent Events).
 * Both read the PostgreSQL outbox, so every instance serves the same feed; the stream is woken by
 * new-message events from any instance (the cluster bus) and polls besides, since edits and deletes
 * written by other code paths reach the outbox without an event.
 */
@Injectable()
export class ChangesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ChangesService.name);
  private readonly wake$ = new Subject<void>();
  private readonly subscription = new Subscription();
  private readonly openStreams = new Set<Response>();
  /** Open streams per caller (key or user) on this instance, capped like sockets (SOCKETS_PER_USER). */
  private readonly streamsByCaller = new Map<string, number>();
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly repository: ChangesRepository,
    private readonly events: DomainEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.subscription.add(this.events.on('message.created').subscribe(() => this.wake$.next()));
    this.subscription.add(this.events.on('ai.ended').subscribe(() => this.wake$.next()));
    // Every instance prunes; the statement is idempotent, so running it twice costs one empty delete.
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
    this.subscription.unsubscribe();
    // Open streams would keep the HTTP server from closing; clients reconnect with Last-Event-ID.
    for (const response of this.openStreams) response.end();
    this.openStreams.clear();
  }

  async prune(): Promise<number> {
    try {
      const removed = await this.repository.prune(this.config.integrations.changesRetentionDays);
      if (removed > 0) this.logger.log({ removed }, 'Pruned old changes-feed entries');
      return removed;
    } catch (error) {
      this.logger.warn(`Pruning the changes feed failed: ${String(error)}`);
      return 0;
    }
  }

  /** `since` omitted: nothing yet, and `next` is "now". */
  async page(user: AuthUser, since: string | undefined, limit = CHANGES_PAGE_DEFAULT): Promise<ChangesPage> {
    if (since === undefined) return { changes: [], next: encodeCursor(await this.repository.now()), hasMore: false };
    const after = await this.start(since);
    const { changes, next, hasMore } = await this.readAfter(user, after, limit);
    return { changes: changes.map(toEntry), next: encodeCursor(next), hasMore };
  }

  /** Where a feed read starts: a valid cursor still within retention (else 400 / 410). */
  async start(cursor: string | undefined): Promise<FeedPosition> {
    if (cursor === undefined) return this.repository.now();
    const match = CURSOR_PATTERN.exec(cursor);
    if (!match) throw AppException.validation(['since must be a cursor from an earlier answer (its `next` or a change\'s `cursor`)']);
    const position = { txId: BigInt(match[1]), id: BigInt(match[2]) };
    if (compare(position, await this.repository.horizon()) < 0) {
      throw new AppException(ErrorCode.CURSOR_EXPIRED, `That cursor is older than the feed keeps (${this.config.integrations.changesRetentionDays} days); start again without since`);
    }
    return position;
  }

  /**
   * Streams changes after `after` as SSE until the client goes, the server stops, or the caller
   * loses access. Heartbeat comment lines keep proxies from timing the connection out.
   */
  async stream(response: Response, after: FeedPosition, caller: AuthUser, reauthenticate: Reauthenticate): Promise<void> {
    const callerKey = caller.apiKey ? `key:${caller.apiKey.id}` : `user:${caller.id}`;
    const open = this.streamsByCaller.get(callerKey) ?? 0;
    if (open >= this.config.socketsPerUser) throw AppException.rateLimited(5000);
    this.streamsByCaller.set(callerKey, open + 1);
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', connection: 'keep-alive' });
    response.write(`retry: 2000\n: stream from ${encodeCursor(after)}\n\n`);
    this.openStreams.add(response);
    let closed = false;
    let wake: (() => void) | undefined;
    const onWake = this.wake$.subscribe(() => wake?.());
    const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), this.config.integrations.eventsHeartbeatMs);
    const close = () => {
      closed = true;
      wake?.();
    };
    // The response's close, not the request's: the latter can fire once the (empty) body is read.
    response.once('close', close);
    let cursor = after;
    try {
      while (!closed) {
        const user = await reauthenticate();
        const { changes, next, hasMore } = await this.readAfter(user, cursor, STREAM_PAGE);
        for (const change of changes) {
          response.write(`id: ${encodeCursor(change.position)}\nevent: ${change.type}\ndata: ${JSON.stringify(toEntry(change))}\n\n`);
        }
        cursor = next;
        if (hasMore || closed) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.config.integrations.eventsPollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } catch (error) {
      // Headers are gone already: the reason goes out as an event, then the stream ends.
      const payload = error instanceof AppException ? { code: error.code, message: error.message } : { code: ErrorCode.INTERNAL, message: 'Stream failed' };
      if (!(error instanceof AppException)) this.logger.error({ err: error }, 'Event stream failed');
      response.write(`event: error\ndata: ${JSON.stringify(payload)}\n\n`);
    } finally {
      clearInterval(heartbeat);
      onWake.unsubscribe();
      response.off('close', close);
      this.openStreams.delete(response);
      const left = (this.streamsByCaller.get(callerKey) ?? 1) - 1;
      if (left > 0) this.streamsByCaller.set(callerKey, left);
      else this.streamsByCaller.delete(callerKey);
      response.end();
    }
  }

  /** A page after `after`, and where the next read starts (past everything settled when there is no more). */
  async readAfter(user: AuthUser, after: FeedPosition, limit: number, manager?: EntityManager): Promise<{ changes: StoredChange[]; next: FeedPosition; hasMore: boolean }> {
    const { changes, settledBelow } = await this.repository.read(user, after, limit + 1, manager);
    const hasMore = changes.length > limit;
    const page = changes.slice(0, limit);
    if (hasMore) return { changes: page, next: page[page.length - 1].position, hasMore };
    // Every change below the settled line was in this read (or not for this caller): skip past all of them.
    const settled = positionBefore(settledBelow);
    return { changes: page, next: compare(settled, after) > 0 ? settled : after, hasMore };
  }
}
