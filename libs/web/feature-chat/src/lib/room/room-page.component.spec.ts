import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { RoomMemberView, RoomView } from '@chat/contract';
import { ChatRealtimeService, emptyRoom, RoomsApi, RoomsStore, RoomState, SessionStore } from '@chat/web-data-access';
import { BehaviorSubject, map, of } from 'rxjs';
import { RoomPageComponent } from './room-page.component';

const room: RoomView = {
  id: 'general',
  name: 'General',
  description: 'Everyone',
  visibility: 'public',
  createdBy: null,
  aiEnabled: true,
  systemPrompt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  myRole: 'member',
  lastSeq: 0,
  lastChangeSeq: 0,
  lastReadSeq: 0,
  unreadCount: 0,
  mentionCount: 0,
};

const members: RoomMemberView[] = [
  { userId: 'u-me', username: 'me', displayName: 'Me', role: 'member', joinedAt: room.createdAt, online: true },
  { userId: 'u-alice', username: 'alice', displayName: 'Alice Liddell', role: 'owner', joinedAt: room.createdAt, online: false },
];

describe(RoomPageComponent.name, () => {
  let state: BehaviorSubject<RoomState>;
  let realtime: { open: ReturnType<typeof vi.fn>; send: ReturnType<typeof vi.fn>; typing: ReturnType<typeof vi.fn> };

  beforeEach(() => {
    state = new BehaviorSubject<RoomState>({ ...emptyRoom('general'), joined: true, history: 'loaded' });
    realtime = { open: vi.fn(), send: vi.fn(), typing: vi.fn() };
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        {
          provide: ChatRealtimeService,
          useValue: {
            ...realtime,
            room$: () => state,
            timeline$: () => of([]),
            presence$: () => state.pipe(map((s) => s.online)),
            loadOlder: vi.fn(),
            retry: vi.fn(),
            discard: vi.fn(),
            cancelAi: vi.fn(),
          },
        },
        { provide: RoomsStore, useValue: { rooms$: of([room]), markRead: vi.fn(), readPosition$: () => of(0) } },
        { provide: RoomsApi, useValue: { members: () => of(members), list: () => of([room]) } },
        { provide: SessionStore, useValue: { user: signal({ id: 'u-me', username: 'me', displayName: 'Me', role: 'staff' }), isAdmin: signal(false) } },
      ],
    });
  });

  async function render() {
    const fixture = TestBed.createComponent(RoomPageComponent);
    fixture.componentRef.setInput('roomId', 'general');
    await fixture.whenStable();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  it('should open the room from its URL and show its name', async () => {
    const { el } = await render();
    expect(realtime.open).toHaveBeenCalledWith('general');
    expect(el.querySelector('h2')?.textContent).toContain('General');
  });

  it('should send what the composer submits, with Ask AI', async () => {
    const { fixture, el } = await render();
    const field = el.querySelector('[data-testid=composer-input]') as HTMLTextAreaElement;
    (el.querySelector('[data-testid=ask-ai-toggle]') as HTMLButtonElement).click();
    field.value = 'Summarise the week';
    field.dispatchEvent(new Event('input'));
    await fixture.whenStable();
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', cancelable: true }));
    expect(realtime.send).toHaveBeenCalledWith('general', 'Summarise the week', { useAi: true });
    expect(realtime.typing).toHaveBeenCalledWith('general', true);
  });

  it('should name typists by the display name their typing event carries and mark members online from live presence', async () => {
    const { fixture, el } = await render();
    state.next({
      ...state.value,
      online: [
        { userId: 'u-me', username: 'me', displayName: 'Me' },
        { userId: 'u-alice', username: 'alice', displayName: 'Alice Liddell' },
      ],
      // Renamed since the member list was loaded: the event's name is the current one.
      typing: [{ userId: 'u-alice', username: 'alice', displayName: 'Alice L.', roomId: 'general' }],
    });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=typing-indicator]')?.textContent?.trim()).toBe('Alice L. is typing…');
    const online = [...el.querySelectorAll('[data-testid=member-item]')].map((m) => [m.getAttribute('data-user-id'), m.getAttribute('data-online')]);
    expect(online).toEqual([
      ['u-alice', 'true'],
      ['u-me', 'true'],
    ]);
  });

  it('should explain a room that cannot be shown', async () => {
    state.next({ ...emptyRoom('general'), error: { code: 'ROOM_NOT_FOUND', message: 'Room "general" not found' } });
    const { el } = await render();
    expect(el.querySelector('[data-testid=room-error]')?.textContent).toContain('does not exist');
    expect(el.querySelector('[data-testid=composer-input]')).toBeNull();
  });
});
