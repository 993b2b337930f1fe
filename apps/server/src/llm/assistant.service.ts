import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { Subscription } from 'rxjs';
import {
  AiMessageMetadata,
  ASSISTANT_DISPLAY_NAME,
  ASSISTANT_USERNAME,
  ChatMessage,
  Citation,
  ClientEvent,
  ErrorCode,
  mentionsAssistant,
  MessageStatus,
  withoutAssistantMention,
} from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { AuditService } from '../audit/audit.service.js';
import { AppException } from '../common/app-exception.js';
import { currentRequestContext } from '../common/request-context.js';
import { Metrics } from '../metrics/metrics.service.js';
import { QuotasService } from '../quotas/quotas.service.js';
import { DomainEvents } from '../common/domain-events.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig, LlmConfig } from '../config/app-config.js';
import { MessageWriter } from '../messages/message-writer.js';
import { CountedMessage, MessagesRepository } from '../messages/messages.repository.js';
import { RoomSettings, RoomsRepository } from '../rooms/rooms.repository.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { DeltaCoalescer } from './delta-coalescer.js';
import { Canceller, LlmFailure, LlmProvider, ReplyStopped } from './llm-provider.js';
import { KnowledgeService } from '../knowledge/knowledge.service.js';
import { buildPrompt, ContentTokens, PromptSource, tokensOf } from './prompt-builder.js';
import { ReplyHousekeeping } from './reply-housekeeping.js';
import { StreamRelay } from './stream-relay.js';
import { Ticket, UpstreamLimiter } from './upstream-limiter.js';

const HISTORY_WINDOW = 200;
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

