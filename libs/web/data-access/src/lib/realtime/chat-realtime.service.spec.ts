import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { FRESH_MESSAGE_STATE } from '@chat/contract';
import type { ChatMessage, ErrorPayload, JoinedRoomPayload, MessagesPage } from '@chat/contract';
import { firstValueFrom } from 'rxjs';
import { FakeSocket } from '../../testing/fake-socket';
import { memoryStorage } from '../storage';
import { authInterceptor } from '../auth/auth.interceptor';
import { SessionStore } from '../auth/session.store';
import { CHAT_CONFIG, DEFAULT_CHAT_CONFIG } from '../config';
import { LOCAL_STORAGE, SESSION_STORAGE } from '../storage';
import { ChatRealtimeService, DisconnectedError } from './chat-realtime.service';
import { RoomState } from './chat-state';
import { SOCKET_FACTORY } from './socket';

const ME = { id: 'u-me', username: 'me', displayName: 'Me', role: 'staff' as const };

function message(roomId: string, seq: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id: `${roomId}-m${seq}`,
    roomId,
    seq,
    userId: 'u-alice',
    username: 'alice',
    displayName: 'Alice',
    content: `message ${seq}`,
    timestamp: new Date(2026, 0, 1, 12, 0, seq).toISOString(),
    isAi: false,
    status: 'complete',
    ...FRESH_MESSAGE_STATE,
    ...extra,
  };
}

function joined(roomId: string, lastSeq: number): JoinedRoomPayload {
  return { roomId, lastSeq, changeSeq: 0, online: [{ userId: ME.id, username: ME.username, displayName: ME.displayName }] };
}

