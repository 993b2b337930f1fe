import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { ErrorCode, UserAdminView, UserView } from '@chat/contract';
import type { AuditActorRef } from '@chat/contract';
import { AuditService, changesOf } from '../audit/audit.service.js';
import { AppException } from '../common/app-exception.js';
import { DomainEvents } from '../common/domain-events.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { hashPassword } from '../auth/password-hasher.js';
import { CreateUserDto, UpdateUserDto } from './users.dto.js';
import { UserEntity } from './user.entity.js';
import { isUniqueViolation } from '../database/postgres-errors.js';

export function toUserView(user: UserEntity): UserView {
  return { id: user.id, username: user.username, displayName: user.displayName, role: user.role };
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
    const password = this.config.adminPassword ?? randomBytes(12).toString('base64url');
    try {
      await this.create({ username: this.config.adminUsername, password, displayName: 'Administrator', role: 'admin' }, null);
    } catch (error) {
      // Another instance starting at the same moment created it first.
      if (error instanceof AppException && error.code === ErrorCode.CONFLICT) return;
      throw error;
    }
    if (this.config.adminPassword) {
      this.logger.log(`Created admin account "${this.config.adminUsername}" from ADMIN_USERNAME/ADMIN_PASSWORD`);
    } else {
      // Printed once, on purpose: there is no other way to learn it.
      this.logger.warn(`Created admin account "${this.config.adminUsername}" with password: ${password}  (change it or set ADMIN_PASSWORD)`);
    }
  }

  /** `actor` null: the server itself (the first admin account). */
  async create(dto: CreateUserDto, actor: AuditActorRef | null): Promise<UserAdminView> {
    const entity = this.users.create({
      username: dto.username,
      displayName: dto.displayName.trim(),
      role: dto.role,
      passwordHash: await hashPassword(dto.password),
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

  async list(): Promise<UserAdminView[]> {
    return (await this.users.find({ order: { username: 'ASC' } })).map(toUserAdminView);
  }

  async update(id: string, dto: UpdateUserDto, actor: AuditActorRef): Promise<UserAdminView> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new AppException(ErrorCode.NOT_FOUND, 'User not found');
    const revoke = (dto.disabled === true && !user.disabled) || (dto.role !== undefined && dto.role !== user.role);
    const before = { ...user };
    if (dto.displayName !== undefined) user.displayName = dto.displayName.trim();
    if (dto.role !== undefined) user.role = dto.role;
    if (dto.disabled !== undefined) user.disabled = dto.disabled;
    const changes = changesOf(before, user, ['role', 'disabled', 'displayName']);
    const saved = await this.dataSource.transaction(async (manager) => {
      const stored = await manager.getRepository(UserEntity).save(user);
      if (Object.keys(changes).length > 0) {
        await this.audit.record(manager, { action: 'user.updated', actor, target: { type: 'user', id }, details: { username: user.username, changes } });
      }
      return stored;
    });
    // Open sockets carry the old role or a now-disabled account: drop them so they reconnect with what is true now.
    if (revoke) this.events.emit('user.revoked', { userId: id, reason: saved.disabled ? 'account disabled' : 'role changed' });
    return toUserAdminView(saved);
  }

  findActiveById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id, disabled: false });
  }

  /** Includes the password hash, which is otherwise never selected. */
  findForLogin(username: string): Promise<UserEntity | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne();
  }
}
