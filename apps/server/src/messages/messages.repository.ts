import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { AiMessageMetadata, ChatMessage, MessageStatus, UsageGroupBy } from '@chat/contract';
import { MESSAGE_COLUMNS, MessageRow, toChatMessage } from './message.mapper.js';

/** One room's new messages as one insert: seqs taken from the room's counter in the same statement. */
export interface MessageInsertRow {
  id: string;
  userId: string | null;
  content: string;
  isAi: boolean;
  clientMessageId: string | null;
  status: MessageStatus;
  metadata: AiMessageMetadata | undefined;
  createdAt: Date;
  threadId?: string | null;
  mentions?: string[];
}

export interface HistoryBounds {
  /** Only the replies of this thread root. */
  threadId?: string;
  after?: number;
  before?: number;
  /** Rows to read (the caller asks one more than a page to learn whether there are more). */
  limit: number;
}

/** A history message with its stored token count (null: not counted yet) and the change it was read at. */
export interface CountedMessage {
  message: ChatMessage;
  tokenCount: number | null;
  changeSeq: number;
}

export interface ReplyOwner {
  roomId: string;
  status: MessageStatus;
  requestedBy: string | null;
}

export interface ReplyEnd {
  content: string;
  status: MessageStatus;
  metadata: AiMessageMetadata;
}

