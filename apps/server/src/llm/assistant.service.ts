import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { Subscription } from 'rxjs';
import { DataSource } from 'typeorm';
import { AiMessageMetadata, ChatMessage, Citation, ErrorCode, MessageStatus } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { DomainEvents } from '../common/domain-events.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig, LlmConfig } from '../config/app-config.js';
import { ASSISTANT_DISPLAY_NAME, ASSISTANT_USERNAME, MESSAGE_COLUMNS, MessageRow, toChatMessage } from '../messages/message.mapper.js';
import { MessageWriter } from '../messages/message-writer.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { DeltaCoalescer } from './delta-coalescer.js';
import { ChatTurn, LlmFailure, LlmProvider, ReplyStopped } from './llm-provider.js';
import { KnowledgeService } from '../knowledge/knowledge.service.js';
import { buildPrompt, PromptSource, tokensOf } from './prompt-builder.js';
import { Ticket, UpstreamLimiter } from './upstream-limiter.js';

/** "@ai" anywhere as a word asks the assistant, as does the seed's `useAi` flag. */
const MENTION = /(^|[^\w@])@ai\b/i;
const HISTORY_WINDOW = 200;
/** Running replies are marked alive this often; one not marked for ABANDONED_AFTER_MS lost its instance. */
const HEARTBEAT_MS = 10_000;
const ABANDONED_AFTER_MS = 45_000;
const ABANDONED_NOTE = 'The server stopped before this answer was finished.';
/** Passages retrieved per question; as many as fit LLM_SOURCE_TOKENS go into the prompt. */
const SOURCE_CANDIDATES = 6;

/** The sources the answer actually cites as [n], kept in their numbering. */
function citationsIn(text: string, sources: PromptSource[]): Pick<AiMessageMetadata, 'citations'> {
  const cited = new Set([...text.matchAll(/\[(\d{1,2})\]/g)].map((match) => Number(match[1])));
  const citations: Citation[] = sources
    .filter((source) => cited.has(source.n))
    .map(({ n, documentId, title, chunkId, snippet }) => ({ n, documentId, title, chunkId, snippet }));
  return citations.length ? { citations } : {};
}
const AI_WINDOW_MS = 60_000;

interface RoomSettings {
  aiEnabled: boolean;
  systemPrompt: string | null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function untilAdmitted(admitted: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    admitted.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
}

function backoffMs(attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return Math.min(8000, 400 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
}

/**
 * The assistant in rooms: decides when to answer, stores the reply before calling upstream,
 * streams it to the room, and ends it exactly once as complete, cancelled or error, whatever
 * the upstream does. Never touches sockets; it emits domain events.
 */
@Injectable()
export class AssistantService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(AssistantService.name);
  private readonly subscription = new Subscription();
  private readonly llm: LlmConfig;
  private readonly limiter: UpstreamLimiter;
  /** Replies streaming on this instance, by message id. */
  private readonly running = new Map<string, AbortController>();
  private readonly inFlight = new Set<Promise<void>>();
  private housekeeping?: NodeJS.Timeout;

  constructor(
    private readonly provider: LlmProvider,
    private readonly writer: MessageWriter,
    private readonly rooms: RoomsService,
    private readonly knowledge: KnowledgeService,
    private readonly dataSource: DataSource,
    private readonly events: DomainEvents,
    @InjectThrottlerStorage() private readonly throttle: ThrottlerStorage,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.llm = config.llm;
    this.limiter = new UpstreamLimiter(this.llm.maxConcurrency, this.llm.queueSize);
  }

  onModuleInit(): void {
    this.logger.log(`Assistant uses the ${this.provider.name} provider (model ${this.provider.model})`);
    this.subscription.add(
      this.events.on('message.created').subscribe(({ message, originSocketId, askAi }) => {
        if (message.isAi || message.userId === null) return;
        if (!askAi && !MENTION.test(message.content)) return;
        const work = this.answer(message, originSocketId).catch((error: unknown) =>
          this.logger.error(`Answering ${message.id} failed`, error instanceof Error ? error.stack : String(error)),
        );
        this.track(work);
      }),
    );
  }

  /** Replies a crashed or killed instance left `streaming` are ended now, and then checked for periodically. */
  async onApplicationBootstrap(): Promise<void> {
    await this.recoverAbandonedReplies();
    this.housekeeping = setInterval(() => void this.keepRepliesAlive(), HEARTBEAT_MS);
    this.housekeeping.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.housekeeping);
    this.subscription.unsubscribe();
  }

