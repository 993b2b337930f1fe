import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UNREAD_COUNT_MAX } from '@chat/contract';
import type { ReadState } from './rooms.service.js';

interface ReadStateRow {
  room_id: string;
  last_read_seq: string;
  unread: number;
  mentioned: number;
}

/**
 * Each user's read position per room, and what lies after it: others' messages (tombstones not
 * counted) and those that @-mention the user, each counted up to UNREAD_COUNT_MAX. One statement
 * for any number of rooms: a correlated count per room, not a query per room.
 */
@Injectable()
export class ReadPositionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async states(userId: string, roomIds: string[]): Promise<Map<string, ReadState>> {
    if (roomIds.length === 0) return new Map();
    const rows: ReadStateRow[] = await this.dataSource.query(
      `SELECT r.id AS room_id, coalesce(p.last_read_seq, 0) AS last_read_seq,
              (SELECT count(*)::int FROM (
                 SELECT 1 FROM messages m WHERE m.room_id = r.id AND m.seq > coalesce(p.last_read_seq, 0)
                   AND m.deleted_at IS NULL AND m.user_id IS DISTINCT FROM $1 LIMIT $3) unread) AS unread,
              (SELECT count(*)::int FROM (
                 SELECT 1 FROM messages m WHERE m.room_id = r.id AND m.seq > coalesce(p.last_read_seq, 0)
                   AND m.deleted_at IS NULL AND m.mentions @> ARRAY[$1::uuid] LIMIT $3) mentioned) AS mentioned
       FROM rooms r LEFT JOIN room_read_positions p ON p.room_id = r.id AND p.user_id = $1
       WHERE r.id = ANY($2::varchar[])`,
      [userId, roomIds, UNREAD_COUNT_MAX],
    );
    return new Map(
      rows.map((row) => [row.room_id, { lastReadSeq: Number(row.last_read_seq), unreadCount: row.unread, mentionCount: row.mentioned }]),
    );
  }

  /**
   * Moves the position forward to `seq` (held to the room's newest seq), never back. Returns whether
   * it moved; false too when the room is gone.
   */
  async advance(userId: string, roomId: string, seq: number): Promise<boolean> {
    // An INSERT … RETURNING answers its rows (TypeORM pairs them with a count only for UPDATE and DELETE).
    const rows: unknown[] = await this.dataSource.query(
      `WITH target AS (SELECT least($3::bigint, r.last_seq) AS seq FROM rooms r WHERE r.id = $2)
       INSERT INTO room_read_positions AS p (user_id, room_id, last_read_seq)
       SELECT $1, $2, target.seq FROM target WHERE target.seq > 0
       ON CONFLICT (user_id, room_id) DO UPDATE SET last_read_seq = excluded.last_read_seq, updated_at = now()
         WHERE excluded.last_read_seq > p.last_read_seq
       RETURNING p.last_read_seq`,
      [userId, roomId, seq],
    );
    return rows.length > 0;
  }
}