export interface UsageAggregate {
  key: string | null;
  label: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

const USAGE_GROUPING: Record<UsageGroupBy, { key: string; label: string; join: string }> = {
  user: { key: `m.metadata->>'requestedBy'`, label: 'u.username', join: `LEFT JOIN users u ON u.id::text = m.metadata->>'requestedBy'` },
  room: { key: 'm.room_id', label: 'r.name', join: 'LEFT JOIN rooms r ON r.id = m.room_id' },
  day: { key: `to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`, label: 'NULL', join: '' },
};

const FROM_MESSAGES = `FROM messages m LEFT JOIN users u ON u.id = m.user_id`;

/**
 * Every SQL statement on `messages` (and the room's seq counter it is numbered by). Callers decide
 * who may read or write; this class only knows how.
 */
@Injectable()
export class MessagesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A page of a room's history: newest first without a lower bound, oldest first with one. */
  async page(roomId: string, bounds: HistoryBounds): Promise<ChatMessage[]> {
    const ascending = bounds.after !== undefined;
    const conditions = ['m.room_id = $1'];
    const params: unknown[] = [roomId];
    if (bounds.threadId !== undefined) conditions.push(`m.thread_id = $${params.push(bounds.threadId)}`);
    if (bounds.after !== undefined) conditions.push(`m.seq > $${params.push(bounds.after)}`);
    if (bounds.before !== undefined) conditions.push(`m.seq < $${params.push(bounds.before)}`);
    const rows: MessageRow[] = await this.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS} ${FROM_MESSAGES}
       WHERE ${conditions.join(' AND ')} ORDER BY m.seq ${ascending ? 'ASC' : 'DESC'} LIMIT $${params.push(bounds.limit)}`,
      params,
    );
    return rows.map(toChatMessage);
  }

  /** Messages after `afterSeq` up to `throughSeq`, ascending. */
  async range(roomId: string, afterSeq: number, throughSeq: number, limit: number): Promise<ChatMessage[]> {
    const rows: MessageRow[] = await this.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS} ${FROM_MESSAGES}
       WHERE m.room_id = $1 AND m.seq > $2 AND m.seq <= $3 ORDER BY m.seq ASC LIMIT $4`,
      [roomId, afterSeq, throughSeq, limit],
    );
    return rows.map(toChatMessage);
  }

  /**
   * The `limit` messages just before `beforeSeq`, ascending (the assistant's context): the room's
   * top-level conversation, or with `threadId` that thread's root and replies. Tombstones say nothing.
   */
  async before(roomId: string, beforeSeq: number, limit: number, threadId: string | null = null): Promise<ChatMessage[]> {
    return (await this.beforeWithTokens(roomId, beforeSeq, limit, threadId)).map((counted) => counted.message);
  }

  /** Like `before`, with each message's stored token count (null where none is stored yet). */
  async beforeWithTokens(roomId: string, beforeSeq: number, limit: number, threadId: string | null = null): Promise<CountedMessage[]> {
    const rows: (MessageRow & { token_count: number | null; change_seq: string })[] = await this.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS}, m.token_count, m.change_seq ${FROM_MESSAGES}
       WHERE m.room_id = $1 AND m.seq < $2 AND m.deleted_at IS NULL
         AND ${threadId === null ? 'm.thread_id IS NULL' : '(m.thread_id = $4 OR m.id = $4)'}
       ORDER BY m.seq DESC LIMIT $3`,
      threadId === null ? [roomId, beforeSeq, limit] : [roomId, beforeSeq, limit, threadId],
    );
    return rows.map((row) => ({ message: toChatMessage(row), tokenCount: row.token_count, changeSeq: Number(row.change_seq) })).reverse();
  }

  /** Stores counts computed for messages that had none, unless the message changed since it was read (its change_seq moved). */
  async storeTokenCounts(counts: { id: string; changeSeq: number; tokenCount: number }[]): Promise<void> {
    if (counts.length === 0) return;
    await this.dataSource.query(
      `UPDATE messages m SET token_count = v.n FROM unnest($1::uuid[], $2::bigint[], $3::int[]) AS v(id, change_seq, n)
       WHERE m.id = v.id AND m.change_seq = v.change_seq AND m.token_count IS NULL`,
      [counts.map((c) => c.id), counts.map((c) => c.changeSeq), counts.map((c) => c.tokenCount)],
    );
  }

  /** The room's newest seq; null when the room does not exist. */
  async lastSeq(roomId: string): Promise<number | null> {
    const rows: { last_seq: string }[] = await this.dataSource.query(`SELECT last_seq FROM rooms WHERE id = $1`, [roomId]);
    return rows.length === 0 ? null : Number(rows[0].last_seq);
  }

  /** Messages already stored under these (user, clientMessageId) pairs, keyed `userId\0clientMessageId`. */
  async findByClientIds(runner: QueryRunner, keys: { userId: string; clientMessageId: string }[]): Promise<Map<string, ChatMessage>> {
    if (keys.length === 0) return new Map();
    const rows: MessageRow[] = await runner.query(
      `SELECT ${MESSAGE_COLUMNS} ${FROM_MESSAGES}
       WHERE (m.user_id, m.client_message_id) IN (SELECT * FROM unnest($1::uuid[], $2::varchar[]))`,
      [keys.map((k) => k.userId), keys.map((k) => k.clientMessageId)],
    );
    return new Map(rows.map((row) => [`${row.user_id}\u0000${row.client_message_id}`, toChatMessage(row)]));
  }

  /**
   * Inserts one room's messages in one atomic statement, numbered from the room's counter.
   * Returns each id's seq; empty when the room no longer exists.
   */
  async insertNumbered(runner: QueryRunner, roomId: string, rows: MessageInsertRow[]): Promise<Map<string, number>> {
    return this.insertNumberedInRooms(
      runner,
      rows.map((row) => ({ ...row, roomId })),
    );
  }

  /**
   * Inserts messages of any number of rooms in one atomic statement, each room's rows numbered in
   * their given order from that room's counter. The room rows are locked in id order first, so two
   * writers with overlapping rooms never wait on each other in opposite order. Returns each id's
   * seq; rows of a room that no longer exists are left out.
   */
  async insertNumberedInRooms(runner: QueryRunner, rows: (MessageInsertRow & { roomId: string })[]): Promise<Map<string, number>> {
    if (rows.length === 0) return new Map();
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row.roomId, (counts.get(row.roomId) ?? 0) + 1);
    const rooms = [...counts.keys()].sort();
    const inserted: { id: string; seq: string }[] = await runner.query(
      `WITH locked AS MATERIALIZED (
         SELECT r.id FROM rooms r WHERE r.id = ANY($1::varchar[]) ORDER BY r.id FOR UPDATE
       ), counter AS (
         UPDATE rooms r SET last_seq = r.last_seq + c.n
         FROM locked JOIN unnest($1::varchar[], $2::int[]) AS c(room_id, n) ON c.room_id = locked.id
         WHERE r.id = locked.id
         RETURNING r.id, r.last_seq, c.n
       ), v AS (
         SELECT *, row_number() OVER (PARTITION BY v.room_id ORDER BY v.ord) AS room_ord
         FROM unnest($3::varchar[], $4::uuid[], $5::uuid[], $6::text[], $7::boolean[], $8::varchar[], $9::varchar[], $10::jsonb[],
                     $11::timestamptz[], $12::uuid[], $13::jsonb[])
           WITH ORDINALITY AS v(room_id, id, user_id, content, is_ai, client_message_id, status, metadata, created_at, thread_id, mentions, ord)
       )
       INSERT INTO messages (id, room_id, seq, user_id, content, is_ai, client_message_id, status, metadata, created_at, thread_id, mentions)
       SELECT v.id, v.room_id, counter.last_seq - counter.n + v.room_ord, v.user_id, v.content, v.is_ai, v.client_message_id, v.status,
              v.metadata, v.created_at, v.thread_id, ARRAY(SELECT jsonb_array_elements_text(v.mentions))::uuid[]
       FROM v JOIN counter ON counter.id = v.room_id
       ORDER BY v.ord
       RETURNING id, seq`,
      [
        rooms,
        rooms.map((roomId) => counts.get(roomId)!),
        rows.map((r) => r.roomId),
        rows.map((r) => r.id),
        rows.map((r) => r.userId),
        rows.map((r) => r.content),
        rows.map((r) => r.isAi),
        rows.map((r) => r.clientMessageId),
        rows.map((r) => r.status),
        rows.map((r) => JSON.stringify(r.metadata ?? {})),
        rows.map((r) => r.createdAt.toISOString()),
        rows.map((r) => r.threadId ?? null),
        // A uuid[] per row does not fit one unnest column (Postgres arrays are not ragged): JSON per row.
        rows.map((r) => JSON.stringify(r.mentions ?? [])),
      ],
    );
    return new Map(inserted.map((row) => [row.id, Number(row.seq)]));
  }

  /**
   * New replies counted on their thread roots, in the replies' transaction: each root takes one of
   * the room's next change seqs (the room row is already locked by the insert), so the count change
   * is a change like any other. Returns each root's change seq.
   */
  async countReplies(runner: QueryRunner, roomId: string, replies: { threadId: string; createdAt: Date }[]): Promise<Map<string, number>> {
    const byRoot = new Map<string, { count: number; last: Date }>();
    for (const { threadId, createdAt } of replies) {
      const root = byRoot.get(threadId);
      byRoot.set(threadId, { count: (root?.count ?? 0) + 1, last: root && root.last > createdAt ? root.last : createdAt });
    }
    const roots = [...byRoot.keys()].sort();
    const [updated] = (await runner.query(
      `WITH counter AS (
         UPDATE rooms SET last_change_seq = last_change_seq + $2 WHERE id = $1 RETURNING last_change_seq
       )
       UPDATE messages m SET reply_count = m.reply_count + v.n, change_seq = counter.last_change_seq - $2 + v.ord,
              last_reply_at = greatest(m.last_reply_at, v.last_at)
       FROM counter, unnest($3::uuid[], $4::int[], $5::timestamptz[]) WITH ORDINALITY AS v(root_id, n, last_at, ord)
       WHERE m.id = v.root_id AND m.room_id = $1
       RETURNING m.id, m.change_seq`,
      [roomId, roots.length, roots, roots.map((id) => byRoot.get(id)!.count), roots.map((id) => byRoot.get(id)!.last.toISOString())],
    )) as [{ id: string; change_seq: string }[], number];
    return new Map(updated.map((row) => [row.id, Number(row.change_seq)]));
  }

  /**
   * Of these (room, author) pairs, those the author may not post in: the room rule of
   * `RoomsRepository.canEnter` (public, member, or an enabled admin) read from the database.
   */
  async refusedAuthors(runner: QueryRunner, pairs: { roomId: string; userId: string }[]): Promise<{ roomId: string; userId: string }[]> {
    const rows: { room_id: string; user_id: string }[] = await runner.query(
      `SELECT DISTINCT p.room_id, p.user_id
       FROM unnest($1::varchar[], $2::uuid[]) AS p(room_id, user_id)
       JOIN rooms r ON r.id = p.room_id
       JOIN users u ON u.id = p.user_id
       WHERE u.disabled
          OR NOT (r.visibility = 'public' OR u.role = 'admin'
               OR EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = p.room_id AND m.user_id = p.user_id))`,
      [pairs.map((p) => p.roomId), pairs.map((p) => p.userId)],
    );
    return rows.map((row) => ({ roomId: row.room_id, userId: row.user_id }));
  }

  /** Who an assistant reply belongs to, for deciding who may stop it; null when it is no assistant reply. */
  async replyOwner(messageId: string): Promise<ReplyOwner | null> {
    const rows: { room_id: string; status: MessageStatus; requested_by: string | null }[] = await this.dataSource.query(
      `SELECT room_id, status, metadata->>'requestedBy' AS requested_by FROM messages WHERE id = $1 AND is_ai`,
      [messageId],
    );
    return rows[0] ? { roomId: rows[0].room_id, status: rows[0].status, requestedBy: rows[0].requested_by } : null;
  }

  /** A reply's one write at its end: text, final status and metadata (and whatever `alsoWithin` writes, in the same transaction). */
  async finishReply(messageId: string, end: ReplyEnd, alsoWithin?: (manager: EntityManager) => Promise<void>): Promise<void> {
    const update = (manager: EntityManager) =>
      manager.query(`UPDATE messages SET content = $2, status = $3, metadata = $4, token_count = NULL, updated_at = now() WHERE id = $1`, [
        messageId,
        end.content,
        end.status,
        JSON.stringify(end.metadata),
      ]);
    if (!alsoWithin) {
      await update(this.dataSource.manager);
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      await update(manager);
      await alsoWithin(manager);
    });
  }

  /** Marks still-streaming replies alive, in one statement for all of them. */
  async heartbeat(messageIds: string[]): Promise<void> {
    if (messageIds.length === 0) return;
    await this.dataSource.query(`UPDATE messages SET updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'streaming'`, [messageIds]);
  }

  /**
   * Ends replies not marked alive for `staleAfterMs`: status `error`, `note` appended to their text,
   * `errorCode` in their metadata. Returns them as ended (authors are the assistant, so no join).
   */
  async endAbandonedReplies(staleAfterMs: number, note: string, errorCode: string): Promise<ChatMessage[]> {
    // TypeORM answers an UPDATE … RETURNING with [rows, rowCount].
    const [rows]: [MessageRow[], number] = await this.dataSource.query(
      `UPDATE messages SET status = 'error', updated_at = now(),
              content = content || CASE WHEN content = '' THEN '' ELSE E'\n\n' END || $1::text,
              metadata = metadata || jsonb_build_object('errorCode', $2::text)
       WHERE status = 'streaming' AND coalesce(updated_at, created_at) < now() - make_interval(secs => $3)
       RETURNING id, room_id, seq, user_id, NULL::text AS username, NULL::text AS display_name, content, is_ai,
                 client_message_id, status, metadata, created_at, edited_at, deleted_at, change_seq, thread_id, reply_count, last_reply_at, mentions`,
      [note, errorCode, staleAfterMs / 1000],
    );
    return rows.map(toChatMessage);
  }

  /**
   * Ends the given replies if still streaming (their instance died): status `error`, the text
   * another instance saw streaming kept, `note` after it, `errorCode` in their metadata.
   */
  async endRepliesWithText(replies: { id: string; text: string }[], note: string, errorCode: string): Promise<ChatMessage[]> {
    if (replies.length === 0) return [];
    const [rows]: [MessageRow[], number] = await this.dataSource.query(
      `UPDATE messages m SET status = 'error', updated_at = now(),
              content = CASE WHEN v.text = '' THEN $3::text ELSE v.text || E'\n\n' || $3::text END,
              metadata = m.metadata || jsonb_build_object('errorCode', $4::text)
       FROM unnest($1::uuid[], $2::text[]) AS v(id, text)
       WHERE m.id = v.id AND m.status = 'streaming'
       RETURNING m.id, m.room_id, m.seq, m.user_id, NULL::text AS username, NULL::text AS display_name, m.content, m.is_ai,
                 m.client_message_id, m.status, m.metadata, m.created_at, m.edited_at, m.deleted_at, m.change_seq, m.thread_id,
                 m.reply_count, m.last_reply_at, m.mentions`,
      [replies.map((reply) => reply.id), replies.map((reply) => reply.text), note, errorCode],
    );
    return rows.map(toChatMessage);
  }

  /** Finished assistant replies in [from, to), grouped, with the tokens each stored. */
  async usage(from: Date, to: Date, groupBy: UsageGroupBy): Promise<UsageAggregate[]> {
    const { key, label, join } = USAGE_GROUPING[groupBy];
    const rows: { key: string | null; label: string | null; requests: string; prompt: string; completion: string }[] = await this.dataSource.query(
      `SELECT ${key} AS key, ${label} AS label, count(*) AS requests,
              coalesce(sum((m.metadata->>'promptTokens')::bigint), 0) AS prompt,
              coalesce(sum((m.metadata->>'completionTokens')::bigint), 0) AS completion
       FROM messages m ${join}
       WHERE m.is_ai AND m.status <> 'streaming' AND m.created_at >= $1 AND m.created_at < $2
       GROUP BY 1, 2 ORDER BY 1`,
      [from.toISOString(), to.toISOString()],
    );
    return rows.map((row) => ({
      key: row.key,
      label: row.label,
      requests: Number(row.requests),
      promptTokens: Number(row.prompt),
      completionTokens: Number(row.completion),
    }));
  }

  /** Prompt + completion tokens of the replies `userId` asked for since each start (a reply counts from when it began). */
  async tokensUsedSince(userId: string, dayStart: Date, monthStart: Date): Promise<{ daily: number; monthly: number }> {
    const since = dayStart < monthStart ? dayStart : monthStart;
    const [row]: { daily: string; monthly: string }[] = await this.dataSource.query(
      `SELECT coalesce(sum(tokens) FILTER (WHERE created_at >= $2), 0) AS daily,
              coalesce(sum(tokens) FILTER (WHERE created_at >= $3), 0) AS monthly
       FROM (SELECT created_at, coalesce((metadata->>'promptTokens')::bigint, 0) + coalesce((metadata->>'completionTokens')::bigint, 0) AS tokens
             FROM messages WHERE is_ai AND metadata->>'requestedBy' = $1 AND created_at >= $4) used`,
      [userId, dayStart.toISOString(), monthStart.toISOString(), since.toISOString()],
    );
    return { daily: Number(row.daily), monthly: Number(row.monthly) };
  }

  /** Messages stored in the last minute, over all rooms. */
  async countLastMinute(): Promise<number> {
    const [row]: { count: string }[] = await this.dataSource.query(`SELECT count(*) AS count FROM messages WHERE created_at > now() - interval '1 minute'`);
    return Number(row.count);
  }
}
