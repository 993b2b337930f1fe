import { ASSISTANT_DISPLAY_NAME } from '@chat/contract';
import type { TimelineEntry } from './timeline';

export type AuthorKind = 'own' | 'other' | 'ai';

/** Consecutive entries by one author, shown under one name and time. */
export interface MessageGroup {
  key: string;
  kind: AuthorKind;
  displayName: string;
  username: string;
  /** Posted by a service account (an integration): shown with a bot badge. */
  isBot: boolean;
  /** Of the first entry. */
  timestamp: string;
  entries: TimelineEntry[];
}

/** Messages further apart than this start a new group even from the same author. */
export const GROUP_WINDOW_MS = 5 * 60_000;

interface Author {
  id: string;
  kind: AuthorKind;
  displayName: string;
  username: string;
  isBot: boolean;
  timestamp: string;
}

function authorOf(entry: TimelineEntry, me: { id: string; username: string; displayName: string } | null): Author {
  if (entry.kind === 'outgoing') {
    return {
      id: me?.id ?? 'me',
      kind: 'own',
      displayName: me?.displayName ?? 'You',
      username: me?.username ?? '',
      isBot: false,
      timestamp: entry.outgoing.createdAt,
    };
  }
  const m = entry.message;
  if (m.isAi) return { id: 'ai', kind: 'ai', displayName: m.displayName || ASSISTANT_DISPLAY_NAME, username: m.username, isBot: false, timestamp: m.timestamp };
  const own = me !== null && m.userId === me.id;
  return { id: m.userId ?? m.username, kind: own ? 'own' : 'other', displayName: m.displayName || m.username, username: m.username, isBot: m.isBot === true, timestamp: m.timestamp };
}

/** Groups a timeline by author: a new group starts on a change of author or after GROUP_WINDOW_MS. */
export function groupMessages(
  entries: readonly TimelineEntry[],
  me: { id: string; username: string; displayName: string } | null,
): MessageGroup[] {
  const groups: MessageGroup[] = [];
  let lastAuthor: Author | null = null;
  let lastTime = 0;
  for (const entry of entries) {
    const author = authorOf(entry, me);
    const time = new Date(author.timestamp).getTime();
    const current = groups[groups.length - 1];
    // Every assistant reply stands alone: each answers a different question.
    const sameGroup =
      current !== undefined &&
      lastAuthor !== null &&
      lastAuthor.id === author.id &&
      author.kind !== 'ai' &&
      !(time - lastTime > GROUP_WINDOW_MS);
    if (sameGroup) {
      current.entries.push(entry);
    } else {
      groups.push({ key: entry.key, kind: author.kind, displayName: author.displayName, username: author.username, isBot: author.isBot, timestamp: author.timestamp, entries: [entry] });
    }
    lastAuthor = author;
    lastTime = Number.isNaN(time) ? lastTime : time;
  }
  return groups;
}
