import type { AuditActorRef } from './operations.js';
import type { ErrorPayload } from './errors.js';
import type { ChatMessage, UserRole } from './models.js';
import type {
  DeleteMessageRequest,
  EditMessageRequest,
  MarkReadRequest,
  MentionedPayload,
  MessageUpdatedPayload,
  ReactionRequest,
  ReadUpdatedPayload,
} from './conversation.js';

/** Event names as constants, so call sites never spell a bare string. */
export const ClientEvent = {
  JoinRoom: 'join_room',
  LeaveRoom: 'leave_room',
  SendMessage: 'send_message',
  TypingStart: 'typing_start',
  TypingStop: 'typing_stop',
  AiCancel: 'ai_cancel',
  EditMessage: 'edit_message',
  DeleteMessage: 'delete_message',
  AddReaction: 'add_reaction',
  RemoveReaction: 'remove_reaction',
  MarkRead: 'mark_read',
} as const;
export type ClientEventName = (typeof ClientEvent)[keyof typeof ClientEvent];

export const ServerEvent = {
  JoinedRoom: 'joined_room',
  LeftRoom: 'left_room',
  UserJoined: 'user_joined',
  UserLeft: 'user_left',
  NewMessage: 'new_message',
  MessageSent: 'message_sent',
  UserTyping: 'user_typing',
  UserStopTyping: 'user_stop_typing',
  Error: 'error',
  ServerShutdown: 'server_shutdown',
  AiStreamStart: 'ai_stream_start',
  AiStreamDelta: 'ai_stream_delta',
  AiStreamEnd: 'ai_stream_end',
  MessageUpdated: 'message_updated',
  ReadUpdated: 'read_updated',
  Mentioned: 'mentioned',
} as const;
export type ServerEventName = (typeof ServerEvent)[keyof typeof ServerEvent];

/** The seed sends a bare room id; richer clients send an object. Both stay valid. */
export type RoomRef = string | { roomId: string };

export interface JoinRoomRequest {
  roomId: string;
  /** Deliver every message with a greater seq before live ones. */
  lastSeq?: number;
  /** Then deliver `message_updated` for every message at or below `lastSeq` changed after this. */
  lastChangeSeq?: number;
}

export interface SendMessageRequest {
  content: string;
  roomId: string;
  useAi?: boolean;
  /** Client-chosen id that makes a resend idempotent. */
  clientMessageId?: string;
  /** Reply in the thread of this top-level message of the room. */
  threadId?: string;
}

export interface PresenceUser {
  userId: string;
  username: string;
  displayName: string;
}

export interface JoinedRoomPayload {
  roomId: string;
  lastSeq: number;
  /**
   * The room's change counter the replay brought this socket to: send it back as `lastChangeSeq`
   * when rejoining. Live `message_updated` may race the replay: keep a message's update only when
   * its `message.changeSeq` is greater than the one you hold.
   */
  changeSeq: number;
  /**
   * More messages changed than the replay sends at once (JOIN_CATCH_UP_MAX): `changeSeq` is where
   * it stopped; rejoin with it as `lastChangeSeq` for the rest, or reload the history you hold.
   */
  changesHasMore?: true;
  online: PresenceUser[];
  /**
   * The catch-up after the join's `lastSeq` was longer than the server sends over the socket: only
   * the newest messages came, starting at `catchUpFrom`. The ones after the requested `lastSeq` and
   * before `catchUpFrom` are fetched through REST (`GET /api/rooms/:roomId/messages?after=&before=`).
   */
  hasMore?: boolean;
  catchUpFrom?: number;
}

export interface LeftRoomPayload {
  roomId: string;
}

export interface RoomUserPayload {
  userId: string;
  username: string;
  displayName: string;
  roomId: string;
}

export interface ServerShutdownPayload {
  reason: string;
  /** A hint for when to try again. */
  reconnectAfterMs: number;
}

export interface AiCancelRequest {
  messageId: string;
}

