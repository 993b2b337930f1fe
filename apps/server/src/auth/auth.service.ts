import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { ErrorCode, LoginResponse } from '@chat/contract';
import type { AuthConfigResponse, MeResponse } from '@chat/contract';
import { QuotasService } from '../quotas/quotas.service.js';
import { AuditService } from '../audit/audit.service.js';
import { AppException } from '../common/app-exception.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { toUserView, UsersService } from '../users/users.service.js';
import type { AuthUser, JwtClaims } from './auth.types.js';
import type { UserEntity } from '../users/user.entity.js';
import { hashPassword, needsRehash, verifyPassword } from './password-hasher.js';
import { normalizeUsername } from './password-policy.js';
import { SsoRepository } from './oidc/sso.repository.js';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface VerifiedToken {
  user: AuthUser;
  expiresAt: number;
}

@Injectable()
export class AuthService {
  // Compared against when the username is unknown, so the response time does not reveal which part was wrong.
  private dummyHash?: Promise<string>;
  /** Login hashes running now: each is ~32 MiB and a core for a while, so a flood is refused, not queued. */
  private hashing = 0;

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly quotas: QuotasService,
    private readonly sso: SsoRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** What the sign-in page offers. */
  async signInOptions(): Promise<AuthConfigResponse> {
    return { sso: this.config.oidc !== null, passwordLogin: this.config.passwordLogin || !(await this.sso.ssoAdminExists()) };
  }

  /**
   * PASSWORD_LOGIN=false leaves one way in without the provider: the bootstrap admin (ADMIN_USERNAME),
   * until an admin has signed in through single sign-on. Then it is retired too, so no local
   * password outlives the switch to the company's sign-in.
   */
  private async passwordLoginAllowed(username: string): Promise<boolean> {
    if (this.config.passwordLogin) return true;
    return username === normalizeUsername(this.config.adminUsername) && !(await this.sso.ssoAdminExists());
  }

  async login(username: string, password: string): Promise<LoginResponse> {
    if (!(await this.passwordLoginAllowed(normalizeUsername(username)))) {
      await this.audit.recordAlone({ action: 'auth.login_failed', actor: { id: null, username }, details: { reason: 'password_login_disabled' } });
      throw AppException.forbidden('Password sign-in is turned off here; sign in with SSO');
    }
    if (this.hashing >= this.config.loginMaxConcurrentHashes) {
      throw new AppException(ErrorCode.RATE_LIMITED, 'Too many sign-ins at once; retry in a moment', { retryAfterMs: 1000 });
    }
    this.hashing++;
    let user: UserEntity | null;
    let valid: boolean;
    try {
      user = await this.users.findForLogin(normalizeUsername(username));
      this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'), this.config.passwordHash);
      // An account of single sign-on has no password: it is compared with the dummy, and fails.
      valid = (await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash))) && !!user?.passwordHash;
      if (user?.passwordHash && valid && !user.disabled && needsRehash(user.passwordHash, this.config.passwordHash)) await this.users.rehash(user.id, password);
    } finally {
      this.hashing--;
    }
    if (!user || !valid || user.disabled) {
      // The reason is for admins reading the log; the caller still learns nothing.
      await this.audit.recordAlone({
        action: 'auth.login_failed',
        actor: { id: user?.id ?? null, username: user?.username ?? username },
        ...(user ? { target: { type: 'user', id: user.id } } : {}),
        details: { reason: !user ? 'unknown_user' : user.passwordHash === null ? 'sso_only' : !valid ? 'wrong_password' : 'disabled' },
      });
      throw new AppException(ErrorCode.UNAUTHORIZED, 'Invalid username or password');
    }
    await this.audit.recordAlone({ action: 'auth.login', actor: user, target: { type: 'user', id: user.id } });
    return this.issueSession(user);
  }

  /** The caller, with what is left of their assistant budget. */
  async me(user: AuthUser): Promise<MeResponse> {
    return { ...user, quota: await this.quotas.status(user.id) };
  }

  /** A password change ends every session; the caller gets a fresh token to carry on. */
  async changePassword(user: AuthUser, currentPassword: string, newPassword: string): Promise<LoginResponse> {
    return this.issueSession(await this.users.changePassword(user.id, currentPassword, newPassword));
  }

  logout(user: AuthUser): Promise<void> {
    return this.users.revokeSessions(user);
  }

  /** Signature, expiry, token version and a still-enabled account; the role comes from the database, not the token. */
  async verify(token: string | undefined): Promise<VerifiedToken> {
    if (!token) throw new AppException(ErrorCode.UNAUTHORIZED, 'Missing access token');
    let claims: JwtClaims;
    try {
      claims = await this.jwt.verifyAsync<JwtClaims>(token, { algorithms: ['HS256'] });
    } catch (error) {
      const expired = error instanceof Error && error.name === 'TokenExpiredError';
      throw new AppException(ErrorCode.UNAUTHORIZED, expired ? 'Access token expired' : 'Invalid access token');
    }
    // A token that never expires could never be retired by time: ours always carry exp.
    if (typeof claims.exp !== 'number') throw new AppException(ErrorCode.UNAUTHORIZED, 'Invalid access token');
    // No catch-all here: a database failure must surface as a server error, not as "logged out" (401).
    const user = typeof claims.sub === 'string' && UUID_PATTERN.test(claims.sub) ? await this.users.findActiveById(claims.sub) : null;
    if (!user) throw new AppException(ErrorCode.UNAUTHORIZED, 'Account is disabled or no longer exists');
    // Tokens from before versions existed count as version 0 until the first logout or change.
    if ((claims.ver ?? 0) !== user.tokenVersion) throw new AppException(ErrorCode.UNAUTHORIZED, 'Session ended: signed out or password changed');
    return { user: toUserView(user), expiresAt: claims.exp };
  }

  /** The session of a sign-in, by password or by single sign-on. */
  async issueSession(user: UserEntity): Promise<LoginResponse> {
    const claims: Omit<JwtClaims, 'iat' | 'exp'> = { sub: user.id, username: user.username, role: user.role, ver: user.tokenVersion };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.config.jwtExpiresInSeconds });
    return { accessToken, expiresIn: this.config.jwtExpiresInSeconds, user: toUserView(user) };
  }
}

/** `Authorization: Bearer <token>` → token, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return match?.[1];
}
