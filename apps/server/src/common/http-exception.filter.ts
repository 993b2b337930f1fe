import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, Optional } from '@nestjs/common';
import { ErrorCode, HttpErrorBody } from '@chat/contract';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Metrics } from '../metrics/metrics.service.js';
import { AppException, HTTP_STATUS_BY_CODE } from './app-exception.js';
import { isInvalidInput } from '../database/postgres-errors.js';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.VALIDATION_FAILED,
  401: ErrorCode.UNAUTHORIZED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.RATE_LIMITED,
  503: ErrorCode.SERVICE_UNAVAILABLE,
};

/** body-parser's own errors (malformed JSON, too large, bad charset) carry a 4xx `status` and a `type`. */
function bodyParserStatus(exception: unknown): number | undefined {
  const error = exception as { status?: unknown; type?: unknown } | null;
  if (typeof error?.type !== 'string' || typeof error.status !== 'number') return undefined;
  return error.status >= 400 && error.status < 500 ? error.status : undefined;
}

/** The one place REST errors get their shape: `{statusCode, code, message, details?}`. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  constructor(@Optional() private readonly metrics?: Metrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const request = ctx.getRequest<Request>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) {
      this.logger.error({ code: body.code, err: exception }, `${request.method} ${request.path} failed`);
    } else if (body.statusCode >= 400 && body.statusCode !== 401 && body.statusCode !== 404) {
      // A client's mistake: one line with its code, no stack (401/404 are routine and stay quiet).
      this.logger.warn({ code: body.code }, `${request.method} ${request.path} ${body.statusCode} ${body.code}: ${body.message}`);
    }
    this.metrics?.error(body.code);
    // The access log line (pino-http) picks the code up from here.
    if (response.locals) response.locals['errorCode'] = body.code;
    if (body.retryAfterMs !== undefined) response.setHeader('Retry-After', Math.ceil(body.retryAfterMs / 1000));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): HttpErrorBody {
    if (exception instanceof AppException) {
      return { statusCode: HTTP_STATUS_BY_CODE[exception.code], code: exception.code, message: exception.message, ...exception.extra };
    }
    if (exception instanceof ThrottlerException) {
      return { statusCode: 429, code: ErrorCode.RATE_LIMITED, message: 'Too many requests', retryAfterMs: 60_000 };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? [response.message].flat().join('; ')
          : exception.message;
      return { statusCode: status, code: CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.INTERNAL : ErrorCode.VALIDATION_FAILED), message };
    }
    if (isInvalidInput(exception)) {
      return { statusCode: 400, code: ErrorCode.VALIDATION_FAILED, message: 'Invalid input' };
    }
    const parserStatus = bodyParserStatus(exception);
    if (parserStatus !== undefined) {
      return { statusCode: parserStatus, code: CODE_BY_STATUS[parserStatus] ?? ErrorCode.VALIDATION_FAILED, message: (exception as Error).message };
    }
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: ErrorCode.INTERNAL, message: 'Internal server error' };
  }
}
