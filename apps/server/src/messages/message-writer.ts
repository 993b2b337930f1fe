import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryRunner } from 'typeorm';
import { ErrorCode, FRESH_MESSAGE_STATE } from '@chat/contract';
import type { AiMessageMetadata, ChatMessage, MessageStatus } from '@chat/contract';
import { AppException } from '../common/app-exception.js';
import { Metrics } from '../metrics/metrics.service.js';
import { MessagesRepository } from './messages.repository.js';
import { isUniqueViolation } from '../database/postgres-errors.js';

export interface MessageDraft {
  roomId: string;
  userId: string | null;
  username: string;
  displayName: string;
  content: string;
  isAi: boolean;
  /** The author is a service account. */
  isBot?: boolean;
  clientMessageId?: string;
  status: MessageStatus;
  metadata?: AiMessageMetadata;
  /** A reply in the thread of this top-level message of the room (checked by the caller). */
  threadId?: string;
  /** Room members the text @-mentions (resolved by the caller). */
  mentions?: string[];
}

export interface WriteResult {
  message: ChatMessage;
  /** False when the clientMessageId was seen before and the original message is returned. */
  created: boolean;
}

/** A message's own failure that does not fail its batch (its room was deleted since the access check). */
type Outcome = WriteResult | AppException;

interface Pending {
  draft: MessageDraft;
  createdAt: Date;
  /** performance.now() when it reached the writer, for the ingest histogram. */
  receivedAt: number;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 500;

const authorKey = (roomId: string, userId: string) => `${roomId}\u0000${userId}`;
const idempotencyKey = (d: MessageDraft) => (d.userId && d.clientMessageId ? `${d.userId}\u0000${d.clientMessageId}` : null);

function settle(batch: Pending[], outcomes: Outcome[]): void {
  batch.forEach((pending, i) => (outcomes[i] instanceof AppException ? pending.reject(outcomes[i]) : pending.resolve(outcomes[i])));
}

/**
 * Group commit for messages. Sends that arrive while a write is in flight are stored together in
 * the next transaction, so ingest is not one autocommit round trip per message, and latency stays
 * one round trip when traffic is light. Seqs come from the room row's counter inside the same
 * transaction as the insert: gap-free, strictly increasing, and rolled back with it.
 */
@Injectable()
export class MessageWriter {
  private readonly logger = new Logger(MessageWriter.name);
  private queue: Pending[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: MessagesRepository,
    private readonly metrics: Metrics,
  ) {}