  /**
   * Ends replies that stopped being kept alive (their instance died): status `error` with the text
   * they had, and `ai_stream_end` to anyone still watching. Safe with several instances, because a
   * live instance refreshes its replies' heartbeat far more often than the cut-off.
   */
  async recoverAbandonedReplies(): Promise<number> {
    // TypeORM answers an UPDATE … RETURNING with [rows, rowCount].
    const [rows]: [MessageRow[], number] = await this.dataSource.query(
      `UPDATE messages SET status = 'error', updated_at = now(),
              content = content || CASE WHEN content = '' THEN '' ELSE E'\n\n' END || $1::text,
              metadata = metadata || jsonb_build_object('errorCode', $2::text)
       WHERE status = 'streaming' AND coalesce(updated_at, created_at) < now() - make_interval(secs => $3)
       RETURNING id, room_id, seq, user_id, NULL::text AS username, NULL::text AS display_name, content, is_ai,
                 client_message_id, status, metadata, created_at`,
      [`⚠️ ${ABANDONED_NOTE}`, ErrorCode.AI_UNAVAILABLE, ABANDONED_AFTER_MS / 1000],
    );
    for (const row of rows) this.events.emit('ai.ended', { message: toChatMessage(row) });
    if (rows.length > 0) this.logger.warn(`Ended ${rows.length} reply(ies) left streaming by a stopped instance`);
    return rows.length;
  }

  /** Marks this instance's running replies alive (one query for all, not a write per token), then sweeps. */
  async keepRepliesAlive(): Promise<void> {
    try {
      if (this.running.size > 0) {
        await this.dataSource.query(`UPDATE messages SET updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'streaming'`, [[...this.running.keys()]]);
      }
      await this.recoverAbandonedReplies();
    } catch (error) {
      this.logger.warn(`Reply housekeeping failed: ${String(error)}`);
    }
  }

  /** Running replies end now, keeping their partial text, before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const controller of this.running.values()) controller.abort(new ReplyStopped('shutdown'));
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stops a streaming reply: the asker, the room owner or an admin. Returns false when the
   * reply runs on another instance (the caller forwards the cancel there).
   */
  async cancel(user: AuthUser, messageId: string): Promise<{ local: boolean; roomId: string }> {
    const rows: { room_id: string; status: MessageStatus; requested_by: string | null }[] = await this.dataSource.query(
      `SELECT room_id, status, metadata->>'requestedBy' AS requested_by FROM messages WHERE id = $1 AND is_ai`,
      [messageId],
    );
    const reply = rows[0];
    if (!reply) throw new AppException(ErrorCode.NOT_FOUND, 'No such assistant reply');
    const { myRole } = await this.rooms.access(user, reply.room_id);
    if (reply.requested_by !== user.id && myRole !== 'owner' && user.role !== 'admin') {
      throw AppException.forbidden('Only the asker, the room owner or an admin can stop this reply');
    }
    if (reply.status !== 'streaming') return { local: true, roomId: reply.room_id };
    return { local: this.cancelLocal(messageId), roomId: reply.room_id };
  }

  /** Aborts the reply if it streams here. */
  cancelLocal(messageId: string): boolean {
    const controller = this.running.get(messageId);
    controller?.abort(new ReplyStopped('user'));
    return controller !== undefined;
  }

