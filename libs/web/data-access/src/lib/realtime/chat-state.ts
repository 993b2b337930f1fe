import { ASSISTANT_USERNAME, FRESH_MESSAGE_STATE } from '@chat/contract';
import type {
  AiStreamDeltaPayload,
  AiStreamStartPayload,
  ChatMessage,
  ErrorPayload,
  JoinedRoomPayload,
  MessageUpdatedPayload,
  PresenceUser,
  RoomUserPayload,
} from '@chat/contract';
import { type ConnectionState, mergeMessages, type OutgoingMessage } from '@chat/web-util';

export type { ConnectionState };

/** Text of a streaming reply by delta index, until its end arrives. */
export interface StreamBuffer {
  /** Text the start carried. */
  base: string;
  chunks: Readonly<Record<number, string>>;
  /**
   * The index of the first delta that follows `base`: the start's `nextIndex` (0 for a reply that
   * has just begun; further on for one joined mid-way, whose `base` already holds the deltas before it).
   */
  from: number;
}

export interface RoomState {
  roomId: string;
  /** Unique by id, ascending seq. */
  messages: readonly ChatMessage[];
  /** This tab's sends the server has not confirmed, in the order they were written. */
  outgoing: readonly OutgoingMessage[];
  typing: readonly RoomUserPayload[];
  online: readonly PresenceUser[];
  /** Joined on every (re)connect. */
  followed: boolean;
  /** Someone looks at it: its history is loaded. */
  viewed: boolean;
  joined: boolean;
  /** Why the room cannot be shown (not found, no access, removed). */
  error: ErrorPayload | null;
  /** Every message with a greater seq reaches this tab live: the `lastSeq` to rejoin with. */
  syncedSeq: number | null;
  history: 'idle' | 'loading' | 'loaded' | 'error';
  /** Older messages exist on the server. */
  hasMore: boolean;
  loadingOlder: boolean;
  streams: Readonly<Record<string, StreamBuffer>>;
  /** The newest seq known: the room's size for unread counts. */
  latestSeq: number;
  /**
   * Every change (edit, delete, reaction, reply count) after this room change counter reaches this
   * tab live: the `lastChangeSeq` to rejoin with. Null until the room was joined or its history loaded.
   */
  syncedChangeSeq: number | null;
  /** Showing the history around a search hit: messages newer than the loaded ones are not here. */
  newerMissing: boolean;
}

export interface ChatState {
  connection: ConnectionState;
  rooms: Readonly<Record<string, RoomState>>;
}

export function emptyRoom(roomId: string): RoomState {
  return {
    roomId,
    messages: [],
    outgoing: [],
    typing: [],
    online: [],
    followed: false,
    viewed: false,
    joined: false,
    error: null,
    syncedSeq: null,
    history: 'idle',
    hasMore: false,
    loadingOlder: false,
    streams: {},
    latestSeq: 0,
    syncedChangeSeq: null,
    newerMissing: false,
  };
}

/** Moves `syncedSeq` over every message that continues it without a gap. */
function advanceSynced(room: RoomState): RoomState {
  if (room.syncedSeq === null) return room;
  const seqs = new Set(room.messages.map((m) => m.seq));
  let synced = room.syncedSeq;
  while (seqs.has(synced + 1)) synced++;
  return synced === room.syncedSeq ? room : { ...room, syncedSeq: synced };
}

function withMessages(room: RoomState, incoming: readonly ChatMessage[]): RoomState {
  const messages = mergeMessages(room.messages, incoming);
  if (messages === room.messages) return room;
  const newest = messages.length ? messages[messages.length - 1].seq : 0;
  // A confirmed copy of one of our sends (message_sent, an ack, or another path) ends its pending entry.
  const confirmed = new Set(incoming.map((m) => m.clientMessageId).filter((id): id is string => !!id));
  const outgoing = confirmed.size ? room.outgoing.filter((o) => !confirmed.has(o.clientMessageId)) : room.outgoing;
  return advanceSynced({ ...room, messages, outgoing, latestSeq: Math.max(room.latestSeq, newest) });
}

