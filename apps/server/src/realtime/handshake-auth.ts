import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { ErrorCode, HandshakeErrorData } from '@chat/contract';
import { AuthService, bearerToken } from '../auth/auth.service.js';
import { ApiKeyStrategy, isApiKey } from '../auth/api-key.strategy.js';
import { AppException } from '../common/app-exception.js';
import { Metrics } from '../metrics/metrics.service.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { ConnectionQuota } from './connection-quota.js';
import type { ChatSocket } from './socket.types.js';
import type { AuthUser } from '../auth/auth.types.js';

type ConnectError = Error & { data?: HandshakeErrorData };

const WINDOW_MS = 60_000;

/**
 * Socket.IO middleware: a connection without a valid token never reaches the gateway. Failed
 * handshakes are counted per address (through the throttler's storage, shared once it is), and
 * open sockets are capped per user and per address.
 */
@Injectable()
export class HandshakeAuth {
  private readonly logger = new Logger('HandshakeAuth');

  constructor(
    private readonly auth: AuthService,
    private readonly apiKeys: ApiKeyStrategy,
    private readonly metrics: Metrics,
    private readonly quota: ConnectionQuota,
    @InjectThrottlerStorage() private readonly throttle: ThrottlerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  middleware() {
    return (socket: ChatSocket, next: (error?: Error) => void): void => {
      void this.admit(socket).then(
        () => next(),
        (error: unknown) => {
          const refused = error instanceof AppException ? error : new AppException(ErrorCode.UNAUTHORIZED, 'Authentication failed');
          const code = refused.code === ErrorCode.RATE_LIMITED ? ErrorCode.RATE_LIMITED : ErrorCode.UNAUTHORIZED;
          // No user yet: the line has the connection id only.
          if (!(error instanceof AppException)) this.logger.error({ connectionId: socket.id, code: ErrorCode.INTERNAL, err: error }, 'Handshake check failed');
          else this.logger.debug({ connectionId: socket.id, code }, `Handshake refused: ${refused.message}`);
          this.metrics.error(code);
          const refusal: ConnectError = new Error(refused.message);
          refusal.data = { code, message: refused.message, ...(refused.extra.retryAfterMs !== undefined ? { retryAfterMs: refused.extra.retryAfterMs } : {}) };
          next(refusal);
        },
      );
    };
  }

  private async admit(socket: ChatSocket): Promise<void> {
    const address = socket.handshake.address;
    try {
      await this.authenticate(socket);
    } catch (error) {
      if (!(error instanceof AppException)) throw error;
      const record = await this.throttle.increment(`handshake:ip:${address}`, WINDOW_MS, this.config.failedHandshakesPerMinute, WINDOW_MS, 'handshake');
      if (record.isBlocked) {
        this.logger.warn(`Too many failed handshakes from ${address}`);
        throw AppException.rateLimited(Math.max(1, record.timeToBlockExpire) * 1000);
      }
      throw error;
    }
    const userKey = `user:${socket.data.userId}`;
    const addressKey = `ip:${address}`;
    if (!(await this.quota.acquire(userKey, this.config.socketsPerUser))) {
      throw AppException.rateLimited(5000);
    }
    if (!(await this.quota.acquire(addressKey, this.config.socketsPerAddress))) {
      await this.quota.release(userKey);
      throw AppException.rateLimited(5000);
    }
    socket.once('disconnect', () => {
      void this.quota.release(userKey);
      void this.quota.release(addressKey);
    });
  }

  private async authenticate(socket: ChatSocket): Promise<void> {
    const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const token = typeof fromAuth === 'string' && fromAuth !== '' ? fromAuth.replace(/^Bearer\s+/i, '') : bearerToken(socket.handshake.headers.authorization);
    const { user, expiresAt } = isApiKey(token) ? await this.viaApiKey(token) : await this.auth.verify(token);
    if (user.mustChangePassword) throw new AppException(ErrorCode.UNAUTHORIZED, 'Change your password first (POST /api/auth/password)');
    socket.data = { userId: user.id, username: user.username, displayName: user.displayName, role: user.role, tokenExpiresAt: expiresAt };
    if (user.apiKey) socket.data.apiKey = { id: user.apiKey.id, scopes: user.apiKey.scopes, roomIds: user.apiKey.roomIds };
  }

  /** A key may open a socket to read (messages:read) or to post (messages:write); each event checks its own scope. */
  private async viaApiKey(token: string): Promise<{ user: AuthUser; expiresAt: number }> {
    const user = await this.apiKeys.verify(token);
    const scopes = user.apiKey!.scopes;
    if (!scopes.includes('messages:read') && !scopes.includes('messages:write')) {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'This API key has neither messages:read nor messages:write');
    }
    // A key without expiry keeps the socket until it is revoked (which drops it) or the process ends.
    return { user, expiresAt: user.apiKey!.expiresAt ?? Math.floor(Date.now() / 1000) + 10 * 365 * 86_400 };
  }
}
