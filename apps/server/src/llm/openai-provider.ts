import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { ErrorCode } from '@chat/contract';
import type { LlmConfig } from '../config/app-config.js';
import { streamChatCompletion, UpstreamConnectionError, UpstreamHttpError, UpstreamStreamError } from './chat-completions-stream.js';
import { LlmChunk, LlmFailure, LlmProvider, LlmRequest } from './llm-provider.js';

const RETRY_AFTER_CAP_MS = 30_000;

function retryAfterMs(error: { headers?: Headers }): number | undefined {
  const header = error.headers?.get('retry-after-ms') ?? error.headers?.get('retry-after');
  if (!header) return undefined;
  const isMs = error.headers?.get('retry-after-ms') !== null && error.headers?.get('retry-after-ms') !== undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, isMs ? seconds : seconds * 1000));
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.min(RETRY_AFTER_CAP_MS, Math.max(0, date - Date.now())) : undefined;
}

/** Maps what the openai package throws to what the asker is told. */
export function toLlmFailure(error: unknown): unknown {
  if (error instanceof LlmFailure || error instanceof APIUserAbortError) return error;
  if ((error instanceof APIError || error instanceof UpstreamHttpError) && error.status !== undefined) {
    if (error.status === 429) return new LlmFailure(ErrorCode.AI_RATE_LIMITED, 'The model provider is rate-limiting requests', true, retryAfterMs(error));
    if (error.status >= 500) return new LlmFailure(ErrorCode.AI_UNAVAILABLE, `The model provider failed (HTTP ${error.status})`, true, retryAfterMs(error));
    return new LlmFailure(ErrorCode.AI_UNAVAILABLE, `The model provider refused the request (HTTP ${error.status})`);
  }
  if (error instanceof APIConnectionError || error instanceof UpstreamConnectionError) return new LlmFailure(ErrorCode.AI_UNAVAILABLE, 'The model provider could not be reached', true);
  return error;
}

/** Any OpenAI-compatible Chat Completions endpoint: OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio. */
export class OpenAiProvider extends LlmProvider {
  readonly name = 'openai';
  readonly model: string;
  private readonly client: OpenAI;

  constructor(private readonly config: LlmConfig) {
    super();
    this.model = config.model;
    this.client = new OpenAI({
      // Local servers (Ollama, vLLM) take any key; the package insists on one.
      apiKey: config.apiKey ?? 'not-needed',
      baseURL: config.baseUrl ?? undefined,
      // Retries and timeouts are ours: we retry only before the first token and watch for stalls.
      maxRetries: 0,
      timeout: 24 * 3600 * 1000,
    });
  }

  async *stream({ messages, signal }: LlmRequest): AsyncIterable<LlmChunk> {
    // The package's client holds the resolved base URL and key (its own defaults and environment included).
    const stream = streamChatCompletion(
      this.client.baseURL,
      this.client.apiKey ?? 'not-needed',
      {
        model: this.config.model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
        temperature: this.config.temperature,
        max_tokens: this.config.maxOutputTokens,
      },
      signal,
    );
    try {
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) yield { type: 'delta', text };
        if (chunk.usage) {
          yield { type: 'usage', promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        }
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // The body broke off or carried an error event: the upstream failed mid-reply.
      if (error instanceof UpstreamStreamError) throw new LlmFailure(ErrorCode.AI_UNAVAILABLE, 'The model provider broke off the reply', true);
      throw toLlmFailure(error);
    }
    // A stream that ended as the signal aborted it must not look complete.
    signal.throwIfAborted();
  }
}