/** Assembles a stream's text: contiguous from where it starts, waiting at a gap for the missing delta. */
export function streamText(buffer: StreamBuffer): string {
  const indexes = Object.keys(buffer.chunks)
    .map(Number)
    .sort((a, b) => a - b);
  let text = buffer.base;
  let expected = buffer.from;
  for (const index of indexes) {
    if (index < expected) continue;
    if (index > expected) break;
    text += buffer.chunks[index];
    expected = index + 1;
  }
  return text;
}

function withStreamText(room: RoomState, messageId: string): RoomState {
  const buffer = room.streams[messageId];
  const index = room.messages.findIndex((m) => m.id === messageId);
  if (!buffer || index < 0 || room.messages[index].status !== 'streaming') return room;
  const content = streamText(buffer);
  if (room.messages[index].content === content) return room;
  const messages = [...room.messages];
  messages[index] = { ...messages[index], content };
  return { ...room, messages };
}

export const reduce = {
  messages(room: RoomState, messages: readonly ChatMessage[]): RoomState {
    const next = withMessages(room, messages);
    // A final version ends the stream buffer.
    const ended = messages.filter((m) => m.status !== 'streaming' && next.streams[m.id]);
    if (ended.length === 0) return next;
    const streams = { ...next.streams };
    for (const m of ended) delete streams[m.id];
    return { ...next, streams };
  },

  streamStart(room: RoomState, payload: AiStreamStartPayload, assistantName: string): RoomState {
    const existing = room.messages.find((m) => m.id === payload.messageId);
    if (existing && existing.status !== 'streaming') return room;
    const previous = room.streams[payload.messageId];
    // `content` holds every delta before `nextIndex`: the text continues from there with no gap,
    // whether the reply has just started (0) or this tab (re)joined half-way through it. Deltas kept
    // from before that index are covered by `content`.
    const from = payload.nextIndex;
    const kept = previous?.chunks ?? {};
    const chunks = Object.fromEntries(Object.entries(kept).filter(([index]) => Number(index) >= from));
    const buffer: StreamBuffer = { base: payload.content, chunks, from };
    // The start does not say who asked; the question (an earlier seq, so already here) does. The
    // asker may stop the reply, so the Stop button needs it before the stored version arrives.
    const question = payload.replyTo ? room.messages.find((m) => m.id === payload.replyTo) : undefined;
    const askedBy = question?.userId ?? undefined;
    const placeholder: ChatMessage = existing ?? {
      id: payload.messageId,
      roomId: payload.roomId,
      seq: payload.seq,
      userId: null,
      username: ASSISTANT_USERNAME,
      displayName: assistantName,
      content: payload.content,
      timestamp: new Date().toISOString(),
      isAi: true,
      status: 'streaming',
      metadata: payload.replyTo ? { replyTo: payload.replyTo, ...(askedBy ? { requestedBy: askedBy } : {}) } : {},
      ...FRESH_MESSAGE_STATE,
      // A question asked in a thread is answered in that thread.
      threadId: payload.threadId ?? question?.threadId ?? null,
    };
    const next = withMessages({ ...room, streams: { ...room.streams, [payload.messageId]: buffer } }, existing ? [] : [placeholder]);
    return withStreamText(next, payload.messageId);
  },

  streamDelta(room: RoomState, payload: AiStreamDeltaPayload): RoomState {
    const existing = room.messages.find((m) => m.id === payload.messageId);
    if (existing && existing.status !== 'streaming') return room;
    // A delta may overtake its start (the start waits in the room's seq order): keep it.
    const buffer = room.streams[payload.messageId] ?? { base: '', chunks: {}, from: 0 };
    if (buffer.chunks[payload.index] !== undefined) return room;
    const streams = { ...room.streams, [payload.messageId]: { ...buffer, chunks: { ...buffer.chunks, [payload.index]: payload.delta } } };
    return withStreamText({ ...room, streams }, payload.messageId);
  },

  /**
   * A change to a stored message (edit, delete, reaction, thread reply count): the whole message
   * replaces the one kept, unless that one is already as new. Unknown messages are not added: the
   * replay after a rejoin covers every changed message up to `lastSeq`, also those older than the
   * history this tab has loaded, and adding them would leave holes in it.
   */
  messageUpdated(room: RoomState, payload: MessageUpdatedPayload): RoomState {
    const changeSeq = Math.max(room.syncedChangeSeq ?? 0, payload.changeSeq);
    const next = room.messages.some((m) => m.id === payload.message.id) ? withMessages(room, [payload.message]) : room;
    return next.syncedChangeSeq === changeSeq ? next : { ...next, syncedChangeSeq: changeSeq };
  },

  joined(room: RoomState, payload: JoinedRoomPayload): RoomState {
    return advanceSynced({
      ...room,
      syncedChangeSeq: Math.max(room.syncedChangeSeq ?? 0, payload.changeSeq ?? 0),
      joined: true,
      error: null,
      online: payload.online,
      syncedSeq: Math.max(room.syncedSeq ?? 0, payload.lastSeq),
      latestSeq: Math.max(room.latestSeq, payload.lastSeq),
    });
  },

  /** The connection dropped: not in the room any more, typing is stale, sends in flight wait again. */
  disconnected(room: RoomState): RoomState {
    return {
      ...room,
      joined: false,
      typing: [],
      outgoing: room.outgoing.map((o) => (o.status === 'sending' ? { ...o, status: 'queued' as const } : o)),
    };
  },

  userJoined(room: RoomState, user: RoomUserPayload): RoomState {
    if (room.online.some((u) => u.userId === user.userId)) return room;
    return { ...room, online: [...room.online, { userId: user.userId, username: user.username, displayName: user.displayName || user.username }] };
  },

  userLeft(room: RoomState, user: RoomUserPayload): RoomState {
    return {
      ...room,
      online: room.online.filter((u) => u.userId !== user.userId),
      typing: room.typing.filter((u) => u.userId !== user.userId),
    };
  },

  typing(room: RoomState, user: RoomUserPayload, active: boolean): RoomState {
    const others = room.typing.filter((u) => u.userId !== user.userId);
    if (!active) return others.length === room.typing.length ? room : { ...room, typing: others };
    return room.typing.some((u) => u.userId === user.userId) ? room : { ...room, typing: [...others, user] };
  },

  outgoing(room: RoomState, clientMessageId: string, change: Partial<OutgoingMessage> | null): RoomState {
    const outgoing = change === null
      ? room.outgoing.filter((o) => o.clientMessageId !== clientMessageId)
      : room.outgoing.map((o) => (o.clientMessageId === clientMessageId ? { ...o, ...change } : o));
    return { ...room, outgoing };
  },
};

/**
 * The `lastChangeSeq` to rejoin with. Before the first join it is the newest change in the loaded
 * history: every change made after that page was read has a greater change seq than any in it.
 */
export function resumeChangeSeq(room: RoomState): number | undefined {
  if (room.syncedChangeSeq !== null) return room.syncedChangeSeq;
  if (room.history !== 'loaded') return undefined;
  return room.messages.reduce((max, m) => Math.max(max, m.changeSeq ?? 0), 0);
}

/**
 * The `lastSeq` to rejoin with: everything newer must come again. A reply still streaming is asked
 * for again too, so its end (or current state) is not lost with the connection.
 */
export function resumeSeq(room: RoomState): number | undefined {
  let seq = room.syncedSeq;
  if (seq === null && room.history === 'loaded') seq = room.messages.length ? room.messages[room.messages.length - 1].seq : 0;
  if (seq === null) return undefined;
  for (const m of room.messages) if (m.status === 'streaming' && m.seq <= seq) seq = Math.min(seq, m.seq - 1);
  return seq;
}
