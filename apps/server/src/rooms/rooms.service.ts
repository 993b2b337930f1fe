import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { AuditService, changesOf } from '../audit/audit.service.js';
import { ErrorCode, ReadUpdatedPayload, RoomMemberRole, RoomMemberView, RoomView } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { requireKeyRoom } from '../auth/api-key-scope.js';
import { DomainEvents } from '../common/domain-events.js';
import { PresenceStore } from '../presence/presence.store.js';
import { UserEntity } from '../users/user.entity.js';
import { RoomEntity, RoomMemberEntity } from './room.entity.js';
import { AddMemberDto, CreateRoomDto, UpdateRoomDto } from './rooms.dto.js';
import { canEnter, RoomsRepository } from './rooms.repository.js';
import { ReadPositionsRepository } from './read-positions.repository.js';
import { isUniqueViolation } from '../database/postgres-errors.js';

export const DEFAULT_ROOM_ID = 'general';

export interface RoomAccess {
  room: RoomEntity;
  myRole: RoomMemberRole | null;
}

function toRoomView(room: RoomEntity, myRole: RoomMemberRole | null, reading?: ReadState): RoomView {
  return {
    id: room.id,
    name: room.name,
    description: room.description,
    visibility: room.visibility,
    createdBy: room.createdBy,
    aiEnabled: room.aiEnabled,
    systemPrompt: room.systemPrompt,
    createdAt: room.createdAt.toISOString(),
    updatedAt: room.updatedAt.toISOString(),
    myRole,
    lastSeq: room.lastSeq,
    lastChangeSeq: room.lastChangeSeq,
    ...(reading ?? NOTHING_READ),
  };
}

/** The caller's read position in a room and what is after it. */
export type ReadState = Pick<RoomView, 'lastReadSeq' | 'unreadCount' | 'mentionCount'>;
const NOTHING_READ: ReadState = { lastReadSeq: 0, unreadCount: 0, mentionCount: 0 };

function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    // NFKD splits "é" into "e" and a combining accent; drop the accents so "Été" gives "ete", not "e-te".
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return `${slug || 'room'}-${randomBytes(3).toString('hex')}`;
}

