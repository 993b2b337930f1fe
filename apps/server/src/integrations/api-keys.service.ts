import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ErrorCode } from '@chat/contract';
import type { ApiKeyView, CreatedApiKey } from '@chat/contract';
import { ApiKeysRepository } from '../auth/api-keys.repository.js';
import { generateApiKey, hashApiKey } from '../auth/api-key.strategy.js';
import type { AuthUser } from '../auth/auth.types.js';
import { AuditService } from '../audit/audit.service.js';
import { AppException } from '../common/app-exception.js';
import { DomainEvents } from '../common/domain-events.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { UserEntity } from '../users/user.entity.js';
import { toUserView } from '../users/users.service.js';
import type { CreateApiKeyDto } from './api-keys.dto.js';

const DISPLAY_PREFIX_LENGTH = 12;

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly rooms: RoomsService,
    private readonly events: DomainEvents,
    private readonly audit: AuditService,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
  ) {}

  /** A key for the caller: never more than the caller may do (admin:read needs an admin, every room must be enterable). */
  createOwn(caller: AuthUser, dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.create(caller, caller, dto);
  }

  /** An admin's key for a service account. */
  async createForServiceAccount(admin: AuthUser, userId: string, dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.create(admin, await this.serviceAccount(userId), dto);
  }

  listOwn(caller: AuthUser): Promise<ApiKeyView[]> {
    return this.keys.listActive(caller.id);
  }

  async listForServiceAccount(userId: string): Promise<ApiKeyView[]> {
    await this.serviceAccount(userId);
    return this.keys.listActive(userId);
  }

  /** The owner's key, or (admins) anyone's. Every instance reads the row on each use, so it stops working at once. */
  async revoke(caller: AuthUser, keyId: string): Promise<void> {
    if (!(await this.keys.revoke(keyId, caller.role === 'admin' ? null : caller.id))) throw new AppException(ErrorCode.NOT_FOUND, 'API key not found');
    await this.audit.recordAlone({ action: 'api_key.revoked', actor: caller, target: { type: 'api_key', id: keyId } });
    // Open sockets authenticated at their handshake: they are dropped on every instance.
    this.events.emit('api_key.revoked', { keyId });
  }

  private async create(actor: AuthUser, owner: AuthUser, dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    if (dto.scopes.includes('admin:read') && owner.role !== 'admin') throw AppException.forbidden('admin:read needs an admin owner');
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw AppException.validation(['expiresAt must be in the future']);
    // The owner must be able to enter each room now; at use the owner's then-current rights apply again.
    for (const roomId of dto.roomIds ?? []) await this.rooms.access(owner, roomId);
    const key = generateApiKey();
    const view = await this.keys.insert({
      userId: owner.id,
      name: dto.name.trim(),
      keyHash: hashApiKey(key),
      prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
      scopes: dto.scopes,
      roomIds: dto.roomIds ?? null,
      expiresAt,
    });
    await this.audit.recordAlone({
      action: 'api_key.created',
      actor,
      target: { type: 'api_key', id: view.id },
      details: { owner: owner.username, name: view.name, scopes: view.scopes, roomIds: view.roomIds },
    });
    return { ...view, key };
  }

  private async serviceAccount(userId: string): Promise<AuthUser> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw new AppException(ErrorCode.NOT_FOUND, 'User not found');
    if (user.role !== 'service') throw new AppException(ErrorCode.CONFLICT, 'Keys for other people are not allowed: this is not a service account');
    if (user.disabled) throw new AppException(ErrorCode.CONFLICT, 'The service account is disabled');
    return toUserView(user);
  }
}
