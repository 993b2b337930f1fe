import { ErrorCode, ErrorPayload } from '@chat/contract';

/** A failure the user should hear about, with its contract code. Thrown by services, mapped at the edges. */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Pick<ErrorPayload, 'retryAfterMs' | 'details'> = {},
  ) {
    super(message);
    this.name = 'AppException';
  }

  static validation(details: string[]): AppException {
    return new AppException(ErrorCode.VALIDATION_FAILED, details[0] ?? 'Invalid input', { details });
  }

  static roomNotFound(roomId: string): AppException {
    return new AppException(ErrorCode.ROOM_NOT_FOUND, `Room "${roomId}" does not exist`);
  }

  static forbidden(message = 'You are not allowed to do that'): AppException {
    return new AppException(ErrorCode.FORBIDDEN, message);
  }

  static rateLimited(retryAfterMs: number): AppException {
    return new AppException(ErrorCode.RATE_LIMITED, `Too many requests; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      retryAfterMs,
    });
  }
}

/** HTTP status for each code; `satisfies` makes a new code fail to compile until it is mapped. */
export const HTTP_STATUS_BY_CODE = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROOM_NOT_FOUND: 404,
  CONFLICT: 409,
  VALIDATION_FAILED: 400,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SERVICE_UNAVAILABLE: 503,
  CURSOR_EXPIRED: 410,
  INTERNAL: 500,
  AI_UNAVAILABLE: 503,
  AI_TIMEOUT: 504,
  AI_RATE_LIMITED: 429,
  AI_BUSY: 503,
  AI_QUOTA_EXCEEDED: 429,
} as const satisfies Record<ErrorCode, number>;

export function toErrorPayload(error: AppException, event?: string): ErrorPayload {
  return { code: error.code, message: error.message, ...(event ? { event } : {}), ...error.extra };
}
