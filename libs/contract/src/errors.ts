/** Every coded failure the server reports, over the socket (`error` event, acks) and over REST. */
export const ErrorCode = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  ROOM_NOT_FOUND: 'ROOM_NOT_FOUND',
  CONFLICT: 'CONFLICT',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  RATE_LIMITED: 'RATE_LIMITED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** An upload in a format the server cannot read. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** A changes-feed cursor older than the feed's retention: start again from now (omit `since`). */
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  INTERNAL: 'INTERNAL',
  /** The model endpoint failed, or the assistant is off in this room. */
  AI_UNAVAILABLE: 'AI_UNAVAILABLE',
  /** No first token, or no next token, within LLM_TIMEOUT_MS. */
  AI_TIMEOUT: 'AI_TIMEOUT',
  /** The model endpoint throttled us, or the user asked the assistant too often. */
  AI_RATE_LIMITED: 'AI_RATE_LIMITED',
  /** Every upstream slot and the waiting line are full. */
  AI_BUSY: 'AI_BUSY',
  /** The asker's daily or monthly token budget is used up; `retryAfterMs` says when it resets. */
  AI_QUOTA_EXCEEDED: 'AI_QUOTA_EXCEEDED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** The client event that failed, when the error answers one. */
  event?: string;
  /** For RATE_LIMITED: how long to wait before the next attempt can succeed. */
  retryAfterMs?: number;
  /** For VALIDATION_FAILED: one line per rejected field. */
  details?: string[];
}

/** REST error body: the same code vocabulary as the socket. */
export interface HttpErrorBody extends ErrorPayload {
  statusCode: number;
}
