import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerOptions, ThrottlerStorageService } from '@nestjs/throttler';
import type { Socket } from 'socket.io';
import type { AuthUser } from '../auth/auth.types.js';
import { loadConfig } from '../config/app-config.js';
import { AppException } from './app-exception.js';
import { AppThrottlerGuard, RateLimit, throttlerOptions } from './rate-limit.js';

class ChatController {
  @RateLimit('login') login(): void {}
  @RateLimit('messages') post(): void {}
  list(): void {}
}

@RateLimit('typing')
class TypingHandlers {
  typing(): void {}
}

type Handler = (...args: never[]) => unknown;

function httpContext(handler: Handler, request: Record<string, unknown>, classRef: object = ChatController): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => classRef,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ header: () => undefined }), getNext: () => undefined }),
  } as unknown as ExecutionContext;
}

function wsContext(handler: Handler, socket: Pick<Socket, 'data' | 'handshake'>, classRef: object = ChatController): ExecutionContext {
  return {
    getType: () => 'ws',
    getHandler: () => handler,
    getClass: () => classRef,
    switchToWs: () => ({ getClient: () => socket, getData: () => undefined, getPattern: () => '' }),
  } as unknown as ExecutionContext;
}

/** Exposes the protected tracker so its choice can be checked directly. */
class InspectableGuard extends AppThrottlerGuard {
  tracker(req: Record<string, unknown>, context: ExecutionContext): Promise<string> {
    return this.getTracker(req, context);
  }
}

const config = loadConfig({
  JWT_SECRET: 'x'.repeat(32),
  RATE_LIMIT_REST_PER_MINUTE: '100',
  RATE_LIMIT_LOGIN_PER_MINUTE: '2',
  RATE_LIMIT_MESSAGES_PER_MINUTE: '2',
  RATE_LIMIT_TYPING_PER_MINUTE: '50',
});
const user: AuthUser = { id: 'u-1', username: 'alice', displayName: 'Alice', role: 'staff' };
const socket = { data: { userId: 'u-1' }, handshake: { headers: {} } } as unknown as Pick<Socket, 'data' | 'handshake'>;
const proto = ChatController.prototype;

function objectOptions() {
  const options = throttlerOptions(config, null);
  if (Array.isArray(options)) throw new Error('throttlerOptions should return the object form');
  return options;
}

describe('rate limit buckets', () => {
  const throttlers: ThrottlerOptions[] = objectOptions().throttlers;
  const counted = (context: ExecutionContext) => throttlers.filter((t) => !t.skipIf!(context)).map((t) => [t.name, t.limit]);

  it('should count each request in exactly one bucket, with that bucket’s limit', () => {
    expect(counted(httpContext(proto.list, {}))).toEqual([['rest', 100]]);
    expect(counted(httpContext(proto.login, {}))).toEqual([['login', 2]]);
    expect(counted(httpContext(proto.post, {}))).toEqual([['messages', 2]]);
    expect(counted(wsContext(proto.post, socket))).toEqual([['messages', 2]]);
    expect(counted(wsContext(TypingHandlers.prototype.typing, socket, TypingHandlers))).toEqual([['typing', 50]]);
  });

  it('should leave socket events without a declared bucket unlimited', () => {
    expect(counted(wsContext(proto.list, socket))).toEqual([]);
  });

  it('should key by bucket and caller only, so REST and socket sends share one budget', () => {
    const { generateKey } = objectOptions();
    expect(generateKey!(httpContext(proto.post, {}), 'user:u-1', 'messages')).toBe('messages:user:u-1');
    expect(generateKey!(wsContext(proto.post, socket), 'user:u-1', 'messages')).toBe('messages:user:u-1');
  });
});

describe(AppThrottlerGuard.name, () => {
  let storage: ThrottlerStorageService;
  let guard: InspectableGuard;

  beforeEach(async () => {
    storage = new ThrottlerStorageService();
    guard = new InspectableGuard(throttlerOptions(config, null), storage, new Reflector());
    await guard.onModuleInit();
  });
  afterEach(() => {
    storage.onApplicationShutdown();
  });

  it('should track a login attempt by address and lower-cased username', async () => {
    const request = { ip: '10.0.0.1', body: { username: 'Alice' } };
    expect(await guard.tracker(request, httpContext(proto.login, request))).toBe('ip:10.0.0.1\u0000alice');
    const noName = { ip: '10.0.0.1', body: {} };
    expect(await guard.tracker(noName, httpContext(proto.login, noName))).toBe('ip:10.0.0.1\u0000');
  });

  it('should track an authenticated request by user and an anonymous one by address', async () => {
    const signedIn = { ip: '10.0.0.1', user };
    expect(await guard.tracker(signedIn, httpContext(proto.list, signedIn))).toBe('user:u-1');
    const anonymous = { ip: '10.0.0.2' };
    expect(await guard.tracker(anonymous, httpContext(proto.list, anonymous))).toBe('ip:10.0.0.2');
  });

  it('should track a socket by its user', async () => {
    expect(await guard.tracker({ socket, headers: {} }, wsContext(proto.post, socket))).toBe('user:u-1');
  });

  it('should refuse past the limit with RATE_LIMITED and a retry delay, per user', async () => {
    const context = wsContext(proto.post, socket);
    expect(await guard.canActivate(context)).toBe(true);
    expect(await guard.canActivate(context)).toBe(true);
    const refused = await guard.canActivate(context).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppException);
    expect((refused as AppException).code).toBe('RATE_LIMITED');
    expect((refused as AppException).extra.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect((refused as AppException).extra.retryAfterMs).toBeLessThanOrEqual(60_000);

    // REST posts by the same user share the exhausted budget; another user has their own.
    const request = { ip: '10.0.0.1', user, body: {} };
    await expect(guard.canActivate(httpContext(proto.post, request))).rejects.toBeInstanceOf(AppException);
    const other = { ip: '10.0.0.1', user: { ...user, id: 'u-2' }, body: {} };
    expect(await guard.canActivate(httpContext(proto.post, other))).toBe(true);
  });
});
