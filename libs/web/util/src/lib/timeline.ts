import type { ChatMessage } from '@chat/contract';

export type OutgoingStatus = 'queued' | 'sending' | 'failed';

/** A message this tab wrote that the server has not confirmed yet. */
export interface OutgoingMessage {
  clientMessageId: string;
  roomId: string;
  content: string;
  useAi: boolean;
  status: OutgoingStatus;
  /** A reply in the thread of this top-level message. */
  threadId?: string;
  /** Why the last attempt failed (status `failed`). */
  error?: string;
  createdAt: string;
}

/** What the message list shows: stored messages in seq order, then this tab's unconfirmed ones. */
export type TimelineEntry = { kind: 'message'; key: string; message: ChatMessage } | { kind: 'outgoing'; key: string; outgoing: OutgoingMessage };

/**
 * Which version of one message to keep. A final assistant reply never goes back to `streaming`
 * (a catch-up replays a stream's start after its end); a copy from before a change (a history page
 * read before an edit arrived live) never undoes it; otherwise the newer copy wins.
 */
function newer(current: ChatMessage, incoming: ChatMessage): ChatMessage {
  if (current.status !== 'streaming' && incoming.status === 'streaming') return current;
  if ((incoming.changeSeq ?? 0) < (current.changeSeq ?? 0)) return current;
  return incoming;
}

/**
 * Merges messages into a list kept unique by id and ordered by seq. Returns the same array when
 * nothing changed, so observers can skip work.
 */
export function mergeMessages(current: readonly ChatMessage[], incoming: readonly ChatMessage[]): readonly ChatMessage[] {
  if (incoming.length === 0) return current;
  const byId = new Map(current.map((m) => [m.id, m]));
  let changed = false;
  for (const message of incoming) {
    const existing = byId.get(message.id);
    const next = existing ? newer(existing, message) : message;
    if (next !== existing) {
      byId.set(message.id, next);
      changed = true;
    }
  }
  if (!changed) return current;
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** Top-level messages (and sends) only: thread replies show in their thread. */
export function mainTimeline(messages: readonly ChatMessage[], outgoing: readonly OutgoingMessage[]): TimelineEntry[] {
  return toTimeline(
    messages.filter((m) => !m.threadId),
    outgoing.filter((o) => !o.threadId),
  );
}

/** One thread's replies (and this tab's unconfirmed ones), oldest first. */
export function threadTimeline(messages: readonly ChatMessage[], outgoing: readonly OutgoingMessage[], rootId: string): TimelineEntry[] {
  return toTimeline(
    messages.filter((m) => m.threadId === rootId),
    outgoing.filter((o) => o.threadId === rootId),
  );
}

/** The room page's query parameters that show a message in its context: its thread, or the history around it. */
export function messageContextParams(message: Pick<ChatMessage, 'id' | 'seq' | 'threadId'>): Record<string, string | number> {
  return message.threadId ? { thread: message.threadId, highlight: message.id } : { around: message.seq, highlight: message.id };
}

/** Stored messages and unconfirmed sends as one list for the message list. */
export function toTimeline(messages: readonly ChatMessage[], outgoing: readonly OutgoingMessage[]): TimelineEntry[] {
  return [
    ...messages.map((message): TimelineEntry => ({ kind: 'message', key: message.id, message })),
    ...outgoing.map((o): TimelineEntry => ({ kind: 'outgoing', key: `out:${o.clientMessageId}`, outgoing: o })),
  ];
}
