import type { ChatMessage, Citation } from '@chat/contract';

function isCitation(value: unknown): value is Citation {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c['documentId'] === 'string' &&
    (typeof c['chunkId'] === 'string' || typeof c['chunkId'] === 'number') &&
    (typeof c['n'] === 'number' || c['n'] === undefined) &&
    (typeof c['title'] === 'string' || c['title'] === undefined)
  );
}

/** The well-formed citations of a message (stored metadata is JSON, so each is checked), numbered in order when the server gave no `n`. */
export function citationsOf(message: Pick<ChatMessage, 'metadata'>): Citation[] {
  const raw = message.metadata?.citations;
  if (!Array.isArray(raw)) return [];
  return raw.filter(isCitation).map((c, i) => ({
    n: typeof c.n === 'number' ? c.n : i + 1,
    documentId: c.documentId,
    title: typeof c.title === 'string' && c.title !== '' ? c.title : 'Untitled document',
    chunkId: String(c.chunkId),
    snippet: typeof c.snippet === 'string' ? c.snippet : '',
  }));
}