  load(): { running: number; waiting: number } {
    return this.limiter.load();
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async answer(question: ChatMessage, originSocketId: string | undefined): Promise<void> {
    const askerId = question.userId!;
    let ticket: Ticket;
    let room: RoomSettings;
    try {
      room = await this.roomSettings(question.roomId);
      if (!room.aiEnabled) throw new LlmFailure(ErrorCode.AI_UNAVAILABLE, 'The assistant is turned off in this room');
      await this.checkAskerRate(askerId);
      ticket = this.limiter.reserve();
    } catch (error) {
      this.tellAsker(askerId, originSocketId, error);
      return;
    }

    let reply: ChatMessage;
    try {
      // Stored (with its own seq) before the upstream call, so the reply exists whatever happens next.
      reply = (
        await this.writer.write({
          roomId: question.roomId,
          userId: null,
          username: ASSISTANT_USERNAME,
          displayName: ASSISTANT_DISPLAY_NAME,
          content: '',
          isAi: true,
          status: 'streaming',
          metadata: { replyTo: question.id, requestedBy: askerId, model: this.provider.model },
        })
      ).message;
    } catch (error) {
      ticket.release();
      this.tellAsker(askerId, originSocketId, error);
      return;
    }
    const controller = new AbortController();
    this.running.set(reply.id, controller);
    this.events.emit('message.created', { message: reply });
    try {
      await this.stream(reply, question, room, ticket, controller, originSocketId);
    } finally {
      this.running.delete(reply.id);
    }
  }

  private async stream(
    reply: ChatMessage,
    question: ChatMessage,
    room: RoomSettings,
    ticket: Ticket,
    controller: AbortController,
    originSocketId: string | undefined,
  ): Promise<void> {
    const started = performance.now();
    const deltas = new DeltaCoalescer(this.llm.coalesceMs, (index, delta) =>
      this.events.emit('ai.delta', { messageId: reply.id, roomId: reply.roomId, index, delta }),
    );
    let text = '';
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    let promptTokens = 0;
    let firstTokenMs: number | undefined;
    let status: MessageStatus = 'complete';
    let failure: LlmFailure | undefined;
    let sources: PromptSource[] = [];
    try {
      await untilAdmitted(ticket.admitted, controller.signal);
      const [history, retrieved] = await Promise.all([this.history(question.roomId, question.seq), this.sourcesFor(question)]);
      const prompt = buildPrompt({
        systemPrompt: room.systemPrompt,
        history,
        question,
        contextTokens: this.llm.contextTokens,
        sources: retrieved,
        sourceTokens: this.llm.sourceTokens,
      });
      sources = prompt.sourcesUsed;
      promptTokens = prompt.promptTokens;
      this.logger.debug(`Prompt for ${reply.id} (${prompt.promptTokens} tokens, ${prompt.historyDropped} older messages left out): ${JSON.stringify(prompt.messages)}`);
      for (let attempt = 0; ; attempt++) {
        try {
          for await (const chunk of this.watched(prompt.messages, sources, controller.signal)) {
            if (chunk.type === 'usage') {
              usage = chunk;
              continue;
            }
            firstTokenMs ??= Math.round(performance.now() - started);
            text += chunk.text;
            deltas.push(chunk.text);
          }
          break;
        } catch (error) {
          if (controller.signal.aborted) throw controller.signal.reason;
          // Retried only before the first token: after it, a retry would repeat text the room already saw.
          if (error instanceof LlmFailure && error.retryable && text === '' && attempt < this.llm.maxRetries) {
            this.logger.warn(`Upstream failed (${error.message}); retry ${attempt + 1} of ${this.llm.maxRetries}`);
            await sleep(backoffMs(attempt, error.retryAfterMs), controller.signal);
            continue;
          }
          throw error;
        }
      }
    } catch (error) {
      if (error instanceof ReplyStopped && error.by === 'user') {
        status = 'cancelled';
      } else {
        status = 'error';
        failure =
          error instanceof LlmFailure
            ? error
            : error instanceof ReplyStopped
              ? new LlmFailure(ErrorCode.AI_UNAVAILABLE, error.message)
              : new LlmFailure(ErrorCode.AI_UNAVAILABLE, 'The assistant failed unexpectedly');
        if (!(error instanceof LlmFailure) && !(error instanceof ReplyStopped)) {
          this.logger.error(`Reply ${reply.id} failed`, error instanceof Error ? error.stack : String(error));
        }
      }
    } finally {
      ticket.release();
      deltas.flush();
    }

    const metadata: AiMessageMetadata = {
      ...reply.metadata,
      model: this.provider.model,
      promptTokens: usage?.promptTokens ?? promptTokens,
      completionTokens: usage?.completionTokens ?? tokensOf(text),
      tokensEstimated: usage === undefined,
      firstTokenMs,
      durationMs: Math.round(performance.now() - started),
      ...(failure ? { errorCode: failure.code } : {}),
      ...citationsIn(text, sources),
    };
    const content = failure ? `${text}${text ? '\n\n' : ''}⚠️ ${failure.message}` : text;
    // One write for the whole reply, at the end: never a database write per token.
    await this.dataSource.query(`UPDATE messages SET content = $2, status = $3, metadata = $4, updated_at = now() WHERE id = $1`, [
      reply.id,
      content,
      status,
      JSON.stringify(metadata),
    ]);
    const final: ChatMessage = { ...reply, content, status, metadata };
    this.events.emit('ai.ended', { message: final });
    if (failure) this.tellAsker(reply.metadata?.requestedBy ?? question.userId!, originSocketId, failure);
  }

  /** The provider's stream, ended with AI_TIMEOUT when the first or next token takes longer than LLM_TIMEOUT_MS. */
  private async *watched(messages: ChatTurn[], sources: PromptSource[], stop: AbortSignal) {
    const watchdog = new AbortController();
    const timeout = () =>
      // One decimal: whole seconds said "within 0 s" for a sub-second LLM_TIMEOUT_MS.
      watchdog.abort(new LlmFailure(ErrorCode.AI_TIMEOUT, `The model did not answer within ${Number((this.llm.timeoutMs / 1000).toFixed(1))} s`));
    const timedOut = new Promise<never>((_, reject) =>
      watchdog.signal.addEventListener('abort', () => reject(watchdog.signal.reason), { once: true }),
    );
    timedOut.catch(() => undefined);
    let timer = setTimeout(timeout, this.llm.timeoutMs);
    try {
      const chunks = this.provider.stream({ messages, sources, signal: AbortSignal.any([stop, watchdog.signal]) })[Symbol.asyncIterator]();
      while (true) {
        const pending = chunks.next();
        // The loser of the race still settles later; it must not become an unhandled rejection.
        pending.catch(() => undefined);
        const next = await Promise.race([pending, timedOut]);
        if (next.done) return;
        clearTimeout(timer);
        timer = setTimeout(timeout, this.llm.timeoutMs);
        yield next.value;
      }
    } catch (error) {
      if (watchdog.signal.aborted && !stop.aborted) throw watchdog.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private tellAsker(userId: string, originSocketId: string | undefined, error: unknown): void {
    const failure =
      error instanceof LlmFailure
        ? error
        : error instanceof AppException
          ? error
          : new LlmFailure(ErrorCode.AI_UNAVAILABLE, 'The assistant could not answer');
    if (!(error instanceof LlmFailure) && !(error instanceof AppException)) {
      this.logger.error('Assistant failure', error instanceof Error ? error.stack : String(error));
    }
    this.events.emit('ai.failed', {
      userId,
      originSocketId,
      error: {
        code: failure.code,
        message: failure.message,
        event: 'send_message',
        ...(failure instanceof LlmFailure && failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        ...(failure instanceof AppException ? failure.extra : {}),
      },
    });
  }

  private async checkAskerRate(userId: string): Promise<void> {
    const record = await this.throttle.increment(`ai:user:${userId}`, AI_WINDOW_MS, this.llm.requestsPerMinute, AI_WINDOW_MS, 'ai');
    if (record.isBlocked) {
      throw new LlmFailure(ErrorCode.AI_RATE_LIMITED, 'You have asked the assistant too often; wait a moment', false, Math.max(1, record.timeToBlockExpire) * 1000);
    }
  }

  /** The room's and the global documents' best passages for the question; the reply goes on without them if search fails. */
  private async sourcesFor(question: ChatMessage): Promise<PromptSource[]> {
    const query = question.content.replace(/@ai\b/gi, ' ').trim();
    if (!query) return [];
    try {
      const chunks = await this.knowledge.retrieve(question.roomId, query, SOURCE_CANDIDATES);
      return chunks.map((chunk, i) => ({
        n: i + 1,
        documentId: chunk.documentId,
        chunkId: chunk.chunkId,
        title: chunk.title,
        headingPath: chunk.headingPath,
        text: chunk.text,
        snippet: chunk.snippet,
      }));
    } catch (error) {
      this.logger.warn(`Knowledge search failed for ${question.id}; answering without sources: ${String(error)}`);
      return [];
    }
  }

  private async roomSettings(roomId: string): Promise<RoomSettings> {
    const rows: { ai_enabled: boolean; system_prompt: string | null }[] = await this.dataSource.query(
      `SELECT ai_enabled, system_prompt FROM rooms WHERE id = $1`,
      [roomId],
    );
    if (!rows[0]) throw AppException.roomNotFound(roomId);
    return { aiEnabled: rows[0].ai_enabled, systemPrompt: rows[0].system_prompt };
  }

  private async history(roomId: string, beforeSeq: number): Promise<ChatMessage[]> {
    const rows: MessageRow[] = await this.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m LEFT JOIN users u ON u.id = m.user_id
       WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`,
      [roomId, beforeSeq, HISTORY_WINDOW],
    );
    return rows.map(toChatMessage).reverse();
  }
}
