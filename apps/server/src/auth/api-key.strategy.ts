import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { API_KEY_PREFIX, ErrorCode } from '@chat/contract';
import { AppException } from '../common/app-exception.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import type { AuthUser } from './auth.types.js';

const KEY_PATTERN = /^tck_[A-Za-z0-9_-]{43}$/;
const TOUCH_EVERY_MS = 60_000;

/** A new key: 256 random bits after the `tck_` prefix. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256, not a password hash: the key is 256 random bits, so there is nothing to brute-force and a
 * slow salted hash would only cost time on every request. It also lets the lookup be one indexed equality.
 */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function isApiKey(token: string | undefined): token is string {
  return token?.startsWith(API_KEY_PREFIX) === true;
}

/**
 * Authenticates `Bearer tck_…`. Every use reads PostgreSQL (one indexed lookup joined with the owner),
 * so a revocation, an expiry or a disabled owner counts at once on every instance with no cache to
 * invalidate. `lastUsedAt` is written at most once a minute per key.
 */
@Injectable()
export class ApiKeyStrategy {
  private readonly logger = new Logger(ApiKeyStrategy.name);
  private readonly touchedAt = new Map<string, number>();

  constructor(private readonly keys: ApiKeysRepository) {}

  async verify(key: string): Promise<AuthUser> {
    const stored = KEY_PATTERN.test(key) ? await this.keys.findByHash(hashApiKey(key)) : null;
    if (!stored) throw new AppException(ErrorCode.UNAUTHORIZED, 'Invalid API key');
    if (stored.revokedAt) throw new AppException(ErrorCode.UNAUTHORIZED, 'API key revoked');
    const expiresAt = stored.view.expiresAt ? Date.parse(stored.view.expiresAt) : null;
    if (expiresAt !== null && expiresAt <= Date.now()) throw new AppException(ErrorCode.UNAUTHORIZED, 'API key expired');
    if (stored.owner.disabled) throw new AppException(ErrorCode.UNAUTHORIZED, 'Account is disabled or no longer exists');
    this.touch(stored.view.id);
    const { owner } = stored;
    return {
      id: owner.id,
      username: owner.username,
      displayName: owner.displayName,
      role: owner.role,
      ...(owner.mustChangePassword ? { mustChangePassword: true } : {}),
      apiKey: {
        id: stored.view.id,
        scopes: stored.view.scopes,
        roomIds: stored.view.roomIds,
        expiresAt: expiresAt === null ? null : Math.floor(expiresAt / 1000),
      },
    };
  }

  /** For long-lived streams: still not revoked or expired, owner still enabled. */
  isUsable(keyId: string): Promise<boolean> {
    return this.keys.isUsable(keyId);
  }

  private touch(keyId: string): void {
    const now = Date.now();
    if (now - (this.touchedAt.get(keyId) ?? 0) < TOUCH_EVERY_MS) return;
    this.touchedAt.set(keyId, now);
    if (this.touchedAt.size > 10_000) {
      for (const [id, at] of this.touchedAt) if (now - at >= TOUCH_EVERY_MS) this.touchedAt.delete(id);
    }
    this.keys.touch(keyId).catch((error: unknown) => this.logger.warn(`Recording the use of API key ${keyId} failed: ${String(error)}`));
  }
}
