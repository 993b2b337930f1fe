import { ErrorCode } from '@chat/contract';
import { AppException } from '../common/app-exception.js';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { RoomMemberRole } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { RoomEntity, RoomMemberEntity } from './room.entity.js';

/** A SQL condition with its named parameters, for a TypeORM query builder's `where`. */
export interface SqlCondition {
  condition: string;
  parameters: Record<string, unknown>;
}

export interface RoomSettings {
  aiEnabled: boolean;
  systemPrompt: string | null;
}

export interface NewRoom {
  id: string;
  name: string;
  description: string | null;
  visibility: RoomEntity['visibility'];
  createdBy: string;
  aiEnabled: boolean;
  systemPrompt: string | null;
}

/**
 * The one rule for which rooms a user may see and enter: public rooms, rooms they are a member
 * of, and every room for an admin. `canEnter` is the same rule for one room already loaded.
 */
export function canEnter(user: AuthUser, room: Pick<RoomEntity, 'visibility'>, myRole: RoomMemberRole | null): boolean {
  return room.visibility === 'public' || myRole !== null || user.role === 'admin';
}

/** SQL on rooms and their members. */
@Injectable()
export class RoomsRepository {
  constructor(
    @InjectRepository(RoomEntity) private readonly rooms: Repository<RoomEntity>,
    private readonly dataSource: DataSource,
  ) {}

  /** `canEnter` as SQL on the rooms alias `roomAlias`, for lists of rooms and of what belongs to them. */
  visibleTo(user: AuthUser, roomAlias = 'r'): SqlCondition {
    if (user.role === 'admin') return { condition: 'TRUE', parameters: {} };
    return {
      condition: `(${roomAlias}.visibility = 'public' OR EXISTS (
        SELECT 1 FROM room_members visible_m WHERE visible_m.room_id = ${roomAlias}.id AND visible_m.user_id = :visibleToUserId))`,
      parameters: { visibleToUserId: user.id },
    };
  }

  /** The ids of the rooms `visibleTo` the user; null for an admin, who may read every room. */
  async visibleRoomIds(user: AuthUser): Promise<string[] | null> {
    // An API key limited to rooms narrows whatever its owner may read.
    const keyRooms = user.apiKey?.roomIds ?? null;
    if (user.role === 'admin') return keyRooms;
    const visible = this.visibleTo(user, 'r');
    const rows = await this.rooms.createQueryBuilder('r').select('r.id', 'id').where(visible.condition, visible.parameters).getRawMany<{ id: string }>();
    const ids = rows.map((row) => row.id);
    return keyRooms ? ids.filter((id) => keyRooms.includes(id)) : ids;
  }

  /** `visibleTo` for a column holding a room id (null meaning "no room": always visible). */
  roomIdVisibleTo(user: AuthUser, roomIdColumn: string): SqlCondition {
    if (user.role === 'admin') return { condition: 'TRUE', parameters: {} };
    const visible = this.visibleTo(user, 'visible_r');
    return {
      condition: `(${roomIdColumn} IS NULL OR ${roomIdColumn} IN (SELECT visible_r.id FROM rooms visible_r WHERE ${visible.condition}))`,
      parameters: visible.parameters,
    };
  }

  /**
   * Removes a membership, refusing to let a room's last owner leave it (nobody would manage it; an
   * admin removing them stays able to manage it).
   * The room's owner rows are locked first, so two owners leaving at once cannot both pass the check.
   * `alsoWithin` (given the removed role) writes in the same transaction.
   */
  async removeMember(roomId: string, userId: string, leaving: boolean, alsoWithin?: (manager: EntityManager, role: RoomMemberRole) => Promise<void>): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const owners = await this.lockOwners(manager, roomId);
      if (leaving && owners.length === 1 && owners[0] === userId) {
        throw new AppException(ErrorCode.CONFLICT, 'The last owner cannot leave the room; make someone else owner first');
      }
      // For a DELETE, TypeORM's query() answers [rows, affected].
      const [removed] = (await manager.query(`DELETE FROM room_members WHERE room_id = $1 AND user_id = $2 RETURNING role`, [roomId, userId])) as [{ role: RoomMemberRole }[], number];
      if (removed.length === 0) throw new AppException(ErrorCode.NOT_FOUND, 'Not a member of this room');
      await alsoWithin?.(manager, removed[0].role);
    });
  }

  /**
   * The room's owners, their rows locked until the transaction ends: two owners leaving or stepping
   * down at once cannot both see another owner left.
   */
  async lockOwners(manager: EntityManager, roomId: string): Promise<string[]> {
    const owners: { user_id: string }[] = await manager.query(
      `SELECT user_id FROM room_members WHERE room_id = $1 AND role = 'owner' ORDER BY user_id FOR UPDATE`,
      [roomId],
    );
    return owners.map((owner) => owner.user_id);
  }

  /** The room and its owner's membership (and whatever `alsoWithin` writes), together or not at all. */
  async createWithOwner(room: NewRoom, alsoWithin?: (manager: EntityManager) => Promise<void>): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // insert, not save: save() updates a row whose id exists, which let anyone take over a room by its id.
      await manager.getRepository(RoomEntity).insert(room);
      await manager.getRepository(RoomMemberEntity).insert({ roomId: room.id, userId: room.createdBy, role: 'owner' });
      await alsoWithin?.(manager);
    });
  }

  /** The assistant's settings for a room; null when it does not exist. */
  async settings(roomId: string): Promise<RoomSettings | null> {
    const room = await this.rooms.findOne({ select: { aiEnabled: true, systemPrompt: true }, where: { id: roomId } });
    return room ? { aiEnabled: room.aiEnabled, systemPrompt: room.systemPrompt } : null;
  }

  count(): Promise<number> {
    return this.rooms.count();
  }
}
