import { inject, Injectable } from '@angular/core';
import type { CreateRoomRequest, RoomView } from '@chat/contract';
import {
  BehaviorSubject,
  catchError,
  combineLatest,
  distinctUntilChanged,
  EMPTY,
  filter,
  map,
  merge,
  Observable,
  of,
  pairwise,
  shareReplay,
  startWith,
  Subject,
  switchMap,
  tap,
  timer,
} from 'rxjs';
import { RoomsApi } from '../api/rooms.api';
import { SessionStore } from '../auth/session.store';
import { CHAT_CONFIG } from '../config';
import { ChatRealtimeService } from '../realtime/chat-realtime.service';
import { LOCAL_STORAGE, readJson, writeJson } from '../storage';

export interface RoomListItem {
  room: RoomView;
  unread: number;
}

type ReadPositions = Record<string, number>;

/**
 * The rooms the user can see, with unread counts: the newest seq known (from the list, and live
 * for followed rooms) minus the seq last read in this browser. Rooms the user belongs to are
 * followed live; the list itself refreshes periodically and after every reconnect.
 */
@Injectable({ providedIn: 'root' })
export class RoomsStore {
  private readonly api = inject(RoomsApi);
  private readonly realtime = inject(ChatRealtimeService);
  private readonly session = inject(SessionStore);
  private readonly storage = inject(LOCAL_STORAGE);
  private readonly config = inject(CHAT_CONFIG);

  private readonly refreshes = new Subject<void>();
  private readonly read = new BehaviorSubject<ReadPositions>({});

  readonly rooms$: Observable<RoomView[]> = this.session.session$.pipe(
    map((s) => s?.user.id ?? null),
    distinctUntilChanged(),
    tap((userId) => this.read.next(userId ? (readJson<ReadPositions>(this.storage, this.readKey(userId)) ?? {}) : {})),
    switchMap((userId) => (userId ? this.poll$() : of([]))),
    tap((rooms) => this.noticeRooms(rooms)),
    shareReplay({ bufferSize: 1, refCount: true }),
  );

  readonly items$: Observable<RoomListItem[]> = combineLatest([this.rooms$, this.realtime.latestSeqs$, this.read]).pipe(
    map(([rooms, live, read]) =>
      rooms.map((room) => ({ room, unread: Math.max(0, Math.max(room.lastSeq, live[room.id] ?? 0) - (read[room.id] ?? room.lastSeq)) })),
    ),
  );

  refresh(): void {
    this.refreshes.next();
  }

  create(request: CreateRoomRequest): Observable<RoomView> {
    return this.api.create(request).pipe(tap(() => this.refresh()));
  }

  /** Everything up to `seq` in the room has been seen. */
  markRead(roomId: string, seq: number): void {
    const read = this.read.value;
    if ((read[roomId] ?? -1) >= seq) return;
    this.saveRead({ ...read, [roomId]: seq });
  }

  private poll$(): Observable<RoomView[]> {
    const reconnected$ = this.realtime.connection$.pipe(
      startWith(null),
      pairwise(),
      filter(([before, now]) => now === 'connected' && before !== null && before !== 'connecting'),
    );
    return merge(timer(0, this.config.roomsRefreshMs), this.refreshes, reconnected$).pipe(
      // A newer refresh supersedes one still in flight.
      switchMap(() => this.api.list().pipe(catchError(() => EMPTY))),
    );
  }

  /** Rooms seen for the first time count as read up to now; member rooms are followed live. */
  private noticeRooms(rooms: RoomView[]): void {
    const read = this.read.value;
    const unseen = rooms.filter((r) => read[r.id] === undefined);
    if (unseen.length) this.saveRead({ ...read, ...Object.fromEntries(unseen.map((r) => [r.id, r.lastSeq])) });
    this.realtime.follow(rooms.filter((r) => r.myRole !== null).map((r) => r.id));
  }

  private saveRead(read: ReadPositions): void {
    this.read.next(read);
    const userId = this.session.user()?.id;
    if (userId) writeJson(this.storage, this.readKey(userId), read);
  }

  private readKey(userId: string): string {
    return `chat.read.${userId}`;
  }
}
