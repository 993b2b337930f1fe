import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ChatMessage, MessageStatus } from '@chat/contract';
import { MESSAGE_COLUMNS, MessageRow, toChatMessage } from './message.mapper.js';

/** What the rules for changing a message need to know about it. */
export interface ChangeTarget {
  id: string;
  roomId: string;
  userId: string | null;
  isAi: boolean;
  status: MessageStatus;
  deleted: boolean;
  threadId: string | null;
  mentions: string[];
}

/** Thrown inside a change's transaction when it turns out to change nothing: the counter is rolled back with it. */
class NothingChanged extends Error {}

const FROM_MESSAGES = `FROM messages m LEFT JOIN users u ON u.id = m.user_id`;

/**
 * SQL for changes to stored messages (edits, tombstones, reactions) and for reading them back.
 * Every change takes the room's next change seq and stamps it on the message row in one transaction,
 * so the row's change_seq always names its latest change (what the replay and the changes feed read).
 */
@Injectable()
export class MessageChangesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async target(messageId: string): Promise<ChangeTarget | null> {
    const rows: {
      id: string;
      room_id: string;
      user_id: string | null;
      is_ai: boolean;
      status: MessageStatus;
      deleted: boolean;
      thread_id: string | null;
      mentions: string[];
    }[] = await this.dataSource.query(
      `SELECT id, room_id, user_id, is_ai, status, deleted_at IS NOT NULL AS deleted, thread_id, mentions FROM messages WHERE id = $1`,
      [messageId],
    );
    const row = rows[0];
    return row
      ? { id: row.id, roomId: row.room_id, userId: row.user_id, isAi: row.is_ai, status: row.status, deleted: row.deleted, threadId: row.thread_id, mentions: row.mentions }
      : null;
  }

  async message(messageId: string, manager: EntityManager = this.dataSource.manager): Promise<ChatMessage | null> {
    const rows: MessageRow[] = await manager.query(`SELECT ${MESSAGE_COLUMNS} ${FROM_MESSAGES} WHERE m.id = $1`, [messageId]);
    return rows[0] ? toChatMessage(rows[0]) : null;
  }

  /**
   * Runs `apply` with the room's next change seq, in one transaction that reads the message back.
   * `apply` stamps the seq on the message row in the same statement as its change (the changes
   * feed's trigger sees both at once) and returns false when there was nothing to change: then
   * nothing is written and the counter keeps its value (the seqs stay gap-free). The room row is
   * locked first, as the message writer locks it, so changes and inserts never wait on each other
   * in opposite order.
   */
  async change(
    roomId: string,
    messageId: string,
    apply: (manager: EntityManager, changeSeq: number) => Promise<boolean>,
  ): Promise<{ message: ChatMessage; changeSeq: number } | null> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const changeSeq = await nextChangeSeq(manager, roomId);
        if (changeSeq === null || !(await apply(manager, changeSeq))) throw new NothingChanged();
        const message = await this.message(messageId, manager);
        if (!message) throw new NothingChanged();
        return { message, changeSeq };
      });
    } catch (error) {
      if (error instanceof NothingChanged) return null;
      throw error;
    }
  }

  /** The new text of a message not deleted meanwhile; false when it was. */
  async edit(manager: EntityManager, messageId: string, changeSeq: number, content: string, mentions: string[]): Promise<boolean> {
    const [, affected] = (await manager.query(
      `UPDATE messages SET content = $3, mentions = $4::uuid[], edited_at = now(), updated_at = now(), change_seq = $2
       WHERE id = $1 AND deleted_at IS NULL`,
      [messageId, changeSeq, content, mentions],
    )) as [unknown, number];
    return affected > 0;
  }

  /**
   * Empties a message and keeps its row (its seq stays taken). Its reactions, mentions and
   * citations go with the text: what was said is gone, not hidden.
   */
  async tombstone(manager: EntityManager, messageId: string, changeSeq: number): Promise<boolean> {
    // Reactions first, so the row's change (what a changes-feed trigger fires on) is its final state.
    await manager.query(`DELETE FROM message_reactions WHERE message_id = $1`, [messageId]);
    const [, affected] = (await manager.query(
      `UPDATE messages SET content = '', mentions = '{}', metadata = metadata - 'citations', deleted_at = now(), updated_at = now(), change_seq = $2
       WHERE id = $1 AND deleted_at IS NULL`,
      [messageId, changeSeq],
    )) as [unknown, number];
    return affected > 0;
  }

  /** False when this user already reacted with this emoji, or the message was deleted meanwhile. */
  async addReaction(manager: EntityManager, messageId: string, changeSeq: number, userId: string, emoji: string): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO message_reactions (message_id, user_id, emoji)
       SELECT id, $2, $3 FROM messages WHERE id = $1 AND deleted_at IS NULL
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [messageId, userId, emoji],
    );
    return inserted.length > 0 && (await stamp(manager, messageId, changeSeq));
  }

  /** False when there was no such reaction. */
  async removeReaction(manager: EntityManager, messageId: string, changeSeq: number, userId: string, emoji: string): Promise<boolean> {
    const [removed] = (await manager.query(
      `DELETE FROM message_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3 RETURNING message_id`,
      [messageId, userId, emoji],
    )) as [unknown[], number];
    return removed.length > 0 && (await stamp(manager, messageId, changeSeq));
  }

  /**
   * Messages at or below `throughSeq` changed after `afterChangeSeq`, in change order, at most
   * `limit`; with the room's change counter read in the same statement (the same snapshot).
   */
  async changedSince(
    roomId: string,
    throughSeq: number,
    afterChangeSeq: number,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; lastChangeSeq: number }> {
    const rows: (MessageRow & { room_change_seq: string })[] = await this.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS}, r.last_change_seq AS room_change_seq
       FROM rooms r LEFT JOIN LATERAL (
         SELECT * FROM messages c WHERE c.room_id = r.id AND c.change_seq > $3 AND c.seq <= $2 ORDER BY c.change_seq LIMIT $4
       ) m ON TRUE LEFT JOIN users u ON u.id = m.user_id
       WHERE r.id = $1 ORDER BY m.change_seq`,
      [roomId, throughSeq, afterChangeSeq, limit],
    );
    return {
      messages: rows.filter((row) => row.id !== null).map(toChatMessage),
      lastChangeSeq: rows.length ? Number(rows[0].room_change_seq) : 0,
    };
  }
}

/** A change that lives in another table (a reaction) still changes its message's row: its change seq. */
async function stamp(manager: EntityManager, messageId: string, changeSeq: number): Promise<boolean> {
  const [, affected] = (await manager.query(`UPDATE messages SET change_seq = $2 WHERE id = $1`, [messageId, changeSeq])) as [unknown, number];
  return affected > 0;
}

/** Takes the room's next change seq (locking the room row until commit); null when the room is gone. */
export async function nextChangeSeq(manager: EntityManager, roomId: string, count = 1): Promise<number | null> {
  const [rows] = (await manager.query(`UPDATE rooms SET last_change_seq = last_change_seq + $2 WHERE id = $1 RETURNING last_change_seq`, [
    roomId,
    count,
  ])) as [{ last_change_seq: string }[], number];
  return rows.length ? Number(rows[0].last_change_seq) : null;
}
