import type { ChatMessage, Citation } from '@chat/contract';
import { citationsOf } from './citations';
import { groupMessages } from './message-groups';
import { codePointLength, FRESH_MESSAGE_STATE } from '@chat/contract';
import { initials, snippetParts } from './text';
import { mainTimeline, mergeMessages, OutgoingMessage, threadTimeline, toTimeline } from './timeline';
import { typingText } from './typing-text';

const ME = { id: 'u-me', username: 'me', displayName: 'Me' };
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function msg(seq: number, author: 'me' | 'alice' | 'ai', minutes = seq): ChatMessage {
  const base = { id: `m${seq}`, roomId: 'r', seq, content: `m${seq}`, timestamp: new Date(T0 + minutes * 60_000).toISOString(), status: 'complete' as const, ...FRESH_MESSAGE_STATE };
  if (author === 'ai') return { ...base, userId: null, username: 'assistant', displayName: 'AI Assistant', isAi: true };
  if (author === 'me') return { ...base, userId: 'u-me', username: 'me', displayName: 'Me', isAi: false };
  return { ...base, userId: 'u-alice', username: 'alice', displayName: 'Alice', isAi: false };
}

describe('typingText', () => {
  it('should name one typist and count several', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['Alice'])).toBe('Alice is typing…');
    expect(typingText(['Alice', 'Bob'])).toBe('2 people are typing…');
    expect(typingText(['Alice', 'Bob', 'Carol'])).toBe('3 people are typing…');
  });
});

describe('groupMessages', () => {
  it('should group consecutive messages by author, keep every AI reply apart, and mark own/other/ai', () => {
    const entries = toTimeline([msg(1, 'alice'), msg(2, 'alice'), msg(3, 'me'), msg(4, 'ai'), msg(5, 'ai'), msg(6, 'alice')], []);
    const groups = groupMessages(entries, ME);
    expect(groups.map((g) => [g.kind, g.displayName, g.entries.length])).toEqual([
      ['other', 'Alice', 2],
      ['own', 'Me', 1],
      ['ai', 'AI Assistant', 1],
      ['ai', 'AI Assistant', 1],
      ['other', 'Alice', 1],
    ]);
  });

  it('should start a new group after a pause of more than five minutes', () => {
    const groups = groupMessages(toTimeline([msg(1, 'alice', 0), msg(2, 'alice', 4), msg(3, 'alice', 10)], []), ME);
    expect(groups.map((g) => g.entries.length)).toEqual([2, 1]);
  });

  it('should put unconfirmed sends in the own group', () => {
    const pending: OutgoingMessage = { clientMessageId: 'c1', roomId: 'r', content: 'pending', useAi: false, status: 'queued', createdAt: new Date(T0 + 3 * 60_000).toISOString() };
    const groups = groupMessages(toTimeline([msg(2, 'me')], [pending]), ME);
    expect(groups).toHaveLength(1);
    expect(groups[0].entries.map((e) => e.key)).toEqual(['m2', 'out:c1']);
  });
});

describe('mergeMessages', () => {
  it('should keep one copy per id, ordered by seq, and return the same array when nothing changed', () => {
    const merged = mergeMessages([msg(3, 'alice'), msg(5, 'alice')], [msg(4, 'me'), msg(3, 'alice'), msg(1, 'me')]);
    expect(merged.map((m) => m.seq)).toEqual([1, 3, 4, 5]);
    expect(mergeMessages(merged, [])).toBe(merged);
  });

  it('should let a final reply replace its streaming copy but not the reverse', () => {
    const streaming = { ...msg(2, 'ai'), status: 'streaming' as const, content: 'par' };
    const final = { ...msg(2, 'ai'), content: 'partial and whole' };
    expect(mergeMessages([streaming], [final])).toEqual([final]);
    expect(mergeMessages([final], [streaming])).toEqual([final]);
  });
});

describe('text helpers', () => {
  it('should count code points as the server does', () => {
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength('👍🏽x')).toBe(3);
  });

  it('should make initials', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('admin')).toBe('AD');
  });
});

describe('citationsOf', () => {
  it('should keep well-formed citations and drop the rest', () => {
    const citations = citationsOf({
      metadata: {
        // Stored metadata is JSON from the database: typed as Citation[], checked anyway.
        citations: [{ n: 1, documentId: 'd1', title: 'Handbook', chunkId: 'c9', snippet: 'Leave policy' }, { nope: true }, 'x', { documentId: 'd2', chunkId: 7 }] as unknown as Citation[],
      },
    });
    expect(citations).toEqual([
      { n: 1, documentId: 'd1', title: 'Handbook', chunkId: 'c9', snippet: 'Leave policy' },
      { n: 2, documentId: 'd2', title: 'Untitled document', chunkId: '7', snippet: '' },
    ]);
    expect(citationsOf({})).toEqual([]);
  });
});

describe('snippetParts', () => {
  it('should split a snippet into text and hits, decoding entities and never making other markup', () => {
    expect(snippetParts('a &lt;b&gt; <mark>deploy</mark> &amp; <mark>fix</mark>&#39;s <img src=x>')).toEqual([
      { text: 'a <b> ', hit: false },
      { text: 'deploy', hit: true },
      { text: ' & ', hit: false },
      { text: 'fix', hit: true },
      { text: "'s <img src=x>", hit: false },
    ]);
  });
});

describe('mainTimeline and threadTimeline', () => {
  it('should keep thread replies out of the room and in their thread', () => {
    const root = msg(1, 'alice');
    const reply = { ...msg(2, 'me'), threadId: root.id };
    const out: OutgoingMessage = { clientMessageId: 'c1', roomId: 'r', content: 'x', useAi: false, status: 'queued', createdAt: new Date(T0).toISOString(), threadId: root.id };
    expect(mainTimeline([root, reply], [out]).map((e) => e.key)).toEqual([root.id]);
    expect(threadTimeline([root, reply], [out], root.id).map((e) => e.key)).toEqual([reply.id, 'out:c1']);
  });

  it('should not let an older copy of a message undo a change', () => {
    const edited = { ...msg(1, 'alice'), content: 'edited', changeSeq: 3 };
    expect(mergeMessages([edited], [msg(1, 'alice')])[0].content).toBe('edited');
    expect(mergeMessages([edited], [{ ...edited, content: 'again', changeSeq: 4 }])[0].content).toBe('again');
  });
});
