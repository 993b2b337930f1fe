import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ChangeType, ChatMessage } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { MESSAGE_COLUMNS, MessageRow, toChatMessage } from '../messages/message.mapper.js';
import { RoomsRepository } from '../rooms/rooms.repository.js';

/** A position in the feed: after every change whose (txId, id) is at most this. */
export interface FeedPosition {
  txId: bigint;
  id: bigint;
}

export interface StoredChange {
  position: FeedPosition;
  type: ChangeType;
  roomId: string;
  message: ChatMessage;
  at: Date;
}

export interface ChangesRead {
  changes: StoredChange[];
  /** Every transaction below this had finished when the read ran. */
  settledBelow: bigint;
}

const MAX_BIGINT = 9223372036854775807n;

/** The position just before the first change of transaction `txId`. */
export const positionBefore = (txId: bigint): FeedPosition => ({ txId: txId - 1n, id: MAX_BIGINT });

type ChangeRow = MessageRow & { change_id: string; change_tx: string; change_type: ChangeType; change_at: Date; settled_below: string };

/**
 * The changes feed's SQL. Why not simply "id > cursor": ids come from a sequence when the row is
 * inserted, but transactions commit in another order, so a reader can pass id 12 while id 11 is
 * still uncommitted and never see 11. Each row therefore records its writer's transaction id
 * (pg_current_xact_id(), 64-bit, never wraps), and a read hands out only rows of transactions older
 * than its snapshot's xmin: every such transaction has finished, and any transaction still to
 * write gets an id at or above xmin. So the rows below xmin are final, and ordering by
 * (tx_id, id) gives a stable order in which nothing can later appear behind a cursor. The order is
 * by writing transaction, not by commit or seq: within a room, order by the message's seq. The price:
 * one long-running transaction (in any database of the server) holds the feed back until it ends.
 */
@Injectable()
export class ChangesRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rooms: RoomsRepository,
  ) {}

  /**
   * Up to `limit` changes after `after` in rooms `user` may read (and the key allows), in feed order;
   * each message as that change left it (the outbox keeps the row, read back as a `messages` row so
   * the history's own column list and mapper apply).
   */
  async read(user: AuthUser, after: FeedPosition, limit: number, manager: EntityManager = this.dataSource.manager): Promise<ChangesRead> {
    const visible = this.rooms.roomIdVisibleTo(user, 'ce.room_id');
    const [sql, parameters] = this.dataSource.driver.escapeQueryWithParameters(
      `WITH settled AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS below)
       SELECT ce.id AS change_id, ce.tx_id AS change_tx, ce.type AS change_type, ce.created_at AS change_at, settled.below AS settled_below, ${MESSAGE_COLUMNS}
       FROM settled
       LEFT JOIN change_events ce ON ce.tx_id < settled.below AND (ce.tx_id, ce.id) > (:afterTx::bigint, :afterId::bigint)
         AND ${visible.condition} AND (:keyRooms::text[] IS NULL OR ce.room_id = ANY(:keyRooms::text[]))
       LEFT JOIN LATERAL jsonb_populate_record(NULL::messages, ce.message_row) m ON TRUE
       LEFT JOIN users u ON u.id = m.user_id
       ORDER BY ce.tx_id, ce.id
       LIMIT :limit`,
      { ...visible.parameters, afterTx: after.txId.toString(), afterId: after.id.toString(), keyRooms: user.apiKey?.roomIds ?? null, limit },
    );
    const rows = await manager.query<ChangeRow[]>(sql, parameters);
    const settledBelow = BigInt(rows[0]?.settled_below ?? '0');
    const changes = rows
      .filter((row) => row.change_id !== null)
      .map((row) => ({
        position: { txId: BigInt(row.change_tx), id: BigInt(row.change_id) },
        type: row.change_type,
        roomId: row.room_id,
        message: toChatMessage(row),
        at: new Date(row.change_at),
      }));
    return { changes, settledBelow };
  }

  /** The position "now": everything from transactions still running or yet to start comes after it. */
  async now(): Promise<FeedPosition> {
    const [row] = await this.dataSource.query<{ below: string }[]>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS below`);
    return positionBefore(BigInt(row.below));
  }

  /** The newest position retention has removed; a cursor at or below it may have lost changes. */
  async horizon(): Promise<FeedPosition> {
    const [row] = await this.dataSource.query<{ tx_id: string; id: string }[]>(`SELECT tx_id, id FROM change_events_horizon`);
    return { txId: BigInt(row.tx_id), id: BigInt(row.id) };
  }

  /** Removes changes older than `days` and moves the horizon past them, in one transaction. */
  async prune(days: number): Promise<number> {
    const [row] = await this.dataSource.query<{ removed: number }[]>(
      `WITH gone AS (
         DELETE FROM change_events WHERE created_at < now() - make_interval(days => $1) RETURNING tx_id, id
       ), newest AS (
         SELECT tx_id, id FROM gone ORDER BY tx_id DESC, id DESC LIMIT 1
       ), moved AS (
         UPDATE change_events_horizon h SET tx_id = newest.tx_id, id = newest.id FROM newest
         WHERE (newest.tx_id, newest.id) > (h.tx_id, h.id) RETURNING 1
       )
       SELECT (SELECT count(*) FROM gone)::int AS removed`,
      [days],
    );
    return row.removed;
  }
}
