import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { RoomMemberView } from '@chat/contract';
import { FakeSocket } from '../../testing/fake-socket';
import { memoryStorage } from '../storage';
import { ChatRealtimeService } from '../realtime/chat-realtime.service';
import { SOCKET_FACTORY } from '../realtime/socket';
import { SESSION_STORAGE } from '../storage';
import { MembersLoad, RoomMembersStore } from './room-members.store';

const member = (userId: string): RoomMemberView => ({ userId, username: userId, displayName: userId.toUpperCase(), role: 'member', joinedAt: '2026-01-01T00:00:00.000Z', online: false });

describe(RoomMembersStore.name, () => {
  it('should load the members once for all viewers, and again when someone the list lacks comes online', () => {
    const socket = new FakeSocket();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: SESSION_STORAGE, useValue: memoryStorage({ 'chat.session': JSON.stringify({ token: 't', user: { id: 'me', username: 'me', displayName: 'Me', role: 'staff' }, expiresAt: Date.now() + 60_000 }) }) },
        { provide: SOCKET_FACTORY, useValue: () => socket.asSocket() },
      ],
    });
    const store = TestBed.inject(RoomMembersStore);
    const http = TestBed.inject(HttpTestingController);
    TestBed.inject(ChatRealtimeService);
    socket.open();

    const seen: MembersLoad[] = [];
    const a = store.members$('r').subscribe((m) => seen.push(m));
    const b = store.members$('r').subscribe();
    http.expectOne('/api/rooms/r/members').flush([member('me')]);

    socket.serverEmit('user_joined', { userId: 'me', username: 'me', displayName: 'Me', roomId: 'r' });
    http.expectNone('/api/rooms/r/members');
    socket.serverEmit('user_joined', { userId: 'newbie', username: 'newbie', displayName: 'Newbie', roomId: 'r' });
    http.expectOne('/api/rooms/r/members').flush([member('me'), member('newbie')]);
    socket.serverEmit('user_left', { userId: 'newbie', username: 'newbie', displayName: 'Newbie', roomId: 'r' });
    socket.serverEmit('user_joined', { userId: 'newbie', username: 'newbie', displayName: 'Newbie', roomId: 'r' });
    http.expectNone('/api/rooms/r/members');

    expect(seen.map((s) => s.members?.map((m) => m.userId))).toEqual([['me'], ['me', 'newbie']]);
    a.unsubscribe();
    b.unsubscribe();
    http.verify();
  });
});