@Injectable()
export class RoomsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RoomsService.name);

  constructor(
    @InjectRepository(RoomEntity) private readonly rooms: Repository<RoomEntity>,
    @InjectRepository(RoomMemberEntity) private readonly members: Repository<RoomMemberEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly repository: RoomsRepository,
    private readonly presence: PresenceStore,
    private readonly events: DomainEvents,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly readPositions: ReadPositionsRepository,
  ) {}

  /** A fresh install gets one public room, so a client written from the seed has somewhere to talk. */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.rooms.count()) > 0) return;
    await this.rooms
      .createQueryBuilder()
      .insert()
      .values({ id: DEFAULT_ROOM_ID, name: 'General', description: 'Everyone', visibility: 'public', createdBy: null })
      .orIgnore()
      .execute();
    this.logger.log(`Created the default room "${DEFAULT_ROOM_ID}"`);
  }

  async list(user: AuthUser): Promise<RoomView[]> {
    const query = this.rooms
      .createQueryBuilder('r')
      .leftJoin(RoomMemberEntity, 'm', 'm.room_id = r.id AND m.user_id = :userId', { userId: user.id })
      .addSelect('m.role', 'my_role')
      .orderBy('r.name', 'ASC');
    const visible = this.repository.visibleTo(user, 'r');
    query.where(visible.condition, visible.parameters);
    if (user.apiKey?.roomIds) query.andWhere('r.id IN (:...keyRoomIds)', { keyRoomIds: user.apiKey.roomIds });
    const { entities, raw } = await query.getRawAndEntities<{ my_role: RoomMemberRole | null }>();
    const roles = entities.map((_, i) => raw[i]?.my_role ?? null);
    const reading = await this.readPositions.states(
      user.id,
      entities.filter((_, i) => roles[i] !== null).map((room) => room.id),
    );
    return entities.map((room, i) => toRoomView(room, roles[i], reading.get(room.id)));
  }

  /**
   * Moves the caller's read position in a room forward to `seq` (held to the newest message; never
   * back). Their other sockets hear of a move (`originSocketId` is the one that asked).
   */
  async markRead(user: AuthUser, roomId: string, seq: number, originSocketId?: string): Promise<ReadUpdatedPayload> {
    await this.access(user, roomId);
    const moved = await this.readPositions.advance(user.id, roomId, seq);
    const state = (await this.readPositions.states(user.id, [roomId])).get(roomId) ?? NOTHING_READ;
    const read: ReadUpdatedPayload = { roomId, ...state };
    if (moved) this.events.emit('read.updated', { userId: user.id, originSocketId, read });
    return read;
  }

  async create(user: AuthUser, dto: CreateRoomDto): Promise<RoomView> {
    const id = dto.id ?? slugify(dto.name);
    const room = {
      id,
      name: dto.name.trim(),
      description: dto.description?.trim() || null,
      visibility: dto.visibility,
      createdBy: user.id,
      aiEnabled: dto.aiEnabled ?? true,
      systemPrompt: dto.systemPrompt ?? null,
    };
    try {
      await this.repository.createWithOwner(room, (manager) =>
        this.audit.record(manager, {
          action: 'room.created',
          actor: user,
          target: { type: 'room', id },
          roomId: id,
          details: { name: room.name, visibility: room.visibility, aiEnabled: room.aiEnabled },
        }),
      );
      return toRoomView(await this.rooms.findOneByOrFail({ id }), 'owner');
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppException(ErrorCode.CONFLICT, `Room "${id}" already exists`);
      throw error;
    }
  }

  async get(user: AuthUser, roomId: string): Promise<RoomView> {
    const { room, myRole } = await this.access(user, roomId);
    const reading = myRole === null ? undefined : (await this.readPositions.states(user.id, [roomId])).get(roomId);
    return toRoomView(room, myRole, reading);
  }

  async update(user: AuthUser, roomId: string, dto: UpdateRoomDto): Promise<RoomView> {
    const { room, myRole } = await this.access(user, roomId);
    this.requireManager(user, myRole);
    const changes: Partial<RoomEntity> = {};
    if (dto.name !== undefined) changes.name = dto.name.trim();
    if (dto.description !== undefined) changes.description = dto.description?.trim() || null;
    if (dto.visibility !== undefined) changes.visibility = dto.visibility;
    if (dto.aiEnabled !== undefined) changes.aiEnabled = dto.aiEnabled;
    if (dto.systemPrompt !== undefined) changes.systemPrompt = dto.systemPrompt;
    const changed = changesOf(room, { ...room, ...changes }, ['name', 'description', 'visibility', 'aiEnabled', 'systemPrompt']);
    if (Object.keys(changed).length > 0) {
      await this.dataSource.transaction(async (manager) => {
        await manager.getRepository(RoomEntity).update({ id: room.id }, changes);
        await this.audit.record(manager, { action: 'room.updated', actor: user, target: { type: 'room', id: room.id }, roomId: room.id, details: { changes: changed } });
      });
    }
    return toRoomView(await this.rooms.findOneByOrFail({ id: room.id }), myRole);
  }

  async listMembers(user: AuthUser, roomId: string): Promise<RoomMemberView[]> {
    await this.access(user, roomId);
    const rows = await this.members
      .createQueryBuilder('m')
      .innerJoin(UserEntity, 'u', 'u.id = m.user_id')
      .select(['m.user_id AS "userId"', 'u.username AS username', 'u.display_name AS "displayName"', 'm.role AS role', 'm.joined_at AS "joinedAt"'])
      .where('m.room_id = :roomId', { roomId })
      .orderBy('u.username', 'ASC')
      .getRawMany<Omit<RoomMemberView, 'online' | 'joinedAt'> & { joinedAt: Date }>();
    const online = new Set((await this.presence.online(roomId)).map((p) => p.userId));
    return rows.map((row) => ({ ...row, joinedAt: new Date(row.joinedAt).toISOString(), online: online.has(row.userId) }));
  }

  async putMember(user: AuthUser, roomId: string, userId: string, dto: AddMemberDto): Promise<RoomMemberView> {
    const { myRole } = await this.access(user, roomId);
    this.requireManager(user, myRole);
    const target = await this.users.findOneBy({ id: userId });
    if (!target) throw new AppException(ErrorCode.NOT_FOUND, 'User not found');
    const role = dto.role ?? 'member';
    await this.dataSource.transaction(async (manager) => {
      const owners = await this.repository.lockOwners(manager, roomId);
      // The same rule as leaving: the last owner stepping down would leave nobody to manage the room.
      if (userId === user.id && role !== 'owner' && owners.length === 1 && owners[0] === userId) {
        throw new AppException(ErrorCode.CONFLICT, 'The last owner cannot step down; make someone else owner first');
      }
      const previous = await manager.getRepository(RoomMemberEntity).findOneBy({ roomId, userId });
      await manager.getRepository(RoomMemberEntity).upsert({ roomId, userId, role }, ['roomId', 'userId']);
      if (previous?.role === role) return;
      await this.audit.record(manager, {
        action: 'room.member_added',
        actor: user,
        target: { type: 'user', id: userId },
        roomId,
        details: { username: target.username, role, previousRole: previous?.role ?? null },
      });
    });
    return (await this.listMembers(user, roomId)).find((m) => m.userId === userId)!;
  }

  /** Owners and admins remove anyone; a member may remove themself (leave the room for good). */
  async removeMember(user: AuthUser, roomId: string, userId: string): Promise<void> {
    const { myRole } = await this.access(user, roomId);
    if (userId !== user.id) this.requireManager(user, myRole);
    await this.repository.removeMember(roomId, userId, userId === user.id, async (manager, role) => {
      const target = await manager.getRepository(UserEntity).findOneBy({ id: userId });
      await this.audit.record(manager, {
        action: 'room.member_removed',
        actor: user,
        target: { type: 'user', id: userId },
        roomId,
        details: { username: target?.username ?? null, role, self: userId === user.id },
      });
    });
    this.events.emit('room.member_removed', { roomId, userId });
  }

  /**
   * Entering a room to read or post: public rooms make the visitor a member, private rooms need an
   * invitation (admins may enter any room).
   */
  async enter(user: AuthUser, roomId: string): Promise<RoomAccess> {
    const access = await this.access(user, roomId);
    // canEnter already held (access() checked it). Only a public room makes a visitor a member: an
    // admin looking into a private room stays an outsider, and loses access with the admin role.
    if (access.myRole === null && access.room.visibility === 'public') {
      await this.members.createQueryBuilder().insert().values({ roomId, userId: user.id, role: 'member' }).orIgnore().execute();
      return { ...access, myRole: 'member' };
    }
    return access;
  }

  /** 404 for a room that does not exist, 403 for a private room the user is not in. */
  async access(user: AuthUser, roomId: string): Promise<RoomAccess> {
    requireKeyRoom(user, roomId);
    const { entities, raw } = await this.rooms
      .createQueryBuilder('r')
      .leftJoin(RoomMemberEntity, 'm', 'm.room_id = r.id AND m.user_id = :userId', { userId: user.id })
      .addSelect('m.role', 'my_role')
      .where('r.id = :roomId', { roomId })
      .getRawAndEntities<{ my_role: RoomMemberRole | null }>();
    const room = entities[0];
    if (!room) throw AppException.roomNotFound(roomId);
    const myRole = raw[0]?.my_role ?? null;
    if (!canEnter(user, room, myRole)) {
      throw AppException.forbidden(`Room "${roomId}" is private`);
    }
    return { room, myRole };
  }

  private requireManager(user: AuthUser, myRole: RoomMemberRole | null): void {
    if (user.role !== 'admin' && myRole !== 'owner') throw AppException.forbidden('Only the room owner or an admin can do that');
  }
}
