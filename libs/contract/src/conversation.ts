/**
 * Conversation features on top of the seed's protocol: edits, deletes, reactions, threads, mentions,
 * read positions and message search. Every change to a stored message reaches the room as one
 * `message_updated` carrying the whole message and the room's next `changeSeq`, so a client replays
 * what it missed with `join_room {lastSeq, lastChangeSeq}` the same way it replays new messages.
 */
import type { ChatMessage } from './models.js';

export interface EditMessageRequest {
  messageId: string;
  content: string;
}

export interface DeleteMessageRequest {
  messageId: string;
}

export interface ReactionRequest {
  messageId: string;
  /** One emoji (a single grapheme that is an emoji, skin tones and ZWJ sequences included). */
  emoji: string;
}

export interface MessageReaction {
  emoji: string;
  count: number;
  userIds: string[];
}

/** Every edit, delete, reaction and thread reply count change, with the whole message after it. */
export interface MessageUpdatedPayload {
  message: ChatMessage;
  /** The room's change counter after this change: strictly increasing per room, gap-free. */
  changeSeq: number;
}

export interface MarkReadRequest {
  roomId: string;
  seq: number;
}

/** Sent to the reader's other sockets when their read position moves. */
export interface ReadUpdatedPayload {
  roomId: string;
  lastReadSeq: number;
  unreadCount: number;
  mentionCount: number;
}

/** Sent to a mentioned member's sockets, whether or not they joined that room's stream. */
export interface MentionedPayload {
  message: ChatMessage;
}

export interface ReadPositionRequest {
  seq: number;
}

export interface ThreadPage {
  root: ChatMessage;
  replies: ChatMessage[];
  hasMore: boolean;
}

export interface MessageSearchResult {
  message: ChatMessage;
  /** Plain text around the hit with matches wrapped in `<mark>`…`</mark>` (everything else escaped). */
  snippet: string;
}

/** `GET /api/search/messages` query: newest hits first. */
export interface MessageSearchQuery {
  /** Words (stemmed in KNOWLEDGE_LANGUAGE), "quoted phrases", -excluded words, `or`. */
  q: string;
  /** Only this room. */
  roomId?: string;
  /** The id of the last result of the previous page: the next page starts after it. */
  before?: string;
  limit?: number;
}

export interface MessageSearchResponse {
  results: MessageSearchResult[];
  hasMore: boolean;
}

export const SEARCH_QUERY_MAX_LENGTH = 256;
export const SEARCH_PAGE_DEFAULT = 20;
export const SEARCH_PAGE_MAX = 100;

/** `@username` as a word: the same characters usernames are made of. */
export const USER_MENTION_PATTERN = /(^|[^\w@])@([a-z0-9][a-z0-9._-]{0,63})/gi;

/** Usernames mentioned in a text, lower-cased and de-duplicated (the server resolves them to members). */
export function mentionedUsernames(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(USER_MENTION_PATTERN)) names.add(match[2].toLowerCase().replace(/[._-]+$/, ''));
  names.delete('ai');
  return [...names];
}

/** The conversation fields of a message nothing has happened to since it was sent. */
export const FRESH_MESSAGE_STATE: Readonly<
  Pick<ChatMessage, 'editedAt' | 'deletedAt' | 'reactions' | 'changeSeq' | 'threadId' | 'replyCount' | 'lastReplyAt' | 'mentions'>
> = Object.freeze({
  editedAt: null,
  deletedAt: null,
  reactions: [],
  changeSeq: 0,
  threadId: null,
  replyCount: 0,
  lastReplyAt: null,
  mentions: [],
});

/** Longest reaction in UTF-16 units: the longest RGI ZWJ sequences (families, flags of subdivisions) fit. */
export const REACTION_MAX_LENGTH = 32;

// Built at run time: the `v` flag is newer than the contract's compile target, and every runtime we ship on has it.
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
// A pictograph with or without its emoji presentation selector ("❤" as typed on many keyboards, next to "❤️").
const BARE_PICTOGRAPH = /^\p{Extended_Pictographic}\uFE0F?$/u;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * A reaction is exactly one emoji: one user-perceived character (Intl.Segmenter's grapheme) that is
 * an RGI emoji (skin tones, ZWJ sequences, flags, keycaps) or a pictograph. Text, two emoji, or an
 * emoji with text around it is not.
 */
export function isReactionEmoji(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > REACTION_MAX_LENGTH) return false;
  const iterator = graphemes.segment(value)[Symbol.iterator]();
  iterator.next();
  if (!iterator.next().done) return false;
  return RGI_EMOJI.test(value) || BARE_PICTOGRAPH.test(value);
}

/** Unread and mention counts stop counting here (the console shows "999+"), so a long-unread room costs no more to count. */
export const UNREAD_COUNT_MAX = 999;
