import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@chat/contract';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig, LlmConfig } from '../config/app-config.js';
import { ChatTurn, LlmChunk, LlmFailure, LlmProvider } from './llm-provider.js';
import type { PromptSource } from './prompt-builder.js';

export interface RelayRequest {
  messages: ChatTurn[];
  sources: PromptSource[];
  /** Aborted by whoever stops the reply; its reason is what `relay` then throws. */
  signal: AbortSignal;
  /** Each piece of text, in order, as it arrives. */
  onText: (text: string) => void;
}

export interface RelayResult {
  /** What the upstream reported, when it did. */
  usage?: { promptTokens: number; completionTokens: number };
}

/** Exponential with jitter, capped; the upstream's own Retry-After wins when it sent one. */
export function backoffMs(attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return Math.min(8000, 400 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
}

/**
 * Relays the model's stream: ends it with AI_TIMEOUT when the first or next token takes longer than
 * LLM_TIMEOUT_MS, and retries a retryable failure (honouring Retry-After) only before the first
 * token, since after it a retry would repeat text the room already saw.
 */
@Injectable()
export class StreamRelay {
  private readonly logger = new Logger(StreamRelay.name);
  private readonly llm: LlmConfig;

  constructor(
    private readonly provider: LlmProvider,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.llm = config.llm;
  }

  async relay(request: RelayRequest): Promise<RelayResult> {
    const { signal } = request;
    let usage: RelayResult['usage'];
    let relayedText = false;
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const chunk of this.watched(request.messages, request.sources, signal)) {
          if (chunk.type === 'usage') {
            usage = chunk;
            continue;
          }
          relayedText = true;
          request.onText(chunk.text);
        }
        return { usage };
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof LlmFailure && error.retryable && !relayedText && attempt < this.llm.maxRetries) {
          this.logger.warn(`Upstream failed (${error.message}); retry ${attempt + 1} of ${this.llm.maxRetries}`);
          await this.wait(backoffMs(attempt, error.retryAfterMs), signal);
          continue;
        }
        throw error;
      }
    }
  }

  private async wait(ms: number, signal: AbortSignal): Promise<void> {
    try {
      await sleep(ms, undefined, { signal });
    } catch (error) {
      // The timer rejects with an AbortError; callers expect the stop's own reason.
      if (signal.aborted) throw signal.reason;
      throw error;
    }
  }

  /** The provider's stream, ended with AI_TIMEOUT when the first or next token is late. */
  private async *watched(messages: ChatTurn[], sources: PromptSource[], stop: AbortSignal): AsyncGenerator<LlmChunk> {
    const watchdog = new AbortController();
    const timeout = () =>
      // One decimal: whole seconds said "within 0 s" for a sub-second LLM_TIMEOUT_MS.
      watchdog.abort(new LlmFailure(ErrorCode.AI_TIMEOUT, `The model did not answer within ${Number((this.llm.timeoutMs / 1000).toFixed(1))} s`));
    const timedOut = new Promise<never>((_, reject) =>
      watchdog.signal.addEventListener('abort', () => reject(watchdog.signal.reason), { once: true }),
    );
    timedOut.catch(() => undefined);
    // A resettable deadline per token, so a timer handle rather than a one-shot AbortSignal.timeout.
    const timer = setTimeout(timeout, this.llm.timeoutMs);
    try {
      const chunks = this.provider.stream({ messages, sources, signal: AbortSignal.any([stop, watchdog.signal]) })[Symbol.asyncIterator]();
      while (true) {
        const pending = chunks.next();
        // The loser of the race still settles later; it must not become an unhandled rejection.
        pending.catch(() => undefined);
        const next = await Promise.race([pending, timedOut]);
        if (next.done) return;
        // Re-armed in place: cheaper per token than a new timer.
        timer.refresh();
        yield next.value;
      }
    } catch (error) {
      if (watchdog.signal.aborted && !stop.aborted) throw watchdog.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
