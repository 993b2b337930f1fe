import type { Citation } from './knowledge.js';
import type { MessageReaction } from './conversation.js';

/** `service`: an integration's account; it has no password, never signs in to the console, and acts through API keys. */
export type UserRole = 'admin' | 'staff' | 'service';
export const USER_ROLES: readonly UserRole[] = ['admin', 'staff', 'service'];
export type RoomVisibility = 'public' | 'private';
export type RoomMemberRole = 'owner' | 'member';
export type MessageStatus = 'complete' | 'streaming' | 'cancelled' | 'error';

/** Room ids appear in URLs and socket payloads, so they are kept URL-safe. */
export const ROOM_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const CLIENT_MESSAGE_ID_MAX_LENGTH = 64;
export const HISTORY_PAGE_DEFAULT = 50;
export const HISTORY_PAGE_MAX = 200;

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  role: UserRole;
  /** A generated or reset password: everything but changing it (and signing out) is refused until then. */
  mustChangePassword?: boolean;
}

/** What any signed-in person may know of another: enough to find and invite them. */
export interface UserDirectoryEntry {
  id: string;
  username: string;
  displayName: string;
}

/** Most entries `GET /api/users/directory` answers at once. */
export const USER_DIRECTORY_MAX = 500;

export interface UserAdminView extends UserView {
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface LoginResponse {
  accessToken: string;
  /** Seconds until the token expires. */
  expiresIn: number;
  user: UserView;
}

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

/** An admin's reset: the user must change it at their next sign-in. */
export interface ResetPasswordRequest {
  newPassword: string;
}

export interface CreateUserRequest {
  username: string;
  /** Required except for `service` accounts, which have none. */
  password?: string;
  displayName: string;
  role: UserRole;
}

export interface UpdateUserRequest {
  displayName?: string;
  role?: UserRole;
  disabled?: boolean;
}

export interface RoomView {
  id: string;
  name: string;
  description: string | null;
  visibility: RoomVisibility;
  createdBy: string | null;
  aiEnabled: boolean;
  systemPrompt: string | null;
  createdAt: string;
  updatedAt: string;
  /** The caller's membership role, or null when the caller is not a member. */
  myRole: RoomMemberRole | null;
  /** Seq of the newest message (0 for an empty room). */
  lastSeq: number;
  /** The room's change counter (edits, deletes, reactions). */
  lastChangeSeq: number;
  /** The caller's read position and what is after it (0s for a room the caller does not belong to). */
  lastReadSeq: number;
  unreadCount: number;
  mentionCount: number;
}

export interface CreateRoomRequest {
  id?: string;
  name: string;
  description?: string;
  visibility: RoomVisibility;
  aiEnabled?: boolean;
  systemPrompt?: string | null;
}

export interface UpdateRoomRequest {
  name?: string;
  description?: string | null;
  visibility?: RoomVisibility;
  aiEnabled?: boolean;
  systemPrompt?: string | null;
}

export interface RoomMemberView {
  userId: string;
  username: string;
  displayName: string;
  role: RoomMemberRole;
  joinedAt: string;
  online: boolean;
}

export interface AddMemberRequest {
  role?: RoomMemberRole;
}

/** Metadata filled for assistant messages (model, usage, citations). */
export interface AiMessageMetadata {
  model?: string;
  promptTokens?: number;
  completionTokens?: number;
  /** True when the upstream sent no usage and the tokens were counted here. */
  tokensEstimated?: boolean;
  /** The question this answers. */
  replyTo?: string;
  /** Who asked. */
  requestedBy?: string;
  /** Milliseconds from the request to the first token, and to the end. */
  firstTokenMs?: number;
  durationMs?: number;
  /** Why the reply ended early, when status is `error` or `cancelled`. */
  errorCode?: string;
  /** The knowledge-base passages the answer cites as [n]. */
  citations?: Citation[];
}

/** A stored message as every client sees it: the seed's shape plus ordering and status. */
export interface ChatMessage {
  id: string;
  roomId: string;
  /** Per-room, gap-free, strictly increasing. */
  seq: number;
  /** Null for the assistant. */
  userId: string | null;
  username: string;
  displayName: string;
  content: string;
  /** ISO 8601. */
  timestamp: string;
  isAi: boolean;
  /** Posted by a service account (an integration), shown with a bot badge. */
  isBot?: boolean;
  clientMessageId?: string;
  status: MessageStatus;
  metadata?: AiMessageMetadata;
  /** ISO 8601 of the last edit, null when never edited. */
  editedAt: string | null;
  /** ISO 8601 of the delete: the message stays as a tombstone with empty content. */
  deletedAt: string | null;
  reactions: MessageReaction[];
  /** The room's change counter at this message's last change (0 = unchanged since it was sent). */
  changeSeq: number;
  /** The top-level message this replies to, or null for a top-level message. */
  threadId: string | null;
  /** On a thread root: how many replies, and when the last came (null when none). */
  replyCount: number;
  lastReplyAt: string | null;
  /** Ids of room members the message @-mentions. */
  mentions: string[];
}

export interface PostMessageRequest {
  content: string;
  clientMessageId?: string;
  /** Reply in the thread of this top-level message. */
  threadId?: string;
}

export interface EditMessageBody {
  content: string;
}

export interface MessagesPage {
  messages: ChatMessage[];
  /** More messages beyond this page in the direction asked (with `around`: older ones). */
  hasMore: boolean;
  /** With `around` only: newer messages exist after this page. */
  hasMoreAfter?: boolean;
}

export type UsageGroupBy = 'user' | 'room' | 'day';

export interface UsageRow {
  /** User id, room id or day (YYYY-MM-DD). */
  key: string;
  /** Username or room name when there is one. */
  label: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

export interface UsageReport {
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  rows: UsageRow[];
  totals: Omit<UsageRow, 'key' | 'label'>;
}

/** One server instance as it last reported itself (every instance publishes this; stale ones drop out). */
export interface InstanceStats {
  id: string;
  connections: number;
  /** Rooms with at least one socket on this instance. */
  rooms: number;
  eventLoopLagMs: number;
  aiRunning: number;
  aiQueued: number;
  startedAt: string;
  lastSeenAt: string;
}

/** `activeConnections` and `activeRooms` count every instance; `instances` breaks them down. */
export interface AdminStats {
  activeConnections: number;
  totalConnections: number;
  rooms: number;
  activeRooms: number;
  messagesPerMinute: number;
  uptimeSeconds: number;
  instances: InstanceStats[];
}
