import { jest } from '@jest/globals';
import { ConsoleLogger } from '@nestjs/common';
import type { ArgumentsHost } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HttpExceptionFilter } from '../../src/common/http-exception.filter.js';
import { emitWithAck, startTestApp, TestApp } from '../support/test-app.js';

const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('Bad input answers 400, never 500 (audit point 9)', () => {
  let t: TestApp;
  const errors: string[] = [];
  const warnings: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'warn', RATE_LIMIT_LOGIN_PER_MINUTE: '1000' });
    jest.spyOn(ConsoleLogger.prototype, 'error').mockImplementation((...parts: unknown[]) => void errors.push(parts.map(String).join(' ')));
    jest.spyOn(ConsoleLogger.prototype, 'warn').mockImplementation((...parts: unknown[]) => void warnings.push(parts.map(String).join(' ')));
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t.close();
  });
  beforeEach(() => {
    errors.length = 0;
    warnings.length = 0;
  });

  const raw = async (method: string, path: string, body?: string, token = t.adminToken) => {
    const response = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${token}` },
      body,
    });
    return { status: response.status, body: (await response.json()) as { statusCode: number; code: string; message: string } };
  };

  const expectClientError = (result: { status: number; body: { statusCode: number; code: string } }) => {
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(errors).toEqual([]);
    // Logged once at warn, with its code and no stack.
    expect(warnings.some((line) => line.includes('VALIDATION_FAILED'))).toBe(true);
    expect(warnings.join('\n')).not.toMatch(/\n\s+at /);
  };

  it.each([
    ['the anonymous login route', '/api/auth/login'],
    ['a signed-in route', '/api/rooms'],
  ])('should refuse 3,000-deep JSON on %s', async (_name, path) => {
    expectClientError(await raw('POST', path, nested(3000)));
  });

  it('should refuse a NUL byte in a username', async () => {
    expectClientError(await raw('POST', '/api/auth/login', JSON.stringify({ username: 'ad\u0000min', password: 'whatever-password' })));
  });

  it('should refuse a NUL byte in a path', async () => {
    expectClientError(await raw('GET', '/api/rooms/gen%00eral/messages'));
  });

  it('should refuse a NUL byte in a query', async () => {
    expectClientError(await raw('GET', '/api/knowledge/search?q=leave%00policy'));
  });

  it.each(['before', 'after'])('should refuse %s=99999999999999999999, more than a seq can be', async (name) => {
    expectClientError(await raw('GET', `/api/rooms/general/messages?${name}=99999999999999999999`));
  });

  it('should still answer a history cursor at the largest seq a client may name', async () => {
    const result = await raw('GET', `/api/rooms/general/messages?before=${Number.MAX_SAFE_INTEGER}`);
    expect(result.status).toBe(200);
  });

  it('should answer malformed JSON with a coded 400', async () => {
    expectClientError(await raw('POST', '/api/auth/login', '{"username": '));
  });

  it('should refuse a deep or out-of-range socket payload and keep the socket', async () => {
    const socket = await t.connect(t.adminToken);
    const deep = JSON.parse(nested(3000)) as object;
    expect(await emitWithAck(socket, 'send_message', { roomId: 'general', content: 'hi', extra: deep })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await emitWithAck(socket, 'join_room', { roomId: 'general', lastSeq: 1e20 })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await emitWithAck(socket, 'join_room', { roomId: 'general', lastSeq: 0 })).toMatchObject({ ok: true });
    expect(errors).toEqual([]);
  });

  it.each<[string, string, unknown[]]>([
    ['invalid text representation', `SELECT 'abc'::int`, []],
    ['numeric out of range', `SELECT '99999999999999999999'::bigint`, []],
    ['a NUL byte', `SELECT $1::text`, ['a\u0000b']],
  ])('should map a PostgreSQL "%s" error to a coded 400', async (_name, sql, parameters) => {
    const failure = await t.app.get(DataSource).query(sql, parameters).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeDefined();
    let sent: { status?: number; body?: unknown } = {};
    const response = { status: (status: number) => ((sent = { ...sent, status }), response), json: (body: unknown) => ((sent = { ...sent, body }), response), setHeader: () => undefined };
    const http = { getResponse: () => response, getRequest: () => ({ method: 'GET', url: '/api/x', path: '/api/x' }) };
    new HttpExceptionFilter().catch(failure, { switchToHttp: () => http } as unknown as ArgumentsHost);
    expect(sent).toEqual({ status: 400, body: { statusCode: 400, code: 'VALIDATION_FAILED', message: 'Invalid input' } });
    expect(errors).toEqual([]);
  });
});
