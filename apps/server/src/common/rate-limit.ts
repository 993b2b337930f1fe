import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions, ThrottlerOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import type { Socket } from 'socket.io';
import type { AppConfig } from '../config/app-config.js';
import type { AuthUser } from '../auth/auth.types.js';
import { normalizeUsername } from '../auth/password-policy.js';
import { AppException } from './app-exception.js';
import type { RedisClients } from '../cluster/redis-clients.js';
import { SharedWindowStorage } from './shared-window-storage.js';
import { SlidingWindowStorage } from './sliding-window-storage.js';

/** Each limit counts in its own bucket, per user (or per address before login), over a sliding minute. */
export type RateBucket = 'rest' | 'login' | 'loginAddress' | 'messages' | 'typing' | 'rooms' | 'aiCancel' | 'uploads' | 'changes' | 'reads' | 'search';
const RATE_BUCKET = 'chat:rate-bucket';
const WINDOW_MS = 60_000;
/** The metadata key @SkipThrottle writes (plus the throttler's name); the package does not export it from its entry point. */
const THROTTLER_SKIP = 'THROTTLER:SKIP';

/** The buckets an event or route counts in (each must have room for it to pass). */
export const RateLimit = (...buckets: RateBucket[]) => SetMetadata(RATE_BUCKET, buckets);

function bucketsOf(context: ExecutionContext): RateBucket[] {
  const declared: RateBucket[] | undefined =
    Reflect.getMetadata(RATE_BUCKET, context.getHandler()) ?? Reflect.getMetadata(RATE_BUCKET, context.getClass());
  return declared ?? (context.getType() === 'http' ? ['rest'] : []);
}

/** Login trackers are `ip:<address>` + this + the normalised username; the per-address bucket keeps only the address. */
const LOGIN_NAME_SEPARATOR = '\u0000';

/** One storage for every limit: shared through Redis when there is one, else this instance's memory. */
export function throttlerOptions(config: AppConfig, redis: RedisClients | null): ThrottlerModuleOptions {
  const bucket = (name: RateBucket, limit: number): ThrottlerOptions => ({
    name,
    ttl: WINDOW_MS,
    limit,
    skipIf: (context) => !bucketsOf(context).includes(name),
  });
  return {
    throttlers: [
      bucket('rest', config.rateLimitRestPerMinute),
      bucket('login', config.rateLimitLoginPerMinute),
      bucket('loginAddress', config.rateLimitLoginPerAddressPerMinute),
      bucket('messages', config.rateLimitMessagesPerMinute),
      bucket('typing', config.rateLimitTypingPerMinute),
      bucket('rooms', config.rateLimitJoinsPerMinute),
      bucket('aiCancel', config.rateLimitAiCancelPerMinute),
      bucket('uploads', config.knowledge.uploadsPerMinute),
      bucket('changes', config.rateLimitChangesPerMinute),
      bucket('reads', config.rateLimitReadsPerMinute),
      bucket('search', config.rateLimitSearchPerMinute),
    ],
    // The key names the bucket and the caller, not the route: REST and socket sends share one budget.
    generateKey: (_context, tracker, name) =>
      `${name}:${name === 'loginAddress' ? tracker.split(LOGIN_NAME_SEPARATOR)[0] : tracker}`,
    storage: redis ? new SharedWindowStorage(redis) : new SlidingWindowStorage(),
  };
}

type HttpRequest = Request & { user?: AuthUser };

type ThrottlerRequest = Parameters<ThrottlerGuard['handleRequest']>[0];
type BucketCheck = Omit<ThrottlerRequest, 'context'>;
type Handler = ExecutionContext['getHandler'] extends () => infer H ? H : never;

/** @nestjs/throttler's guard for both transports; a refusal becomes RATE_LIMITED with retryAfterMs. */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  /**
   * The buckets a handler counts in, resolved once per handler and transport. The package's
   * canActivate asks the reflector six times and runs skipIf for each of the eleven throttlers on
   * every event and request; here an event checks only its own bucket(s).
   */
  private readonly checks = new WeakMap<Handler, Map<string, BucketCheck[]>>();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    for (const check of this.checksFor(context)) await this.handleRequest({ context, ...check });
    return true;
  }

  private checksFor(context: ExecutionContext): BucketCheck[] {
    const handler = context.getHandler();
    let byType = this.checks.get(handler);
    if (!byType) this.checks.set(handler, (byType = new Map()));
    const type = context.getType();
    let checks = byType.get(type);
    if (!checks) byType.set(type, (checks = this.resolveChecks(context)));
    return checks;
  }

  private resolveChecks(context: ExecutionContext): BucketCheck[] {
    const targets = [context.getHandler(), context.getClass()];
    const buckets = bucketsOf(context);
    return this.throttlers
      .filter((throttler) => buckets.includes(throttler.name as RateBucket) && !this.reflector.getAllAndOverride<boolean>(THROTTLER_SKIP + throttler.name, targets))
      .map((throttler) => {
        // Our buckets have fixed numbers (no per-route @Throttle overrides, no resolver functions).
        const ttl = throttler.ttl as number;
        return {
          throttler,
          limit: throttler.limit as number,
          ttl,
          blockDuration: (throttler.blockDuration as number | undefined) ?? ttl,
          getTracker: this.commonOptions.getTracker!,
          generateKey: this.commonOptions.generateKey!,
        };
      });
  }
  protected override getRequestResponse(context: ExecutionContext): { req: Record<string, unknown>; res: Record<string, unknown> } {
    if (context.getType() === 'ws') {
      const socket = context.switchToWs().getClient<Socket>();
      // Sockets have no response to put headers on.
      return { req: { socket, headers: socket.handshake.headers }, res: { header: () => undefined } };
    }
    return super.getRequestResponse(context);
  }

  protected override async getTracker(req: Record<string, unknown>, context?: ExecutionContext): Promise<string> {
    const socket = req['socket'] as Socket | undefined;
    // Each API key has budgets of its own, apart from its owner's and from the owner's other keys.
    if (context?.getType() === 'ws' && socket) return socket.data.apiKey ? `key:${socket.data.apiKey.id}` : `user:${socket.data.userId}`;
    const request = req as unknown as HttpRequest;
    if (context && bucketsOf(context).includes('login')) {
      // The same spelling the lookup uses, so `admİn` cannot open a fresh bucket and still sign in as `admin`.
      const username = typeof request.body?.username === 'string' ? normalizeUsername(request.body.username) : '';
      return `ip:${request.ip}${LOGIN_NAME_SEPARATOR}${username}`;
    }
    if (request.user?.apiKey) return `key:${request.user.apiKey.id}`;
    return request.user ? `user:${request.user.id}` : `ip:${request.ip}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw AppException.rateLimited(Math.max(1, detail.timeToBlockExpire) * 1000);
  }
}
