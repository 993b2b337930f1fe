import { ASSISTANT_DISPLAY_NAME, ASSISTANT_USERNAME } from '@chat/contract';
import type { AiMessageMetadata, ChatMessage, MessageReaction, MessageStatus } from '@chat/contract';

/** A messages row joined with its author, as the SQL in this module selects it. */
export interface MessageRow {
  id: string;
  room_id: string;
  seq: string | number;
  user_id: string | null;
  username: string | null;
  display_name: string | null;
  content: string;
  is_ai: boolean;
  client_message_id: string | null;
  status: MessageStatus;
  metadata: AiMessageMetadata | null;
  created_at: Date;
  edited_at?: Date | null;
  deleted_at?: Date | null;
  change_seq?: string | number;
  thread_id?: string | null;
  reply_count?: number;
  last_reply_at?: Date | null;
  mentions?: string[] | null;
  /** Built by REACTIONS_COLUMN; absent where a statement returns rows without it (none are reacted to then). */
  reactions?: MessageReaction[] | null;
}

/** A message's reactions, per emoji in the order each was first used, reactors in the order they reacted. */
const REACTIONS_COLUMN = `(SELECT coalesce(jsonb_agg(jsonb_build_object('emoji', g.emoji, 'count', g.count, 'userIds', g.user_ids) ORDER BY g.first_at), '[]'::jsonb)
    FROM (SELECT r.emoji, count(*)::int AS count, array_agg(r.user_id ORDER BY r.created_at, r.user_id) AS user_ids, min(r.created_at) AS first_at
          FROM message_reactions r WHERE r.message_id = m.id GROUP BY r.emoji) g) AS reactions`;

export const MESSAGE_COLUMNS = `m.id, m.room_id, m.seq, m.user_id, u.username, u.display_name, m.content, m.is_ai,
  m.client_message_id, m.status, m.metadata, m.created_at, m.edited_at, m.deleted_at, m.change_seq, m.thread_id,
  m.reply_count, m.last_reply_at, m.mentions, ${REACTIONS_COLUMN}`;

const isoOrNull = (value: Date | null | undefined) => (value ? new Date(value).toISOString() : null);

export function toChatMessage(row: MessageRow): ChatMessage {
  const message: ChatMessage = {
    id: row.id,
    roomId: row.room_id,
    seq: Number(row.seq),
    userId: row.user_id,
    username: row.is_ai ? ASSISTANT_USERNAME : (row.username ?? 'unknown'),
    displayName: row.is_ai ? ASSISTANT_DISPLAY_NAME : (row.display_name ?? row.username ?? 'Unknown'),
    content: row.content,
    timestamp: new Date(row.created_at).toISOString(),
    isAi: row.is_ai,
    status: row.status,
    editedAt: isoOrNull(row.edited_at),
    deletedAt: isoOrNull(row.deleted_at),
    reactions: row.reactions ?? [],
    changeSeq: Number(row.change_seq ?? 0),
    threadId: row.thread_id ?? null,
    replyCount: Number(row.reply_count ?? 0),
    lastReplyAt: isoOrNull(row.last_reply_at),
    mentions: row.mentions ?? [],
  };
  if (row.client_message_id) message.clientMessageId = row.client_message_id;
  if (row.metadata && Object.keys(row.metadata).length > 0) message.metadata = row.metadata;
  return message;
}
