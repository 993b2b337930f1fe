import { HttpErrorResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { FRESH_MESSAGE_STATE } from '@chat/contract';
import type { ChatMessage, RoomView } from '@chat/contract';
import { FakeSocket } from '../../testing/fake-socket';
import { memoryStorage } from '../storage';
import { RoomsApi } from '../api/rooms.api';
import { authInterceptor } from '../auth/auth.interceptor';
import { SessionStore } from '../auth/session.store';
import { SOCKET_FACTORY } from '../realtime/socket';
import { LOCAL_STORAGE, SESSION_STORAGE } from '../storage';
import { RoomListItem, RoomsStore } from './rooms.store';

const ME = { id: 'u-me', username: 'me', displayName: 'Me', role: 'staff' as const };

function room(id: string, lastSeq: number, myRole: RoomView['myRole']): RoomView {
  return {
    id,
    name: id.toUpperCase(),
    description: null,
    visibility: 'public',
    createdBy: null,
    aiEnabled: true,
    systemPrompt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    myRole,
    lastSeq,
    lastChangeSeq: 0,
    lastReadSeq: 0,
    unreadCount: 0,
    mentionCount: 0,
  };
}

function message(roomId: string, seq: number): ChatMessage {
  return { id: `${roomId}${seq}`, roomId, seq, userId: 'u-x', username: 'x', displayName: 'X', content: 'hi', timestamp: new Date().toISOString(), isAi: false, status: 'complete', ...FRESH_MESSAGE_STATE };
}

describe(RoomsStore.name, () => {
  let socket: FakeSocket;
  let http: HttpTestingController;
  let local: Storage;

  beforeEach(() => {
    socket = new FakeSocket();
    local = memoryStorage();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        { provide: SESSION_STORAGE, useValue: memoryStorage({ 'chat.session': JSON.stringify({ token: 't', user: ME, expiresAt: Date.now() + 60_000 }) }) },
        { provide: LOCAL_STORAGE, useValue: local },
        { provide: SOCKET_FACTORY, useValue: () => socket.asSocket() },
      ],
    });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('should count unread messages and mentions from the server\'s read position plus live ones, and follow member rooms', async () => {
    const store = TestBed.inject(RoomsStore);
    socket.open();
    let items: RoomListItem[] = [];
    const subscription = store.items$.subscribe((value) => (items = value));
    // The first load is on a timer(0).
    await new Promise((resolve) => setTimeout(resolve, 0));
    // A read before the list came is held until the server's position is known.
    store.markRead('a', 4);
    expect(socket.sent('mark_read')).toHaveLength(0);
    http.expectOne('/api/rooms').flush([
      { ...room('a', 5, 'member'), lastReadSeq: 3, unreadCount: 2, mentionCount: 1 },
      { ...room('b', 9, null), lastReadSeq: 0, unreadCount: 0 },
    ]);
    const [held] = socket.sent('mark_read');
    expect(held.payload).toEqual({ roomId: 'a', seq: 4 });
    held.ack?.({ ok: true, roomId: 'a', lastReadSeq: 4, unreadCount: 1, mentionCount: 0 });
    expect(items.map((i) => [i.room.id, i.unread, i.mentions])).toEqual([
      ['a', 1, 0],
      ['b', 0, 0],
    ]);
    const joins = socket.sent('join_room');
    expect(joins.map((j) => j.payload)).toEqual([{ roomId: 'a' }]);
    joins[0].ack?.({ ok: true, roomId: 'a', lastSeq: 5, changeSeq: 0, online: [] });

    socket.serverEmit('new_message', message('a', 6));
    socket.serverEmit('mentioned', { message: { ...message('a', 6), mentions: [ME.id] } });
    expect(items.find((i) => i.room.id === 'a')).toMatchObject({ unread: 2, mentions: 1 });

    // Another tab of the user read everything.
    socket.serverEmit('read_updated', { roomId: 'a', lastReadSeq: 6, unreadCount: 0, mentionCount: 0 });
    expect(items.find((i) => i.room.id === 'a')).toMatchObject({ unread: 0, mentions: 0 });
    // Never backwards: an older position is ignored, and reading up to an older seq sends nothing.
    socket.serverEmit('read_updated', { roomId: 'a', lastReadSeq: 2, unreadCount: 4, mentionCount: 0 });
    store.markRead('a', 5);
    expect(items.find((i) => i.room.id === 'a')?.unread).toBe(0);
    expect(socket.sent('mark_read')).toHaveLength(1);
    subscription.unsubscribe();
  });

  it('should end the session when the API answers 401', () => {
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    const session = TestBed.inject(SessionStore);
    let failed: unknown;
    TestBed.inject(RoomsApi)
      .list()
      .subscribe({ error: (e: unknown) => (failed = e) });
    http.expectOne('/api/rooms').flush({ statusCode: 401, code: 'UNAUTHORIZED', message: 'Token expired' }, { status: 401, statusText: 'Unauthorized' });
    expect(failed).toBeInstanceOf(HttpErrorResponse);
    expect(session.token).toBeNull();
    expect(session.notice()).toMatch(/sign in again/i);
    expect(navigate).toHaveBeenCalledWith(['/login'], expect.anything());
  });
});
