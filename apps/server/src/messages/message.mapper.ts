import { ASSISTANT_DISPLAY_NAME, ASSISTANT_USERNAME } from '@chat/contract';
import type { AiMessageMetadata, ChatMessage, MessageStatus } from '@chat/contract';

/** A messages row joined with its author, as the SQL in this module selects it. */
export interface MessageRow {
  id: string;
  room_id: string;
  seq: string | number;
  user_id: string | null;
  username: string | null;
  display_name: string | null;
  /** The author's role, for the bot badge. */
  author_role?: string | null;
  content: string;
  is_ai: boolean;
  client_message_id: string | null;
  status: MessageStatus;
  metadata: AiMessageMetadata | null;
  created_at: Date;
}

export const MESSAGE_COLUMNS = `m.id, m.room_id, m.seq, m.user_id, u.username, u.display_name, u.role AS author_role, m.content, m.is_ai,
  m.client_message_id, m.status, m.metadata, m.created_at`;

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
  };
  if (row.author_role === 'service') message.isBot = true;
  if (row.client_message_id) message.clientMessageId = row.client_message_id;
  if (row.metadata && Object.keys(row.metadata).length > 0) message.metadata = row.metadata;
  return message;
}