/** Stored counts where there are; the others counted when the prompt asks for them, and collected to be stored. */
function withTokenCounts(counted: CountedMessage[]): { history: ChatMessage[]; contentTokens: ContentTokens; counts: { id: string; changeSeq: number; tokenCount: number }[] } {
  const byId = new Map(counted.map((c) => [c.message.id, c]));
  const counts: { id: string; changeSeq: number; tokenCount: number }[] = [];
  const contentTokens: ContentTokens = (message) => {
    const entry = byId.get(message.id);
    if (entry?.tokenCount != null) return entry.tokenCount;
    const tokenCount = tokensOf(message.content);
    if (entry) {
      entry.tokenCount = tokenCount;
      counts.push({ id: message.id, changeSeq: entry.changeSeq, tokenCount });
    }
    return tokenCount;
  };
  return { history: counted.map((c) => c.message), contentTokens, counts };
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

/**
 * The assistant in rooms: decides when to answer, stores the reply before calling upstream,
 * streams it to the room, and ends it exactly once as complete, cancelled or error, whatever
 * the upstream does. Never touches sockets; it emits domain events.
 */
@Injectable()
export class AssistantService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(AssistantService.name);
  private readonly subscription = new Subscription();
  private readonly llm: LlmConfig;
  private readonly logPrompts: boolean;
  private readonly limiter: UpstreamLimiter;
  /** Replies streaming on this instance, by message id. */
  private readonly running = new Map<string, AbortController>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly provider: LlmProvider,
    private readonly writer: MessageWriter,
    private readonly rooms: RoomsService,
    private readonly roomSettingsOf: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly knowledge: KnowledgeService,
    private readonly relay: StreamRelay,
    private readonly housekeeping: ReplyHousekeeping,
    private readonly events: DomainEvents,
    @InjectThrottlerStorage() private readonly throttle: ThrottlerStorage,
    private readonly quotas: QuotasService,
    private readonly audit: AuditService,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.llm = config.llm;
    this.logPrompts = config.logPrompts;
    this.limiter = new UpstreamLimiter(this.llm.maxConcurrency, this.llm.queueSize, this.llm.userShare);
    metrics.provide('chat_ai_upstream_running', () => this.limiter.load().running);
    metrics.provide('chat_ai_upstream_queued', () => this.limiter.load().waiting);
  }

  onModuleInit(): void {
    this.logger.log(`Assistant uses the ${this.provider.name} provider (model ${this.provider.model})`);
    this.subscription.add(
      this.events.onLocal('message.created').subscribe(({ message, originSocketId, askAi }) => {
        if (message.isAi || message.userId === null) return;
        if (!askAi && !mentionsAssistant(message.content)) return;
        const work = this.answer(message, originSocketId).catch((error: unknown) =>
          this.logger.error({ code: ErrorCode.INTERNAL, err: error }, `Answering ${message.id} failed`),
        );
        this.track(work);
      }),
    );
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
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
  async cancel(user: AuthUser, messageId: string): Promise<{ local: boolean; roomId: string; canceller: Canceller }> {
    const reply = await this.messages.replyOwner(messageId);
    if (!reply) throw new AppException(ErrorCode.NOT_FOUND, 'No such assistant reply');
    const { myRole } = await this.rooms.access(user, reply.roomId);
    if (reply.requestedBy !== user.id && myRole !== 'owner' && user.role !== 'admin') {
      throw AppException.forbidden('Only the asker, the room owner or an admin can stop this reply');
    }
    const canceller: Canceller = { actor: { id: user.id, username: user.username }, origin: currentRequestContext() };
    if (reply.status !== 'streaming') return { local: true, roomId: reply.roomId, canceller };
    return { local: this.cancelLocal(messageId, canceller), roomId: reply.roomId, canceller };
  }

  /** Aborts the reply if it streams here. */
  cancelLocal(messageId: string, canceller?: Canceller): boolean {
    const controller = this.running.get(messageId);
    controller?.abort(new ReplyStopped('user', canceller));
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
      // Both reads at once; their verdicts still count in the old order (room, rate, then budget).
      const budget = this.quotas.assertWithinBudget(askerId).then(
        () => null,
        (error: unknown) => ({ error }),
      );
      room = await this.roomSettings(question.roomId);
      if (!room.aiEnabled) throw new LlmFailure(ErrorCode.AI_UNAVAILABLE, 'The assistant is turned off in this room');
      await this.checkAskerRate(askerId);
      const overBudget = await budget;
      if (overBudget) throw overBudget.error;
      ticket = this.limiter.reserve(askerId);
    } catch (error) {
      this.tellAsker(askerId, originSocketId, error);
      return;
    }

    // The prompt's history and sources are read while the reply is stored: neither depends on it.
    const context = Promise.all([this.history(question), this.sourcesFor(question)]);
    context.catch(() => undefined);
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
          // Asked inside a thread: answered in that thread.
          threadId: question.threadId ?? undefined,
        })
      ).message;
    } catch (error) {
      ticket.release();
      this.tellAsker(askerId, originSocketId, error);
      return;
    }
    const controller = new AbortController();
    this.running.set(reply.id, controller);
    this.housekeeping.started(reply.id);
    this.events.emit('message.created', { message: reply });
    try {
      await this.stream(reply, question, room, ticket, controller, originSocketId, context);
    } finally {
      this.running.delete(reply.id);
      this.housekeeping.finished(reply.id);
    }
  }

  private async stream(
    reply: ChatMessage,
    question: ChatMessage,
    room: RoomSettings,
    ticket: Ticket,
    controller: AbortController,
    originSocketId: string | undefined,
    context: Promise<[CountedMessage[], PromptSource[]]>,
  ): Promise<void> {
    const started = performance.now();
    const deltas = new DeltaCoalescer(this.llm.coalesceMs, (index, delta) =>
      this.events.emit('ai.delta', { messageId: reply.id, roomId: reply.roomId, index, delta }),
    );
    let text = '';
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    let promptTokens = 0;
    let firstTokenMs: number | undefined;
    let status: Exclude<MessageStatus, 'streaming'> = 'complete';
    let failure: LlmFailure | undefined;
    let sources: PromptSource[] = [];
    let canceller: Canceller | undefined;
    try {
      await untilAdmitted(ticket.admitted, controller.signal);
      const [counted, retrieved] = await context;
      const { history, contentTokens, counts } = withTokenCounts(counted);
      const prompt = buildPrompt({
        systemPrompt: room.systemPrompt,
        history,
        contentTokens,
        question,
        contextTokens: this.llm.contextTokens,
        sources: retrieved,
        sourceTokens: this.llm.sourceTokens,
      });
      sources = prompt.sourcesUsed;
      promptTokens = prompt.promptTokens;
      // Counted once, stored for every later question; the reply does not wait for it.
      if (counts.length > 0) {
        this.messages.storeTokenCounts(counts).catch((error: unknown) => this.logger.warn(`Storing token counts failed: ${String(error)}`));
      }
      // Prompts hold private history and documents: their text is logged only when LOG_PROMPTS asks for it.
      const promptText = this.logPrompts ? `: ${JSON.stringify(prompt.messages)}` : '';
      this.logger.debug(
        `Prompt for ${reply.id} (${prompt.promptTokens} tokens, ${prompt.messages.length} messages, ${prompt.historyDropped} older messages left out)${promptText}`,
      );
      ({ usage } = await this.relay.relay({
        messages: prompt.messages,
        sources,
        signal: controller.signal,
        onText: (chunk) => {
          firstTokenMs ??= Math.round(performance.now() - started);
          text += chunk;
          deltas.push(chunk);
        },
      }));
    } catch (error) {
      if (error instanceof ReplyStopped && error.by === 'user') {
        status = 'cancelled';
        canceller = error.canceller;
      } else {
        status = 'error';
        failure =
          error instanceof LlmFailure
            ? error
            : error instanceof ReplyStopped
              ? new LlmFailure(ErrorCode.AI_UNAVAILABLE, error.message)
              : new LlmFailure(ErrorCode.AI_UNAVAILABLE, 'The assistant failed unexpectedly');
        if (!(error instanceof LlmFailure) && !(error instanceof ReplyStopped)) {
          this.logger.error({ code: failure.code, err: error }, `Reply ${reply.id} failed`);
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
    const askerId = reply.metadata?.requestedBy ?? question.userId;
    const stoppedByOther = canceller && canceller.actor.id !== askerId ? canceller : undefined;
    await this.messages.finishReply(
      reply.id,
      { content, status, metadata },
      stoppedByOther &&
        ((manager) =>
          this.audit.record(manager, {
            action: 'ai.cancelled',
            actor: stoppedByOther.actor,
            target: { type: 'message', id: reply.id },
            roomId: reply.roomId,
            origin: stoppedByOther.origin,
            details: { askedBy: askerId, replyTo: question.id },
          })),
    );
    this.metrics.aiReplyEnded(
      status,
      { firstToken: firstTokenMs === undefined ? undefined : firstTokenMs / 1000, total: (performance.now() - started) / 1000 },
      { prompt: metadata.promptTokens ?? 0, completion: metadata.completionTokens ?? 0 },
    );
    const final: ChatMessage = { ...reply, content, status, metadata };
    this.events.emit('ai.ended', { message: final });
    if (failure) this.tellAsker(reply.metadata?.requestedBy ?? question.userId!, originSocketId, failure);
  }

  private tellAsker(userId: string, originSocketId: string | undefined, error: unknown): void {
    const failure =
      error instanceof LlmFailure
        ? error
        : error instanceof AppException
          ? error
          : new LlmFailure(ErrorCode.AI_UNAVAILABLE, 'The assistant could not answer');
    if (!(error instanceof LlmFailure) && !(error instanceof AppException)) {
      this.logger.error({ code: failure.code, err: error }, 'Assistant failure');
    }
    this.metrics.error(failure.code);
    this.events.emit('ai.failed', {
      userId,
      originSocketId,
      error: {
        code: failure.code,
        message: failure.message,
        event: ClientEvent.SendMessage,
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
    const query = withoutAssistantMention(question.content);
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
    const settings = await this.roomSettingsOf.settings(roomId);
    if (!settings) throw AppException.roomNotFound(roomId);
    return settings;
  }

  /** What was said before the question where it was asked: the room's top-level conversation, or its thread (root included). */
  private history(question: ChatMessage): Promise<CountedMessage[]> {
    return this.messages.beforeWithTokens(question.roomId, question.seq, HISTORY_WINDOW, question.threadId);
  }
}
