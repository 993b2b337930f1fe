import { jest } from '@jest/globals';
import {
  ArgumentsHost,
  BadRequestException,
  ForbiddenException,
  HttpException,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { ERROR_CODES, ErrorCode, HttpErrorBody } from '@chat/contract';
import { AppException, HTTP_STATUS_BY_CODE } from './app-exception.js';
import { HttpExceptionFilter } from './http-exception.filter.js';

interface Sent {
  status?: number;
  body?: HttpErrorBody;
  headers: Record<string, unknown>;
}

/** Runs the filter against a minimal Express-like response and returns what it sent. */
function send(exception: unknown): Sent {
  const sent: Sent = { headers: {} };
  const response = {
    status(code: number) {
      sent.status = code;
      return response;
    },
    json(body: HttpErrorBody) {
      sent.body = body;
      return response;
    },
    setHeader(name: string, value: unknown) {
      sent.headers[name] = value;
    },
  };
  const request = { method: 'GET', url: '/api/test?q=x', path: '/api/test' };
  const http = { getResponse: () => response, getRequest: () => request, getNext: () => undefined };
  const host = { switchToHttp: () => http, getType: () => 'http' } as unknown as ArgumentsHost;
  new HttpExceptionFilter().catch(exception, host);
  return sent;
}

describe(HttpExceptionFilter.name, () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('should give every error code an HTTP error status', () => {
    expect(Object.keys(HTTP_STATUS_BY_CODE).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      expect(HTTP_STATUS_BY_CODE[code]).toBeGreaterThanOrEqual(400);
      expect(HTTP_STATUS_BY_CODE[code]).toBeLessThan(600);
    }
  });

  it.each(ERROR_CODES)('should send %s with its status and the contract body', (code) => {
    const sent = send(new AppException(code, `failed with ${code}`));
    expect(sent.status).toBe(HTTP_STATUS_BY_CODE[code]);
    expect(sent.body).toEqual({ statusCode: HTTP_STATUS_BY_CODE[code], code, message: `failed with ${code}` });
  });

  it('should keep the validation details', () => {
    const sent = send(AppException.validation(['name must be a string', 'id must be lowercase']));
    expect(sent.body).toEqual({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: 'name must be a string',
      details: ['name must be a string', 'id must be lowercase'],
    });
  });

  it('should send Retry-After in whole seconds, rounded up, with a rate limit', () => {
    const sent = send(AppException.rateLimited(1500));
    expect(sent.status).toBe(429);
    expect(sent.headers['Retry-After']).toBe(2);
    expect(sent.body).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1500 });
  });

  it("should map the throttler's own exception to RATE_LIMITED", () => {
    const sent = send(new ThrottlerException());
    expect(sent.status).toBe(429);
    expect(sent.body).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 60_000 });
    expect(sent.headers['Retry-After']).toBe(60);
  });

  it.each([
    [new BadRequestException('Validation failed (uuid is expected)'), 400, ErrorCode.VALIDATION_FAILED],
    [new UnauthorizedException(), 401, ErrorCode.UNAUTHORIZED],
    [new ForbiddenException(), 403, ErrorCode.FORBIDDEN],
    [new NotFoundException('Cannot GET /api/nope'), 404, ErrorCode.NOT_FOUND],
    [new PayloadTooLargeException(), 413, ErrorCode.PAYLOAD_TOO_LARGE],
    [new ServiceUnavailableException(), 503, ErrorCode.SERVICE_UNAVAILABLE],
    [new HttpException('I am a teapot', 418), 418, ErrorCode.VALIDATION_FAILED],
    [new HttpException('Bad gateway', 502), 502, ErrorCode.INTERNAL],
  ])('should map Nest HTTP exception %p to %d %s', (exception, status, code) => {
    const sent = send(exception);
    expect(sent.status).toBe(status);
    expect(sent.body).toMatchObject({ statusCode: status, code });
  });

  it("should map every status it knows to a code that maps back to that status", () => {
    for (const status of [400, 401, 403, 404, 409, 413, 429, 503]) {
      const { body } = send(new HttpException('x', status));
      expect(HTTP_STATUS_BY_CODE[body!.code]).toBe(status);
    }
  });

  it('should join a list of messages from Nest into one', () => {
    const sent = send(new BadRequestException(['a is wrong', 'b is wrong']));
    expect(sent.body?.message).toBe('a is wrong; b is wrong');
  });

  it('should answer anything else with 500 INTERNAL, hiding the cause but logging it', () => {
    const sent = send(new Error('connection string postgres://secret@db'));
    expect(sent.status).toBe(500);
    expect(sent.body).toEqual({ statusCode: 500, code: 'INTERNAL', message: 'Internal server error' });
    expect(Logger.prototype.error).toHaveBeenCalledWith(
      { code: 'INTERNAL', err: expect.objectContaining({ message: 'connection string postgres://secret@db' }) },
      'GET /api/test failed',
    );
    expect(send('a thrown string').body?.code).toBe('INTERNAL');
  });
});