/** The assistant's reply exists (stored, status `streaming`) and has its seq. */
export interface AiStreamStartPayload {
  messageId: string;
  roomId: string;
  seq: number;
  /** The question's message id. */
  replyTo: string | null;
  /** Text so far, for a client that joins while the reply is streaming. */
  content: string;
  /** The index of the next `ai_stream_delta` this client will get (0 when the reply has just started). */
  nextIndex: number;
  /** Set when the reply answers inside a thread: show it in that thread, not the room's timeline. */
  threadId?: string;
}

/** The next piece of text. `index` counts deltas per message from 0, with no gaps. */
export interface AiStreamDeltaPayload {
  messageId: string;
  roomId: string;
  index: number;
  delta: string;
}

/** The final message: status `complete`, `cancelled` (partial text kept) or `error`. */
export interface AiStreamEndPayload {
  message: ChatMessage;
}

export type AckResponse<T extends object> = ({ ok: true } & T) | { ok: false; error: ErrorPayload };
export type Ack<T extends object> = (response: AckResponse<T>) => void;

export interface ClientToServerEvents {
  join_room: (payload: string | JoinRoomRequest, ack?: Ack<JoinedRoomPayload>) => void;
  leave_room: (payload: RoomRef, ack?: Ack<LeftRoomPayload>) => void;
  send_message: (payload: SendMessageRequest, ack?: Ack<{ message: ChatMessage }>) => void;
  typing_start: (payload: RoomRef) => void;
  typing_stop: (payload: RoomRef) => void;
  /** Stop a streaming reply: the asker, the room owner or an admin. */
  ai_cancel: (payload: AiCancelRequest, ack?: Ack<{ messageId: string }>) => void;
  edit_message: (payload: EditMessageRequest, ack?: Ack<MessageUpdatedPayload>) => void;
  delete_message: (payload: DeleteMessageRequest, ack?: Ack<MessageUpdatedPayload>) => void;
  add_reaction: (payload: ReactionRequest, ack?: Ack<MessageUpdatedPayload>) => void;
  remove_reaction: (payload: ReactionRequest, ack?: Ack<MessageUpdatedPayload>) => void;
  mark_read: (payload: MarkReadRequest, ack?: Ack<ReadUpdatedPayload>) => void;
}

export interface ServerToClientEvents {
  joined_room: (payload: JoinedRoomPayload) => void;
  left_room: (payload: LeftRoomPayload) => void;
  user_joined: (payload: RoomUserPayload) => void;
  user_left: (payload: RoomUserPayload) => void;
  new_message: (message: ChatMessage) => void;
  message_sent: (message: ChatMessage) => void;
  user_typing: (payload: RoomUserPayload) => void;
  user_stop_typing: (payload: RoomUserPayload) => void;
  error: (error: ErrorPayload) => void;
  server_shutdown: (payload: ServerShutdownPayload) => void;
  ai_stream_start: (payload: AiStreamStartPayload) => void;
  ai_stream_delta: (payload: AiStreamDeltaPayload) => void;
  ai_stream_end: (payload: AiStreamEndPayload) => void;
  message_updated: (payload: MessageUpdatedPayload) => void;
  read_updated: (payload: ReadUpdatedPayload) => void;
  mentioned: (payload: MentionedPayload) => void;
}

/** Messages between server instances (through the adapter). */
export const InterServerEvent = {
  AiCancel: 'ai_cancel',
} as const;

export interface InterServerEvents {
  /** Abort a streaming reply wherever it runs; `by` is who stopped it, for the audit log. */
  ai_cancel: (payload: AiCancelRequest & { by?: AuditActorRef & { requestId: string | null; ip: string | null } }) => void;
}

/** What the handshake establishes, kept on `socket.data`. */
export interface SocketData {
  userId: string;
  username: string;
  displayName: string;
  role: UserRole;
  /** Token expiry, epoch seconds: the socket is dropped when it passes. */
  tokenExpiresAt: number;
}

/** `connect_error` data for a refused handshake. */
export interface HandshakeErrorData {
  /** RATE_LIMITED: too many sockets for the user or address, or too many failed handshakes. */
  code: 'UNAUTHORIZED' | 'RATE_LIMITED';
  message: string;
  retryAfterMs?: number;
}
