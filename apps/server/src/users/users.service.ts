import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { ErrorCode, UserAdminView, UserView } from '@chat/contract';
import type { AuditActorRef, UserDirectoryEntry } from '@chat/contract';
import { AuditService, changesOf } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { DomainEvents } from '../common/domain-events.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { hashPassword, verifyPassword } from '../auth/password-hasher.js';
import { assertPasswordPolicy } from '../auth/password-policy.js';

/** In DATA_DIR: the generated first admin password, readable by the server's user only. */
export const ADMIN_PASSWORD_FILE = 'admin-password';

const SSO_ONLY_MESSAGE = 'This account signs in through single sign-on and has no password here';
import { CreateUserDto, UpdateUserDto } from './users.dto.js';
import { UserEntity } from './user.entity.js';
import { isUniqueViolation } from '../database/postgres-errors.js';

/** Not a scrypt hash, so verifyPassword never accepts anything for it. */
const SERVICE_ACCOUNT_HASH = '!service-account';

export function toUserView(user: UserEntity): UserView {
  const view: UserView = { id: user.id, username: user.username, displayName: user.displayName, role: user.role };
  if (user.mustChangePassword) view.mustChangePassword = true;
  return view;
}

export function toUserAdminView(user: UserEntity): UserAdminView {
  return { ...toUserView(user), disabled: user.disabled, createdAt: user.createdAt.toISOString(), updatedAt: user.updatedAt.toISOString() };
}

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: DomainEvents,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** First start with no users: create the admin account so someone can log in. */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const generated = this.config.adminPassword === null;
    const password = this.config.adminPassword ?? randomBytes(18).toString('base64url');
    try {
      await this.create(
        { username: this.config.adminUsername, password, displayName: 'Administrator', role: 'admin' },
        null,
        { mustChangePassword: generated },
      );
    } catch (error) {
      // Another instance starting at the same moment created it first.
      if (error instanceof AppException && error.code === ErrorCode.CONFLICT) return;
      throw error;
    }
    if (!generated) {
      this.logger.log(`Created admin account "${this.config.adminUsername}" from ADMIN_USERNAME/ADMIN_PASSWORD`);
      return;
    }
    // Never in the log (logs are shipped and kept): in a file only the server's user can read,
    // and it must be changed at the first sign-in.
    const file = join(this.config.dataDir, ADMIN_PASSWORD_FILE);
    mkdirSync(this.config.dataDir, { recursive: true });
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    this.logger.warn(`Created admin account "${this.config.adminUsername}"; its one-time password is in ${file} (it must be changed at the first sign-in)`);
  }

  /** `actor` null: the server itself (the first admin account). */
  async create(dto: CreateUserDto, actor: AuditActorRef | null, options: { mustChangePassword?: boolean } = {}): Promise<UserAdminView> {
    const passwordHash = await this.initialPasswordHash(dto);
    const entity = this.users.create({
      username: dto.username,
      displayName: dto.displayName.trim(),
      role: dto.role,
      passwordHash,
      mustChangePassword: options.mustChangePassword ?? false,
    });
    try {
      const saved = await this.dataSource.transaction(async (manager) => {
        const user = await manager.getRepository(UserEntity).save(entity);
        await this.audit.record(manager, {
          action: 'user.created',
          actor,
          target: { type: 'user', id: user.id },
          details: { username: user.username, displayName: user.displayName, role: user.role },
        });
        return user;
      });
      return toUserAdminView(saved);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppException(ErrorCode.CONFLICT, `Username "${dto.username}" is taken`);
      throw error;
    }
  }

  /** A service account gets a hash no password matches: it never signs in, it acts through API keys. */
  private async initialPasswordHash(dto: CreateUserDto): Promise<string> {
    if (dto.role === 'service') {
      if (dto.password !== undefined) throw AppException.validation(['a service account has no password; it uses API keys (POST /api/users/:userId/api-keys)']);
      return SERVICE_ACCOUNT_HASH;
    }
    if (dto.password === undefined) throw AppException.validation(['password is required']);
    assertPasswordPolicy(dto.password, dto.username);
    return hashPassword(dto.password, this.config.passwordHash);
  }

  /**
   * The owner's own change: the current password must be right. One transaction with the row locked,
   * so two changes cannot interleave; every token issued before is revoked (token version).
   */
  async changePassword(userId: string, currentPassword: string, newPassword: string): Promise<UserEntity> {
    const changed = await this.dataSource.transaction(async (manager) => {
      const user = await this.lockedWithHash(manager, userId);
      if (!user || user.disabled) throw new AppException(ErrorCode.UNAUTHORIZED, 'Account is disabled or no longer exists');
      if (user.passwordHash === null) throw AppException.forbidden(SSO_ONLY_MESSAGE);
      if (!(await verifyPassword(currentPassword, user.passwordHash))) throw new AppException(ErrorCode.UNAUTHORIZED, 'Current password is wrong');
      assertPasswordPolicy(newPassword, user.username);
      if (await verifyPassword(newPassword, user.passwordHash)) throw AppException.validation(['newPassword must differ from the current one']);
      const stored = await this.storePassword(manager, user, newPassword, { mustChangePassword: false });
      await this.audit.record(manager, { action: 'auth.password_changed', actor: user, target: { type: 'user', id: userId }, details: { by: 'self' } });
      return stored;
    });
    this.events.emit('user.revoked', { userId, reason: 'password changed' });
    return changed;
  }

  /** An admin's reset: the new password works once, for changing it; every session ends. */
  async resetPassword(actor: AuditActorRef, userId: string, newPassword: string): Promise<UserAdminView> {
    const reset = await this.dataSource.transaction(async (manager) => {
      const user = await this.lockedWithHash(manager, userId);
      if (!user) throw new AppException(ErrorCode.NOT_FOUND, 'User not found');
      if (user.role === 'service') throw new AppException(ErrorCode.CONFLICT, 'A service account has no password; create an API key for it instead');
      // A local password would be a way in that the identity provider does not control.
      if (user.passwordHash === null) throw AppException.forbidden(SSO_ONLY_MESSAGE);
      assertPasswordPolicy(newPassword, user.username);
      const stored = await this.storePassword(manager, user, newPassword, { mustChangePassword: true });
      await this.audit.record(manager, {
        action: 'auth.password_changed',
        actor,
        target: { type: 'user', id: userId },
        details: { by: 'admin_reset', username: user.username },
      });
      return stored;
    });
    this.events.emit('user.revoked', { userId, reason: 'password reset' });
    return toUserAdminView(reset);
  }

  /** Logout: every token of the account stops working, on every instance (they all check the version). */
  async revokeSessions(user: AuditActorRef & { id: string }): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.increment(UserEntity, { id: user.id }, 'tokenVersion', 1);
      await this.audit.record(manager, { action: 'auth.logout', actor: user, target: { type: 'user', id: user.id } });
    });
    this.events.emit('user.revoked', { userId: user.id, reason: 'signed out' });
  }

  /** After a successful login with a hash made at an older cost. */
  async rehash(userId: string, password: string): Promise<void> {
    await this.users.update({ id: userId }, { passwordHash: await hashPassword(password, this.config.passwordHash) });
  }

  /** Enabled people (not service accounts), by display name: who an owner can invite. */
  async directory(query: string | undefined, limit: number): Promise<UserDirectoryEntry[]> {
    const builder = this.users
      .createQueryBuilder('u')
      .select(['u.id', 'u.username', 'u.displayName'])
      .where('NOT u.disabled')
      .andWhere("u.role <> 'service'")
      .orderBy('lower(u.display_name)')
      .addOrderBy('u.username')
      .limit(limit);
    const needle = query?.trim();
    if (needle) {
      const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      builder.andWhere('(u.username ILIKE :pattern OR u.display_name ILIKE :pattern)', { pattern });
    }
    return (await builder.getMany()).map((u) => ({ id: u.id, username: u.username, displayName: u.displayName }));
  }

  async list(): Promise<UserAdminView[]> {
    return (await this.users.find({ order: { username: 'ASC' } })).map(toUserAdminView);
  }

  async update(actor: AuthUser, id: string, dto: UpdateUserDto): Promise<UserAdminView> {
    if (actor.id === id && dto.disabled === true) throw AppException.forbidden('You cannot disable your own account');
    const { saved, revoke } = await this.dataSource.transaction(async (manager) => {
      // The enabled admins, locked: two admins demoting each other at once cannot leave none.
      const admins: { id: string }[] = await manager.query(`SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE`);
      const user = await manager.findOneBy(UserEntity, { id });
      if (!user) throw new AppException(ErrorCode.NOT_FOUND, 'User not found');
      if (user.role === 'service' && dto.role !== undefined && dto.role !== 'service') {
        throw new AppException(ErrorCode.CONFLICT, 'A service account cannot become a person’s account');
      }
      const wasActiveAdmin = user.role === 'admin' && !user.disabled;
      const revoke = (dto.disabled === true && !user.disabled) || (dto.role !== undefined && dto.role !== user.role);
      const before = { ...user };
      if (dto.displayName !== undefined) user.displayName = dto.displayName.trim();
      if (dto.role !== undefined) user.role = dto.role;
      if (dto.disabled !== undefined) user.disabled = dto.disabled;
      if (wasActiveAdmin && (user.role !== 'admin' || user.disabled) && admins.length <= 1) {
        throw new AppException(ErrorCode.CONFLICT, 'The last admin cannot be demoted or disabled');
      }
      const stored = await manager.save(user);
      const changes = changesOf(before, user, ['role', 'disabled', 'displayName']);
      if (Object.keys(changes).length > 0) {
        await this.audit.record(manager, { action: 'user.updated', actor, target: { type: 'user', id }, details: { username: user.username, changes } });
      }
      return { saved: stored, revoke };
    });
    // Open sockets carry the old role or a now-disabled account: drop them so they reconnect with what is true now.
    if (revoke) this.events.emit('user.revoked', { userId: id, reason: saved.disabled ? 'account disabled' : 'role changed' });
    return toUserAdminView(saved);
  }

  private lockedWithHash(manager: EntityManager, id: string): Promise<UserEntity | null> {
    return manager.createQueryBuilder(UserEntity, 'u').addSelect('u.passwordHash').where('u.id = :id', { id }).setLock('pessimistic_write').getOne();
  }

  private async storePassword(manager: EntityManager, user: UserEntity, password: string, flags: { mustChangePassword: boolean }): Promise<UserEntity> {
    const passwordHash = await hashPassword(password, this.config.passwordHash);
    await manager.update(UserEntity, { id: user.id }, { passwordHash, mustChangePassword: flags.mustChangePassword, tokenVersion: () => 'token_version + 1' });
    return manager.findOneByOrFail(UserEntity, { id: user.id });
  }

  findActiveById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id, disabled: false });
  }

  /** Includes the password hash, which is otherwise never selected. `username` is already normalised (`normalizeUsername`). */
  findForLogin(username: string): Promise<UserEntity | null> {
    // Stored usernames are ASCII, so lower() on them cannot fold anything else into a match.
    return this.users.createQueryBuilder('u').addSelect('u.passwordHash').where('lower(u.username) = :username', { username }).getOne();
  }
}