describe(ChatRealtimeService.name, () => {
  let socket: FakeSocket;
  let sockets: FakeSocket[];
  let service: ChatRealtimeService;
  let http: HttpTestingController;

  beforeEach(() => {
    sockets = [];
    const session = { token: 'token-1', user: ME, expiresAt: Date.now() + 3_600_000 };
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        { provide: CHAT_CONFIG, useValue: { ...DEFAULT_CHAT_CONFIG, ackTimeoutMs: 1_000, historyPageSize: 50 } },
        { provide: SESSION_STORAGE, useValue: memoryStorage({ 'chat.session': JSON.stringify(session) }) },
        { provide: LOCAL_STORAGE, useValue: memoryStorage() },
        {
          provide: SOCKET_FACTORY,
          useValue: () => {
            const fake = new FakeSocket();
            sockets.push(fake);
            return fake.asSocket();
          },
        },
      ],
    });
    service = TestBed.inject(ChatRealtimeService);
    http = TestBed.inject(HttpTestingController);
    socket = sockets[0];
  });

  afterEach(() => http.verify());

  const room = (roomId: string): Promise<RoomState> => firstValueFrom(service.room$(roomId));

  function answerHistory(roomId: string, page: MessagesPage, before?: number): void {
    const request = http.expectOne((r) => r.url === `/api/rooms/${roomId}/messages` && r.params.get('before') === (before === undefined ? null : String(before)));
    expect(request.request.headers.get('Authorization')).toBe('Bearer token-1');
    request.flush(page);
  }

  /** Opens a room with an empty newest page and joins it, acknowledging with `lastSeq`. */
  function openAndJoin(roomId: string, lastSeq = 0): void {
    service.open(roomId);
    answerHistory(roomId, { messages: [], hasMore: false });
    const join = socket.sent('join_room').filter((e) => (e.payload as { roomId: string }).roomId === roomId).pop();
    expect(join).toBeDefined();
    join?.ack?.({ ok: true, ...joined(roomId, lastSeq) });
  }

  it('should open one socket for the session, with the token, and follow its connection state', async () => {
    expect(sockets).toHaveLength(1);
    expect(await firstValueFrom(service.connection$)).toBe('connecting');
    socket.open();
    expect(await firstValueFrom(service.connection$)).toBe('connected');
    socket.drop();
    expect(await firstValueFrom(service.connection$)).toBe('reconnecting');
  });

  it('should join an opened room once its newest history is in, from the seq that history reached', async () => {
    socket.open();
    service.open('general');
    expect(socket.sent('join_room')).toHaveLength(0);
    answerHistory('general', { messages: [message('general', 4), message('general', 5)], hasMore: true });

    const [join] = socket.sent('join_room');
    expect(join.payload).toEqual({ roomId: 'general', lastSeq: 5, lastChangeSeq: 0 });
    join.ack?.({ ok: true, ...joined('general', 5) });

    const state = await room('general');
    expect(state.joined).toBe(true);
    expect(state.hasMore).toBe(true);
    expect(state.messages.map((m) => m.seq)).toEqual([4, 5]);
  });

  it('should rejoin every followed room with its lastSeq after a reconnect, and take the missed messages once, in order', async () => {
    socket.open();
    openAndJoin('a', 10);
    service.follow(['b']);
    socket.sent('join_room').find((e) => (e.payload as { roomId: string }).roomId === 'b')?.ack?.({ ok: true, ...joined('b', 3) });
    socket.serverEmit('new_message', message('a', 11));
    socket.serverEmit('new_message', message('b', 4));

    socket.drop();
    expect((await room('a')).joined).toBe(false);
    socket.clearEmitted();
    socket.open();

    const payloads = socket.sent('join_room').map((e) => e.payload);
    expect(payloads).toEqual(expect.arrayContaining([{ roomId: 'a', lastSeq: 11, lastChangeSeq: 0 }, { roomId: 'b', lastSeq: 4, lastChangeSeq: 0 }]));
    expect(payloads).toHaveLength(2);

    // The catch-up: what was missed, with a repeat and out of order, then the join completes.
    socket.serverEmit('new_message', message('a', 13));
    socket.serverEmit('new_message', message('a', 12));
    socket.serverEmit('new_message', message('a', 11));
    socket.serverEmit('joined_room', joined('a', 13));
    socket.serverEmit('new_message', message('a', 13));

    const a = await room('a');
    expect(a.messages.map((m) => m.seq)).toEqual([11, 12, 13]);
    expect(new Set(a.messages.map((m) => m.id)).size).toBe(3);
    expect(a.syncedSeq).toBe(13);
  });

  it('should merge history pages and live messages without duplicates, ordered by seq', async () => {
    socket.open();
    openAndJoin('r', 0);
    socket.serverEmit('new_message', message('r', 52));
    socket.serverEmit('new_message', message('r', 51));
    service.loadOlder('r'); // nothing older is known to exist yet
    const state = await room('r');
    expect(state.messages.map((m) => m.seq)).toEqual([51, 52]);
  });

  it('should load older history with `before` the oldest seq it has', async () => {
    socket.open();
    service.open('r');
    answerHistory('r', { messages: [message('r', 51), message('r', 52)], hasMore: true });
    service.loadOlder('r');
    expect((await room('r')).loadingOlder).toBe(true);
    answerHistory('r', { messages: [message('r', 50), message('r', 51)], hasMore: false }, 51);
    const state = await room('r');
    expect(state.messages.map((m) => m.seq)).toEqual([50, 51, 52]);
    expect(state.hasMore).toBe(false);
    expect(state.loadingOlder).toBe(false);
  });

  it('should queue messages written while offline and send them, in order and with their clientMessageId, after the rejoin', async () => {
    socket.open();
    openAndJoin('r', 0);
    socket.drop();

    const first = service.send('r', 'written offline');
    const second = service.send('r', 'and another', { useAi: true });
    expect(socket.sent('send_message')).toHaveLength(0);
    expect((await room('r')).outgoing.map((o) => [o.content, o.status])).toEqual([
      ['written offline', 'queued'],
      ['and another', 'queued'],
    ]);

    socket.open();
    socket.sent('join_room').pop()?.ack?.({ ok: true, ...joined('r', 0) });

    // One at a time: the second waits for the first's acknowledgement.
    expect(socket.sent('send_message').map((e) => e.payload)).toEqual([{ roomId: 'r', content: 'written offline', clientMessageId: first }]);
    socket.sent('send_message')[0].ack?.({ ok: true, message: message('r', 1, { userId: ME.id, content: 'written offline', clientMessageId: first }) });
    expect(socket.sent('send_message').map((e) => e.payload)).toEqual([
      { roomId: 'r', content: 'written offline', clientMessageId: first },
      { roomId: 'r', content: 'and another', clientMessageId: second, useAi: true },
    ]);
    // message_sent may come before the acknowledgement: either confirms it, once.
    socket.serverEmit('message_sent', message('r', 2, { userId: ME.id, content: 'and another', clientMessageId: second }));
    socket.sent('send_message')[1].ack?.({ ok: true, message: message('r', 2, { userId: ME.id, content: 'and another', clientMessageId: second }) });

    const state = await room('r');
    expect(state.outgoing).toEqual([]);
    expect(state.messages.map((m) => m.content)).toEqual(['written offline', 'and another']);
  });

  it('should put a send lost with the connection back in the queue and resend it with the same clientMessageId', async () => {
    socket.open();
    openAndJoin('r', 0);
    const id = service.send('r', 'hello');
    expect((await room('r')).outgoing[0].status).toBe('sending');
    socket.drop();
    expect((await room('r')).outgoing[0].status).toBe('queued');

    socket.clearEmitted();
    socket.open();
    socket.sent('join_room').pop()?.ack?.({ ok: true, ...joined('r', 0) });
    expect(socket.sent('send_message').map((e) => (e.payload as { clientMessageId: string }).clientMessageId)).toEqual([id]);
  });

  it('should show a refused send as failed and retry it with the same clientMessageId', async () => {
    socket.open();
    openAndJoin('r', 0);
    const id = service.send('r', 'too fast');
    const refusal: ErrorPayload = { code: 'RATE_LIMITED', message: 'Too many messages', retryAfterMs: 4_000 };
    socket.sent('send_message')[0].ack?.({ ok: false, error: refusal });

    const failed = (await room('r')).outgoing[0];
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('4 s');

    service.retry('r', id);
    const resent = socket.sent('send_message');
    expect(resent).toHaveLength(2);
    expect((resent[1].payload as { clientMessageId: string }).clientMessageId).toBe(id);
  });

  it('should fail a send that gets no acknowledgement in time while still connected', async () => {
    vi.useFakeTimers();
    try {
      socket.open();
      openAndJoin('r', 0);
      service.send('r', 'into the void');
      vi.advanceTimersByTime(1_001);
      const o = (await room('r')).outgoing[0];
      expect(o.status).toBe('failed');
      expect(o.error).toBe('No answer from the server');
    } finally {
      vi.useRealTimers();
    }
  });

  it('should assemble an assistant reply from deltas in index order and end with the final message', async () => {
    socket.open();
    openAndJoin('r', 1);
    socket.serverEmit('ai_stream_start', { messageId: 'ai-1', roomId: 'r', seq: 2, replyTo: 'r-m1', content: '', nextIndex: 0 });
    expect((await room('r')).messages[0]).toMatchObject({ id: 'ai-1', isAi: true, status: 'streaming', content: '' });

    socket.serverEmit('ai_stream_delta', { messageId: 'ai-1', roomId: 'r', index: 0, delta: 'Hel' });
    socket.serverEmit('ai_stream_delta', { messageId: 'ai-1', roomId: 'r', index: 2, delta: ' world' });
    expect((await room('r')).messages[0].content).toBe('Hel');
    socket.serverEmit('ai_stream_delta', { messageId: 'ai-1', roomId: 'r', index: 1, delta: 'lo,' });
    socket.serverEmit('ai_stream_delta', { messageId: 'ai-1', roomId: 'r', index: 1, delta: 'lo,' });
    expect((await room('r')).messages[0].content).toBe('Hello, world');

    const final = message('r', 2, { id: 'ai-1', isAi: true, userId: null, username: 'assistant', displayName: 'AI Assistant', content: 'Hello, world!' });
    socket.serverEmit('ai_stream_end', { message: final });
    socket.serverEmit('new_message', final);
    // A late delta does not reopen a finished reply.
    socket.serverEmit('ai_stream_delta', { messageId: 'ai-1', roomId: 'r', index: 3, delta: '??' });

    const state = await room('r');
    expect(state.messages).toEqual([final]);
    expect(state.streams).toEqual({});
  });

  it('should name who asked on a streaming reply, so the asker gets its Stop button before the reply ends', async () => {
    socket.open();
    openAndJoin('r', 0);
    socket.serverEmit('message_sent', message('r', 1, { userId: ME.id, username: ME.username, displayName: ME.displayName, content: '@ai hi' }));
    socket.serverEmit('ai_stream_start', { messageId: 'ai-5', roomId: 'r', seq: 2, replyTo: 'r-m1', content: '', nextIndex: 0 });
    socket.serverEmit('ai_stream_start', { messageId: 'ai-6', roomId: 'r', seq: 3, replyTo: 'unknown', content: '', nextIndex: 0 });
    const [, reply, other] = (await room('r')).messages;
    expect(reply.metadata).toEqual({ replyTo: 'r-m1', requestedBy: ME.id });
    expect(other.metadata).toEqual({ replyTo: 'unknown' });
  });

  it('should keep deltas that overtake their stream start', async () => {
    socket.open();
    openAndJoin('r', 0);
    socket.serverEmit('ai_stream_delta', { messageId: 'ai-2', roomId: 'r', index: 0, delta: 'Early ' });
    socket.serverEmit('ai_stream_start', { messageId: 'ai-2', roomId: 'r', seq: 1, replyTo: null, content: '', nextIndex: 0 });
    socket.serverEmit('ai_stream_delta', { messageId: 'ai-2', roomId: 'r', index: 1, delta: 'bird' });
    expect((await room('r')).messages[0].content).toBe('Early bird');
  });

  it('should rejoin from before a reply still streaming, so its end is not lost with the connection', async () => {
    socket.open();
    openAndJoin('r', 6);
    socket.serverEmit('ai_stream_start', { messageId: 'ai-3', roomId: 'r', seq: 7, replyTo: null, content: '', nextIndex: 0 });
    socket.serverEmit('new_message', message('r', 8));
    socket.drop();
    socket.clearEmitted();
    socket.open();
    expect(socket.sent('join_room')[0].payload).toEqual({ roomId: 'r', lastSeq: 6, lastChangeSeq: 0 });
  });

  it('should continue a reply it joins mid-way from the text so far, without a gap', async () => {
    socket.open();
    service.open('r');
    answerHistory('r', { messages: [message('r', 1)], hasMore: false });
    const [join] = socket.sent('join_room');
    // The catch-up before the join's answer: the reply so far, and the index of the next delta.
    socket.serverEmit('ai_stream_start', { messageId: 'ai-4', roomId: 'r', seq: 2, replyTo: 'r-m1', content: 'Half way', nextIndex: 5 });
    join.ack?.({ ok: true, ...joined('r', 2) });
    socket.serverEmit('ai_stream_delta', { messageId: 'ai-4', roomId: 'r', index: 5, delta: ' there' });
    socket.serverEmit('ai_stream_delta', { messageId: 'ai-4', roomId: 'r', index: 6, delta: '.' });
    const reply = (await room('r')).messages.find((m) => m.id === 'ai-4');
    expect(reply).toMatchObject({ status: 'streaming', content: 'Half way there.' });
  });

  it('should send ai_cancel for the Stop button', () => {
    socket.open();
    service.cancelAi('ai-9');
    expect(socket.sent('ai_cancel').map((e) => e.payload)).toEqual([{ messageId: 'ai-9' }]);
  });

  it('should track who is typing and who is online in a room', async () => {
    socket.open();
    openAndJoin('r', 0);
    socket.serverEmit('user_joined', { userId: 'u-alice', username: 'alice', displayName: 'Alice', roomId: 'r' });
    socket.serverEmit('user_typing', { userId: 'u-alice', username: 'alice', displayName: 'Alice', roomId: 'r' });
    socket.serverEmit('user_typing', { userId: 'u-alice', username: 'alice', displayName: 'Alice', roomId: 'r' });
    expect((await room('r')).typing.map((u) => [u.username, u.displayName])).toEqual([['alice', 'Alice']]);
    expect((await room('r')).online).toEqual([
      { userId: ME.id, username: ME.username, displayName: ME.displayName },
      { userId: 'u-alice', username: 'alice', displayName: 'Alice' },
    ]);

    socket.serverEmit('user_stop_typing', { userId: 'u-alice', username: 'alice', displayName: 'Alice', roomId: 'r' });
    expect((await room('r')).typing).toEqual([]);
    socket.serverEmit('user_left', { userId: 'u-alice', username: 'alice', displayName: 'Alice', roomId: 'r' });
    expect((await room('r')).online.map((u) => u.userId)).toEqual([ME.id]);
  });

  it('should drop a typing indicator whose stop never came', async () => {
    vi.useFakeTimers();
    try {
      socket.open();
      openAndJoin('r', 0);
      socket.serverEmit('user_typing', { userId: 'u-bob', username: 'bob', displayName: 'Bob', roomId: 'r' });
      vi.advanceTimersByTime(8_001);
      expect((await room('r')).typing).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('should announce typing once, refresh it while it lasts, and stop it when idle', () => {
    vi.useFakeTimers();
    try {
      socket.open();
      openAndJoin('r', 0);
      service.typing('r', true);
      service.typing('r', true);
      expect(socket.sent('typing_start')).toHaveLength(1);
      vi.advanceTimersByTime(2_000);
      service.typing('r', true);
      vi.advanceTimersByTime(2_500);
      service.typing('r', true);
      expect(socket.sent('typing_start')).toHaveLength(2);
      vi.advanceTimersByTime(3_001);
      expect(socket.sent('typing_stop').map((e) => e.payload)).toEqual([{ roomId: 'r' }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('should end the session when the handshake refuses the token', async () => {
    const router = TestBed.inject(Router);
    const navigate = vi.spyOn(router, 'navigate').mockResolvedValue(true);
    const session = TestBed.inject(SessionStore);
    socket.refuse(Object.assign(new Error('jwt expired'), { data: { code: 'UNAUTHORIZED', message: 'jwt expired' } }));
    expect(session.token).toBeNull();
    expect(session.notice()).toMatch(/sign in again/i);
    expect(navigate).toHaveBeenCalledWith(['/login'], expect.anything());
    expect(socket.active).toBe(false);
    expect(socket.listenerCount('new_message')).toBe(0);
    expect(await firstValueFrom(service.connection$)).toBe('offline');
  });

  it('should end the session on an UNAUTHORIZED error event (revoked account)', () => {
    vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    const session = TestBed.inject(SessionStore);
    socket.open();
    socket.serverEmit('error', { code: 'UNAUTHORIZED', message: 'Session ended: account disabled' });
    expect(session.token).toBeNull();
    expect(session.notice()).toContain('account disabled');
  });

  it('should tell the user about assistant failures', async () => {
    const notices: string[] = [];
    const subscription = service.notices$.subscribe((n) => notices.push(n.code));
    socket.open();
    socket.serverEmit('error', { code: 'AI_BUSY', message: 'busy', event: 'send_message' });
    socket.serverEmit('error', { code: 'FORBIDDEN', message: 'join first', event: 'typing_start' });
    subscription.unsubscribe();
    expect(notices).toEqual(['AI_BUSY']);
  });

  it('should show a room it cannot join as an error and stop following it', async () => {
    socket.open();
    service.open('secret');
    answerHistory('secret', { messages: [], hasMore: false });
    socket.sent('join_room')[0].ack?.({ ok: false, error: { code: 'FORBIDDEN', message: 'Private room' } });
    const state = await room('secret');
    expect(state.error?.code).toBe('FORBIDDEN');
    expect(state.followed).toBe(false);
  });

  it('should replace a message by id on message_updated and rejoin with the newest change seq it has', async () => {
    socket.open();
    openAndJoin('r', 2);
    socket.serverEmit('new_message', message('r', 1));
    socket.serverEmit('new_message', message('r', 2));
    socket.serverEmit('message_updated', { message: message('r', 1, { content: 'fixed', editedAt: '2026-01-01T12:01:00.000Z', changeSeq: 4 }), changeSeq: 4 });
    // A change to a message this tab never loaded (older than its history) is not added.
    socket.serverEmit('message_updated', { message: message('r', -5, { deletedAt: '2026-01-01T12:01:00.000Z', content: '', changeSeq: 5 }), changeSeq: 5 });
    // A stale copy (a catch-up read before the edit) does not undo it.
    socket.serverEmit('new_message', message('r', 1));
    const state = await room('r');
    expect(state.messages.map((m) => [m.seq, m.content])).toEqual([
      [1, 'fixed'],
      [2, 'message 2'],
    ]);
    expect(state.syncedChangeSeq).toBe(5);

    socket.drop();
    socket.clearEmitted();
    socket.open();
    expect(socket.sent('join_room')[0].payload).toEqual({ roomId: 'r', lastSeq: 2, lastChangeSeq: 5 });
  });

  it('should first join an opened room with the newest change seq of its history', () => {
    socket.open();
    service.open('r');
    answerHistory('r', { messages: [message('r', 1, { changeSeq: 7 }), message('r', 2, { changeSeq: 3 })], hasMore: false });
    expect(socket.sent('join_room')[0].payload).toEqual({ roomId: 'r', lastSeq: 2, lastChangeSeq: 7 });
  });

  it('should send edits, deletes and reactions and apply the acknowledged message at once', async () => {
    socket.open();
    openAndJoin('r', 1);
    socket.serverEmit('new_message', message('r', 1));
    const results: string[] = [];
    service.editMessage('r-m1', 'new text').subscribe((p) => results.push(p.message.content));
    const ignore = { error: (): void => undefined };
    service.react('r-m1', '👍', true).subscribe(ignore);
    service.react('r-m1', '👍', false).subscribe(ignore);
    service.deleteMessage('r-m1').subscribe({ error: (e: Error) => results.push(`error: ${e.message}`) });
    expect(socket.sent('edit_message').map((e) => e.payload)).toEqual([{ messageId: 'r-m1', content: 'new text' }]);
    expect(socket.sent('add_reaction').map((e) => e.payload)).toEqual([{ messageId: 'r-m1', emoji: '👍' }]);
    expect(socket.sent('remove_reaction').map((e) => e.payload)).toEqual([{ messageId: 'r-m1', emoji: '👍' }]);
    socket.sent('edit_message')[0].ack?.({ ok: true, message: message('r', 1, { content: 'new text', changeSeq: 1 }), changeSeq: 1 });
    socket.sent('delete_message')[0].ack?.({ ok: false, error: { code: 'FORBIDDEN', message: 'Not yours' } });
    expect(results).toEqual(['new text', 'error: Not yours']);
    expect((await room('r')).messages[0].content).toBe('new text');
  });

  it('should refuse a change at once while offline', () => {
    let failed: unknown;
    service.editMessage('m', 'x').subscribe({ error: (e: unknown) => (failed = e) });
    expect(failed).toBeInstanceOf(DisconnectedError);
  });

  it('should keep thread replies out of the main timeline and send them with their threadId', async () => {
    socket.open();
    openAndJoin('r', 0);
    socket.serverEmit('new_message', message('r', 1));
    socket.serverEmit('new_message', message('r', 2, { threadId: 'r-m1' }));
    service.send('r', 'in the thread', { threadId: 'r-m1' });
    expect(socket.sent('send_message').map((e) => e.payload)).toEqual([
      expect.objectContaining({ roomId: 'r', content: 'in the thread', threadId: 'r-m1' }),
    ]);
    const main = await firstValueFrom(service.timeline$('r'));
    const thread = await firstValueFrom(service.thread$('r', 'r-m1'));
    expect(main.map((e) => e.key)).toEqual(['r-m1']);
    expect(thread.map((e) => (e.kind === 'message' ? e.message.seq : e.outgoing.content))).toEqual([2, 'in the thread']);
  });

  it('should pass read positions and mentions on', () => {
    const seen: string[] = [];
    service.readUpdated$.subscribe((p) => seen.push(`read ${p.roomId} ${p.lastReadSeq}`));
    service.mentioned$.subscribe((p) => seen.push(`mentioned ${p.message.id}`));
    socket.open();
    socket.serverEmit('read_updated', { roomId: 'r', lastReadSeq: 4, unreadCount: 0, mentionCount: 0 });
    socket.serverEmit('mentioned', { message: message('x', 3) });
    service.markRead('r', 5).subscribe();
    socket.sent('mark_read')[0].ack?.({ ok: true, roomId: 'r', lastReadSeq: 5, unreadCount: 0, mentionCount: 0 });
    expect(seen).toEqual(['read r 4', 'mentioned x-m3', 'read r 5']);
  });
});
