import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ErrorCode, SSO_ERRORS } from '@chat/contract';
import type { LoginResponse, SsoError, UserRole } from '@chat/contract';
import { AuditService } from '../../audit/audit.service.js';
import { AppException } from '../../common/app-exception.js';
import { DomainEvents } from '../../common/domain-events.js';
import { APP_CONFIG } from '../../config/app-config.js';
import type { AppConfig, OidcConfig } from '../../config/app-config.js';
import { isUniqueViolation } from '../../database/postgres-errors.js';
import { UserEntity } from '../../users/user.entity.js';
import { AuthService } from '../auth.service.js';
import type { SsoIdentity } from './oidc-client.js';
import { claimGrantsAdmin, suggestedUsername, usernameCandidates } from './sso-username.js';
import { SsoRepository } from './sso.repository.js';

const SIGN_IN_CODE_TTL_MS = 60_000;
const USERNAME_TRIES = 50;

export type SsoOutcome = { ok: true; code: string } | { ok: false; error: SsoError };

const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

/** The rules of a provider sign-in: who the account is, its role, whether it may enter. */
@Injectable()
export class SsoService {
  private readonly oidc: OidcConfig;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly repository: SsoRepository,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly auth: AuthService,
  ) {
    if (!config.oidc) throw new Error('SsoService needs OIDC_* settings');
    this.oidc = config.oidc;
  }

  /**
   * The account of this identity (created on its first sign-in), with the role the provider's claim
   * says; a disabled account stays out. On success a one-time code for the console to exchange.
   */
  async signIn(identity: SsoIdentity): Promise<SsoOutcome> {
    const mappedRole = this.oidc.roleClaim ? (claimGrantsAdmin(identity.claims[this.oidc.roleClaim], this.oidc.adminValues) ? 'admin' : 'staff') : null;
    const userId = (await this.repository.touchIdentity(identity.issuer, identity.subject)) ?? (await this.createFor(identity, mappedRole ?? 'staff'));
    const user = await this.dataSource.getRepository(UserEntity).findOneByOrFail({ id: userId });
    if (user.disabled) {
      await this.audit.recordAlone({
        action: 'auth.login_failed',
        actor: user,
        target: { type: 'user', id: user.id },
        details: { reason: 'disabled', method: 'sso' },
      });
      return { ok: false, error: SSO_ERRORS.SSO_ACCOUNT_DISABLED };
    }
    if (mappedRole && mappedRole !== user.role) await this.applyRole(user, mappedRole);
    await this.audit.recordAlone({ action: 'auth.login', actor: user, target: { type: 'user', id: user.id }, details: { method: 'sso', issuer: identity.issuer } });
    const code = randomBytes(32).toString('base64url');
    await this.repository.saveCode(hashCode(code), user.id, SIGN_IN_CODE_TTL_MS);
    return { ok: true, code };
  }

  /** The console's half: the code from the redirect, once, for the same session a password sign-in gets. */
  async exchange(code: string): Promise<LoginResponse> {
    const userId = await this.repository.consumeCode(hashCode(code));
    const user = userId ? await this.dataSource.getRepository(UserEntity).findOneBy({ id: userId, disabled: false }) : null;
    if (!user) throw new AppException(ErrorCode.UNAUTHORIZED, 'Sign-in code is unknown, used or expired');
    return this.auth.issueSession(user);
  }

  /** A free username (de-duplicated: `name`, `name-2`, …); concurrent first sign-ins of one identity end with one account. */
  private async createFor(identity: SsoIdentity, role: UserRole): Promise<string> {
    const base = suggestedUsername(identity.claims, identity.subject);
    const displayName = (typeof identity.claims['name'] === 'string' && identity.claims['name'].trim()) || base;
    for (const username of usernameCandidates(base, USERNAME_TRIES)) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          const user = await manager.getRepository(UserEntity).save(
            manager.getRepository(UserEntity).create({ username, displayName: displayName.slice(0, 128), role, passwordHash: null }),
          );
          await this.repository.link(manager, identity.issuer, identity.subject, user.id);
          await this.audit.record(manager, {
            action: 'user.created',
            actor: null,
            target: { type: 'user', id: user.id },
            details: { username, displayName: user.displayName, role, via: 'sso', issuer: identity.issuer },
          });
          return user.id;
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // The identity was linked meanwhile (a second tab): that account is the one.
        const linked = await this.repository.touchIdentity(identity.issuer, identity.subject);
        if (linked) return linked;
      }
    }
    throw new AppException(ErrorCode.CONFLICT, `No free username near "${base}"`);
  }

  /** The provider decides the role at every sign-in; open sockets with the old role are dropped. */
  private async applyRole(user: UserEntity, role: UserRole): Promise<void> {
    const old = user.role;
    await this.dataSource.transaction(async (manager) => {
      await manager.update(UserEntity, { id: user.id }, { role });
      await this.audit.record(manager, {
        action: 'user.updated',
        actor: user,
        target: { type: 'user', id: user.id },
        details: { username: user.username, changes: { role: { old, new: role } }, via: 'sso' },
      });
    });
    user.role = role;
    this.events.emit('user.revoked', { userId: user.id, reason: 'role changed' });
  }
}
