import { inject, Injectable } from '@angular/core';
import type { CreateRoomRequest, ReadUpdatedPayload, RoomView } from '@chat/contract';
import {
  BehaviorSubject,
  catchError,
  combineLatest,
  distinctUntilChanged,
  EMPTY,
  filter,
  ignoreElements,
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

export interface RoomListItem {
  room: RoomView;
  unread: number;
  /** Unread messages that @-mention the user. */
  mentions: number;
}

/** The server's read position of the user in one room, as of the room's seq `asOfSeq`. */
export interface ReadPosition {
  lastReadSeq: number;
  unreadCount: number;
  mentionCount: number;
  asOfSeq: number;
  /** Seqs of mentions of the user that arrived live after `asOfSeq`. */
  liveMentions: readonly number[];
}

type ReadPositions = Readonly<Record<string, ReadPosition>>;

/**
 * The rooms the user can see, with unread and mention counts. The read position is the server's
 * (GET /api/rooms, `read_updated` from the user's other tabs), so it survives a reload and is the
 * same in every tab; messages and mentions that arrive live add to it until the next position.
 * Rooms the user belongs to are followed live; the list refreshes periodically and after every reconnect.
 */
@Injectable({ providedIn: 'root' })
export class RoomsStore {
  private readonly api = inject(RoomsApi);
  private readonly realtime = inject(ChatRealtimeService);
  private readonly session = inject(SessionStore);
  private readonly config = inject(CHAT_CONFIG);

  private readonly refreshes = new Subject<void>();
  private readonly read = new BehaviorSubject<ReadPositions | null>(null);
  /** Reads asked for before the list told us where the server's position is: sent once it has. */
  private readonly heldReads = new Map<string, number>();
  /** Each room's newest seq as the last list said. */
  private readonly listSeqs = new Map<string, number>();

  readonly rooms$: Observable<RoomView[]> = this.session.session$.pipe(
    map((s) => s?.user.id ?? null),
    distinctUntilChanged(),
    tap(() => {
      this.read.next(null);
      this.heldReads.clear();
    }),
    switchMap((userId) => (userId ? merge(this.poll$(), this.liveReads$()) : of([]))),
    shareReplay({ bufferSize: 1, refCount: true }),
  );

  readonly items$: Observable<RoomListItem[]> = combineLatest([this.rooms$, this.realtime.latestSeqs$, this.read]).pipe(
    map(([rooms, live, read]) =>
      rooms.map((room) => {
        const position = read?.[room.id];
        if (!position) return { room, unread: 0, mentions: 0 };
        const arrived = Math.max(0, Math.max(room.lastSeq, live[room.id] ?? 0) - position.asOfSeq);
        return { room, unread: position.unreadCount + arrived, mentions: position.mentionCount + position.liveMentions.length };
      }),
    ),
  );

  refresh(): void {
    this.refreshes.next();
  }

  create(request: CreateRoomRequest): Observable<RoomView> {
    return this.api.create(request).pipe(tap(() => this.refresh()));
  }

  /** The user's read position in the room, once the server's is known (for the "new messages" divider). */
  readPosition$(roomId: string): Observable<number> {
    return this.read.pipe(
      filter((read): read is ReadPositions => read !== null),
      map((read) => read[roomId]?.lastReadSeq ?? 0),
    );
  }

  /** Everything up to `seq` in the room has been seen: the server keeps it (never backwards). */
  markRead(roomId: string, seq: number): void {
    const read = this.read.value;
    if (read === null) {
      this.heldReads.set(roomId, Math.max(seq, this.heldReads.get(roomId) ?? 0));
      return;
    }
    const position = read[roomId];
    if (!position || position.lastReadSeq >= seq) return;
    // Shown at once; the server's answer (and read_updated in other tabs) follows.
    this.setRead(roomId, { lastReadSeq: seq, unreadCount: 0, mentionCount: 0, asOfSeq: seq, liveMentions: position.liveMentions.filter((s) => s > seq) });
    this.realtime
      .markRead(roomId, seq)
      .pipe(catchError(() => this.api.markRead(roomId, seq).pipe(catchError(() => EMPTY))))
      .subscribe((payload) => this.applyRead(payload));
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
      tap((rooms) => this.noticeRooms(rooms)),
    );
  }

  /** read_updated and mentions change counts, never the list itself. */
  private liveReads$(): Observable<never> {
    return merge(
      this.realtime.readUpdated$.pipe(tap((payload) => this.applyRead(payload))),
      this.realtime.mentioned$.pipe(
        tap(({ message }) => {
          const position = this.read.value?.[message.roomId];
          if (!position || message.seq <= position.asOfSeq || message.seq <= position.lastReadSeq || position.liveMentions.includes(message.seq)) return;
          this.setRead(message.roomId, { ...position, liveMentions: [...position.liveMentions, message.seq] });
        }),
      ),
    ).pipe(ignoreElements());
  }

  /** The server's positions replace ours; member rooms are followed live; held reads go out. */
  private noticeRooms(rooms: RoomView[]): void {
    const previous = this.read.value ?? {};
    const next: Record<string, ReadPosition> = {};
    for (const room of rooms) {
      this.listSeqs.set(room.id, room.lastSeq);
      const known = previous[room.id];
      // A position this tab moved further than the list (read meanwhile) stays.
      if (known && known.lastReadSeq > (room.lastReadSeq ?? 0)) next[room.id] = known;
      else
        next[room.id] = {
          lastReadSeq: room.lastReadSeq ?? 0,
          unreadCount: room.unreadCount ?? 0,
          mentionCount: room.mentionCount ?? 0,
          asOfSeq: room.lastSeq,
          liveMentions: (known?.liveMentions ?? []).filter((s) => s > room.lastSeq),
        };
    }
    this.read.next(next);
    this.realtime.follow(rooms.filter((r) => r.myRole !== null).map((r) => r.id));
    const held = [...this.heldReads];
    this.heldReads.clear();
    for (const [roomId, seq] of held) this.markRead(roomId, seq);
  }

  private applyRead(payload: ReadUpdatedPayload): void {
    const position = this.read.value?.[payload.roomId];
    if (!position || payload.lastReadSeq < position.lastReadSeq) return;
    // The server counted up to the newest message it had, which is about the newest this tab knows.
    const asOfSeq = Math.max(payload.lastReadSeq, position.asOfSeq, this.listSeqs.get(payload.roomId) ?? 0, this.realtime.latestSeq(payload.roomId));
    this.setRead(payload.roomId, {
      lastReadSeq: payload.lastReadSeq,
      unreadCount: payload.unreadCount,
      mentionCount: payload.mentionCount,
      asOfSeq,
      liveMentions: position.liveMentions.filter((s) => s > asOfSeq),
    });
  }

  private setRead(roomId: string, position: ReadPosition): void {
    this.read.next({ ...(this.read.value ?? {}), [roomId]: position });
  }
}