  write(draft: MessageDraft): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ draft, createdAt: new Date(), receivedAt: performance.now(), resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves once every accepted write is stored (or failed). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.flush(batch);
      }
    } finally {
      this.draining = null;
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    try {
      settle(batch, await this.writeBatch(batch));
    } catch (error) {
      // A concurrent writer (another instance) took a clientMessageId between our check and insert:
      // retry one by one so only the duplicate resolves to the original and the others still land.
      if (batch.length > 1 && isUniqueViolation(error)) {
        for (const pending of batch) await this.flush([pending]);
        return;
      }
      if (batch.length === 1 && isUniqueViolation(error)) {
        try {
          settle(batch, await this.writeBatch(batch));
        } catch (retryError) {
          batch[0].reject(retryError);
        }
        return;
      }
      this.logger.error({ code: ErrorCode.INTERNAL, err: error }, `Writing ${batch.length} message(s) failed`);
      batch.forEach((pending) => pending.reject(error));
    }
  }

  private async writeBatch(batch: Pending[]): Promise<Outcome[]> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      // Read before any transaction: a concurrent writer taking the same clientMessageId meanwhile is
      // caught by the unique index, and flush() then retries one by one.
      // The two reads on two connections at once: one round trip of latency instead of two.
      const [existing, refused] = await Promise.all([this.findExisting(runner, batch), this.onOwnConnection((other) => this.findRefused(other, batch))]);
      // The insert is a single atomic statement across rooms, so it needs no BEGIN/COMMIT round trips,
      // unless a thread reply also counts itself on its root, which must commit with it.
      const transactional = batch.some((p) => p.draft.threadId);
      if (transactional) await runner.startTransaction();
      const results = await this.insert(runner, batch, existing, refused);
      if (transactional) await runner.commitTransaction();
      this.observe(batch, results);
      return results;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async onOwnConnection<T>(run: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await run(runner);
    } finally {
      await runner.release();
    }
  }

  private observe(batch: Pending[], results: Outcome[]): void {
    const now = performance.now();
    let stored = 0;
    results.forEach((result, i) => {
      if (result instanceof AppException || !result.created) return;
      stored++;
      this.metrics.messageIngest.observe((now - batch[i].receivedAt) / 1000);
    });
    this.metrics.messagesStored.inc(stored);
    this.metrics.writeBatchSize.observe(batch.length);
  }

  private async insert(runner: QueryRunner, batch: Pending[], existing: Map<string, ChatMessage>, refused: Set<string>): Promise<Outcome[]> {
    const results: (Outcome | undefined)[] = new Array(batch.length);
    const firstByKey = new Map<string, number>();
    const toInsert: number[] = [];
    batch.forEach((pending, i) => {
      const key = idempotencyKey(pending.draft);
      const original = key ? existing.get(key) : undefined;
      if (pending.draft.userId && refused.has(authorKey(pending.draft.roomId, pending.draft.userId))) {
        results[i] = AppException.forbidden(`You are no longer allowed to post in room "${pending.draft.roomId}"`);
      } else if (original) {
        results[i] = { message: original, created: false };
      } else if (key && firstByKey.has(key)) {
        // Resolved below, once the first copy in this batch has its seq.
      } else {
        if (key) firstByKey.set(key, i);
        toInsert.push(i);
      }
    });

    // Every room's rows in one statement: 100 questions in 100 rooms cost one round trip, not 100.
    const ids = toInsert.map(() => randomUUID());
    const seqById = await this.repository.insertNumberedInRooms(
      runner,
      toInsert.map((i, j) => {
        const { draft, createdAt } = batch[i];
        return {
          id: ids[j],
          roomId: draft.roomId,
          userId: draft.userId,
          content: draft.content,
          isAi: draft.isAi,
          clientMessageId: draft.clientMessageId ?? null,
          status: draft.status,
          metadata: draft.metadata,
          createdAt,
          threadId: draft.threadId,
          mentions: draft.mentions,
        };
      }),
    );
    const repliesByRoom = new Map<string, { threadId: string; createdAt: Date }[]>();
    toInsert.forEach((batchIndex, j) => {
      const { draft, createdAt } = batch[batchIndex];
      const seq = seqById.get(ids[j]);
      if (seq === undefined) {
        // The room was deleted since the sender's access check. Recorded, not thrown, so the other
        // rooms' messages in this batch still commit; settled only after the commit.
        results[batchIndex] = AppException.roomNotFound(draft.roomId);
        return;
      }
      if (draft.threadId) {
        const replies = repliesByRoom.get(draft.roomId) ?? [];
        replies.push({ threadId: draft.threadId, createdAt });
        repliesByRoom.set(draft.roomId, replies);
      }
      const message: ChatMessage = {
        id: ids[j],
        roomId: draft.roomId,
        seq,
        userId: draft.userId,
        username: draft.username,
        displayName: draft.displayName,
        content: draft.content,
        timestamp: createdAt.toISOString(),
        isAi: draft.isAi,
        status: draft.status,
        ...FRESH_MESSAGE_STATE,
        threadId: draft.threadId ?? null,
        mentions: draft.mentions ?? [],
      };
      if (draft.isBot) message.isBot = true;
      if (draft.clientMessageId) message.clientMessageId = draft.clientMessageId;
      if (draft.metadata && Object.keys(draft.metadata).length > 0) message.metadata = draft.metadata;
      results[batchIndex] = { message, created: true };
    });
    // Rooms in a fixed order, as the insert locked them.
    for (const roomId of [...repliesByRoom.keys()].sort()) await this.repository.countReplies(runner, roomId, repliesByRoom.get(roomId)!);

    batch.forEach((pending, i) => {
      if (results[i]) return;
      const key = idempotencyKey(pending.draft);
      const first = key !== null ? firstByKey.get(key) : undefined;
      const original = first !== undefined && first !== i ? results[first] : undefined;
      // A copy shares its original's fate: the same message, or the same failure.
      if (original) results[i] = original instanceof AppException ? original : { message: original.message, created: false };
    });
    return results as Outcome[];
  }

  /**
   * Authors who may no longer post where they write (removed, disabled, demoted), asked of the
   * database in the batch that stores the message, so a removal on any instance counts at once.
   */
  private async findRefused(runner: QueryRunner, batch: Pending[]): Promise<Set<string>> {
    const human = batch.filter((p) => !p.draft.isAi && p.draft.userId);
    if (human.length === 0) return new Set();
    const refused = await this.repository.refusedAuthors(
      runner,
      human.map((p) => ({ roomId: p.draft.roomId, userId: p.draft.userId! })),
    );
    return new Set(refused.map((r) => authorKey(r.roomId, r.userId)));
  }

  private async findExisting(runner: QueryRunner, batch: Pending[]): Promise<Map<string, ChatMessage>> {
    const keyed = batch.filter((p) => idempotencyKey(p.draft) !== null);
    if (keyed.length === 0) return new Map();
    return this.repository.findByClientIds(
      runner,
      keyed.map((p) => ({ userId: p.draft.userId!, clientMessageId: p.draft.clientMessageId! })),
    );
  }
}
