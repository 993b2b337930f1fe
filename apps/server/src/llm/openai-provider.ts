import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { ErrorCode } from '@chat/contract';
import type { LlmConfig } from '../config/app-config.js';
import { LlmChunk, LlmFailure, LlmProvider, LlmRequest } from './llm-provider.js';

const RETRY_AFTER_CAP_MS = 30_000;

function retryAfterMs(error: APIError): number | undefined {
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
  if (error instanceof APIError && error.status !== undefined) {
    if (error.status === 429) return new LlmFailure(ErrorCode.AI_RATE_LIMITED, 'The model provider is rate-limiting requests', true, retryAfterMs(error));
    if (error.status >= 500) return new LlmFailure(ErrorCode.AI_UNAVAILABLE, `The model provider failed (HTTP ${error.status})`, true, retryAfterMs(error));
    return new LlmFailure(ErrorCode.AI_UNAVAILABLE, `The model provider refused the request (HTTP ${error.status})`);
  }
  if (error instanceof APIConnectionError) return new LlmFailure(ErrorCode.AI_UNAVAILABLE, 'The model provider could not be reached', true);
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
    let stream;
    try {
      stream = await this.client.chat.completions.create(
        {
          model: this.config.model,
          messages,
          stream: true,
          stream_options: { include_usage: true },
          temperature: this.config.temperature,
          max_tokens: this.config.maxOutputTokens,
        },
        { signal },
      );
    } catch (error) {
      throw signal.aborted ? signal.reason : toLlmFailure(error);
    }
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
      const failure = toLlmFailure(error);
      if (failure instanceof LlmFailure) throw failure;
      // The body broke off (undici's "terminated") or carried an error event: the upstream failed mid-reply.
      throw new LlmFailure(ErrorCode.AI_UNAVAILABLE, 'The model provider broke off the reply', true);
    }
    // The package ends its stream quietly when the signal aborts it: a stopped reply must not look complete.
    signal.throwIfAborted();
  }
}
