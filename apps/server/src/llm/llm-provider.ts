import type { AuditActorRef } from '@chat/contract';
import { ErrorCode } from '@chat/contract';
import type { PromptSource } from './prompt-builder.js';

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type LlmChunk = { type: 'delta'; text: string } | { type: 'usage'; promptTokens: number; completionTokens: number };

export interface LlmRequest {
  messages: ChatTurn[];
  signal: AbortSignal;
  /** The knowledge-base passages already in `messages`, for a provider that answers from them directly. */
  sources?: PromptSource[];
}

/** Any chat model the assistant can stream from. */
export abstract class LlmProvider {
  abstract readonly name: string;
  abstract readonly model: string;
  /** Yields text deltas, and usage when the upstream reports it. Throws LlmFailure or the transport's error. */
  abstract stream(request: LlmRequest): AsyncIterable<LlmChunk>;
}

export type AiErrorCode = typeof ErrorCode.AI_UNAVAILABLE | typeof ErrorCode.AI_TIMEOUT | typeof ErrorCode.AI_RATE_LIMITED | typeof ErrorCode.AI_BUSY | typeof ErrorCode.AI_QUOTA_EXCEEDED;

/** Why a reply could not be produced, with the code the asker is told and text that goes in the message. */
export class LlmFailure extends Error {
  constructor(
    readonly code: AiErrorCode,
    message: string,
    /** Worth another attempt (before the first token only). */
    readonly retryable = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'LlmFailure';
  }
}

/** The reason an abort signal carries when a user (or shutdown) stops a reply. */
/** Who stopped a reply, and from where: the audit log names them when they are not the asker. */
export interface Canceller {
  actor: AuditActorRef;
  origin: { requestId: string | null; ip: string | null };
}

export class ReplyStopped extends Error {
  constructor(
    readonly by: 'user' | 'shutdown',
    readonly canceller?: Canceller,
  ) {
    super(by === 'user' ? 'Stopped' : 'The server restarted while answering');
    this.name = 'ReplyStopped';
  }
}
