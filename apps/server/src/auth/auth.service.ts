import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { ErrorCode, LoginResponse } from '@chat/contract';
import type { MeResponse } from '@chat/contract';
import { QuotasService } from '../quotas/quotas.service.js';
import { AuditService } from '../audit/audit.service.js';
import { AppException } from '../common/app-exception.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { toUserView, UsersService } from '../users/users.service.js';
import type { AuthUser, JwtClaims } from './auth.types.js';
import { hashPassword, verifyPassword } from './password-hasher.js';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface VerifiedToken {
  user: AuthUser;
  expiresAt: number;
}

@Injectable()
export class AuthService {
  // Compared against when the username is unknown, so the response time does not reveal which part was wrong.
  private dummyHash?: Promise<string>;

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly quotas: QuotasService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(username: string, password: string): Promise<LoginResponse> {
    const user = await this.users.findForLogin(username);
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    const valid = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !valid || user.disabled) {
      // The reason is for admins reading the log; the caller still learns nothing.
      await this.audit.recordAlone({
        action: 'auth.login_failed',
        actor: { id: user?.id ?? null, username: user?.username ?? username },
        ...(user ? { target: { type: 'user', id: user.id } } : {}),
        details: { reason: !user ? 'unknown_user' : !valid ? 'wrong_password' : 'disabled' },
      });
      throw new AppException(ErrorCode.UNAUTHORIZED, 'Invalid username or password');
    }
    await this.audit.recordAlone({ action: 'auth.login', actor: user, target: { type: 'user', id: user.id } });
    const claims: Omit<JwtClaims, 'iat' | 'exp'> = { sub: user.id, username: user.username, role: user.role };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.config.jwtExpiresInSeconds });
    return { accessToken, expiresIn: this.config.jwtExpiresInSeconds, user: toUserView(user) };
  }

  /** The caller, with what is left of their assistant budget. */
  async me(user: AuthUser): Promise<MeResponse> {
    return { ...user, quota: await this.quotas.status(user.id) };
  }

  /** Signature, expiry and a still-enabled account; the role comes from the database, not the token. */
  async verify(token: string | undefined): Promise<VerifiedToken> {
    if (!token) throw new AppException(ErrorCode.UNAUTHORIZED, 'Missing access token');
    let claims: JwtClaims;
    try {
      claims = await this.jwt.verifyAsync<JwtClaims>(token, { algorithms: ['HS256'] });
    } catch (error) {
      const expired = error instanceof Error && error.name === 'TokenExpiredError';
      throw new AppException(ErrorCode.UNAUTHORIZED, expired ? 'Access token expired' : 'Invalid access token');
    }
    // No catch-all here: a database failure must surface as a server error, not as "logged out" (401).
    const user = typeof claims.sub === 'string' && UUID_PATTERN.test(claims.sub) ? await this.users.findActiveById(claims.sub) : null;
    if (!user) throw new AppException(ErrorCode.UNAUTHORIZED, 'Account is disabled or no longer exists');
    return { user: toUserView(user), expiresAt: claims.exp };
  }
}

/** `Authorization: Bearer <token>` → token, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return match?.[1];
}
