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
});

describe('chat state', () => {
  it('should assemble live stream text contiguously from index 0, waiting at a gap', () => {
    expect(streamText({ base: '', chunks: { 0: 'a', 1: 'b', 3: 'd' }, from: 0 })).toBe('ab');
    expect(streamText({ base: '', chunks: { 1: 'b' }, from: 0 })).toBe('');
  });

  it('should mark what a mid-stream joiner missed instead of waiting for it', () => {
    expect(streamText({ base: '', chunks: { 4: 'e', 5: 'f', 7: 'h' }, from: null })).toBe('ef … h');
  });

  it('should advance the synced seq only over messages without a gap', () => {
    let room = reduce.joined(emptyRoom('r'), { roomId: 'r', lastSeq: 2, online: [] });
    room = reduce.messages(room, [msg(3), msg(5)]);
    expect(room.syncedSeq).toBe(3);
    room = reduce.messages(room, [msg(4)]);
    expect(room.syncedSeq).toBe(5);
    expect(room.latestSeq).toBe(5);
  });

  it('should resume from before the oldest reply still streaming', () => {
    let room = reduce.joined(emptyRoom('r'), { roomId: 'r', lastSeq: 2, online: [] });
    room = reduce.messages(room, [msg(3, 'streaming'), msg(4)]);
    expect(resumeSeq(room)).toBe(2);
    expect(resumeSeq(emptyRoom('r'))).toBeUndefined();
    expect(resumeSeq({ ...emptyRoom('r'), history: 'loaded' })).toBe(0);
  });

  it('should never turn a finished reply back into a streaming one', () => {
    const done = { ...msg(3, 'streaming'), status: 'complete' as const, content: 'final' };
    let room = reduce.messages(emptyRoom('r'), [done]);
    room = reduce.streamStart(room, { messageId: 'm3', roomId: 'r', seq: 3, replyTo: null, content: '' }, 'AI');
    room = reduce.messages(room, [{ ...done, status: 'streaming', content: '' }]);
    expect(room.messages).toEqual([done]);
  });
});
