import { FRESH_MESSAGE_STATE } from '@chat/contract';
import type { ChatMessage } from '@chat/contract';
import { emptyRoom, reduce, resumeSeq, streamText } from './chat-state';

const msg = (seq: number, status: ChatMessage['status'] = 'complete'): ChatMessage => ({
  id: `m${seq}`,
  roomId: 'r',
  seq,
  userId: status === 'complete' ? 'u' : null,
  username: 'u',
  displayName: 'U',
  content: String(seq),
  timestamp: new Date().toISOString(),
  isAi: status !== 'complete',
  status,
  ...FRESH_MESSAGE_STATE,
});

describe('chat state', () => {
  it('should assemble live stream text contiguously from index 0, waiting at a gap', () => {
    expect(streamText({ base: '', chunks: { 0: 'a', 1: 'b', 3: 'd' }, from: 0 })).toBe('ab');
    expect(streamText({ base: '', chunks: { 1: 'b' }, from: 0 })).toBe('');
  });

  it('should continue a stream from a known later index, waiting at a gap there too', () => {
    expect(streamText({ base: 'Hello', chunks: { 3: ', ', 4: 'world', 6: '?' }, from: 3 })).toBe('Hello, world');
  });

  it('should continue a reply joined mid-way from the start\'s content and nextIndex, with no gap marker', () => {
    // Catching up (not joined yet): the start carries the text of deltas 0-2.
    let room = reduce.streamStart(emptyRoom('r'), { messageId: 'ai', roomId: 'r', seq: 1, replyTo: null, content: 'Hel', nextIndex: 3 }, 'AI');
    expect(room.messages[0]).toMatchObject({ id: 'ai', status: 'streaming', content: 'Hel', displayName: 'AI' });
    room = reduce.joined(room, { roomId: 'r', lastSeq: 1, changeSeq: 0, online: [] });
    // A late copy of a delta the content already holds changes nothing.
    room = reduce.streamDelta(room, { messageId: 'ai', roomId: 'r', index: 2, delta: 'l' });
    room = reduce.streamDelta(room, { messageId: 'ai', roomId: 'r', index: 4, delta: ' world' });
    expect(room.messages[0].content).toBe('Hel');
    room = reduce.streamDelta(room, { messageId: 'ai', roomId: 'r', index: 3, delta: 'lo,' });
    expect(room.messages[0].content).toBe('Hello, world');
  });

  it('should take over a stream it was following when a rejoin restarts it mid-way', () => {
    let room = reduce.joined(emptyRoom('r'), { roomId: 'r', lastSeq: 0, changeSeq: 0, online: [] });
    room = reduce.streamStart(room, { messageId: 'ai', roomId: 'r', seq: 1, replyTo: null, content: '', nextIndex: 0 }, 'AI');
    room = reduce.streamDelta(room, { messageId: 'ai', roomId: 'r', index: 0, delta: 'a' });
    room = reduce.streamDelta(room, { messageId: 'ai', roomId: 'r', index: 1, delta: 'b' });
    room = reduce.disconnected(room);
    // The connection dropped while deltas 2 and 3 went out; the rejoin's start carries them.
    room = reduce.streamStart(room, { messageId: 'ai', roomId: 'r', seq: 1, replyTo: null, content: 'abcd', nextIndex: 4 }, 'AI');
    room = reduce.streamDelta(room, { messageId: 'ai', roomId: 'r', index: 4, delta: 'e' });
    expect(room.messages.map((m) => m.content)).toEqual(['abcde']);
    expect(room.streams['ai']).toEqual({ base: 'abcd', chunks: { 4: 'e' }, from: 4 });
  });

  it('should show who came online by their display name', () => {
    const room = reduce.userJoined(emptyRoom('r'), { userId: 'u-b', username: 'bob', displayName: 'Bob Builder', roomId: 'r' });
    expect(room.online).toEqual([{ userId: 'u-b', username: 'bob', displayName: 'Bob Builder' }]);
  });

  it('should advance the synced seq only over messages without a gap', () => {
    let room = reduce.joined(emptyRoom('r'), { roomId: 'r', lastSeq: 2, changeSeq: 0, online: [] });
    room = reduce.messages(room, [msg(3), msg(5)]);
    expect(room.syncedSeq).toBe(3);
    room = reduce.messages(room, [msg(4)]);
    expect(room.syncedSeq).toBe(5);
    expect(room.latestSeq).toBe(5);
  });

  it('should resume from before the oldest reply still streaming', () => {
    let room = reduce.joined(emptyRoom('r'), { roomId: 'r', lastSeq: 2, changeSeq: 0, online: [] });
    room = reduce.messages(room, [msg(3, 'streaming'), msg(4)]);
    expect(resumeSeq(room)).toBe(2);
    expect(resumeSeq(emptyRoom('r'))).toBeUndefined();
    expect(resumeSeq({ ...emptyRoom('r'), history: 'loaded' })).toBe(0);
  });

  it('should never turn a finished reply back into a streaming one', () => {
    const done = { ...msg(3, 'streaming'), status: 'complete' as const, content: 'final' };
    let room = reduce.messages(emptyRoom('r'), [done]);
    room = reduce.streamStart(room, { messageId: 'm3', roomId: 'r', seq: 3, replyTo: null, content: '', nextIndex: 0 }, 'AI');
    room = reduce.messages(room, [{ ...done, status: 'streaming', content: '' }]);
    expect(room.messages).toEqual([done]);
  });
});
