import { inject, Injectable } from '@angular/core';
import type { RoomMemberView } from '@chat/contract';
import { catchError, defer, exhaustMap, filter, finalize, map, merge, Observable, of, shareReplay, tap } from 'rxjs';
import { describeApiError } from '../api/http-error';
import { RoomsApi } from '../api/rooms.api';
import { ChatRealtimeService } from '../realtime/chat-realtime.service';

export type MembersLoad = { members: RoomMemberView[]; error: null } | { members: null; error: string };

/**
 * A room's members from REST, shared by everyone who shows them. Someone online in the room whom
 * the list lacks (a newcomer to a public room) reloads it, once per newcomer.
 */
@Injectable({ providedIn: 'root' })
export class RoomMembersStore {
  private readonly api = inject(RoomsApi);
  private readonly realtime = inject(ChatRealtimeService);
  private readonly rooms = new Map<string, Observable<MembersLoad>>();

  members$(roomId: string): Observable<MembersLoad> {
    let members$ = this.rooms.get(roomId);
    if (!members$) {
      members$ = this.load$(roomId).pipe(
        finalize(() => this.rooms.delete(roomId)),
        shareReplay({ bufferSize: 1, refCount: true }),
      );
      this.rooms.set(roomId, members$);
    }
    return members$;
  }

  private load$(roomId: string): Observable<MembersLoad> {
    return defer(() => {
      let known: Set<string> | null = null;
      const newcomers$ = this.realtime.presence$(roomId).pipe(
        filter((online) => online.some((u) => known !== null && !known.has(u.userId))),
        // Asked for once each: a list that still lacks them (an admin looking in) does not reload again.
        tap((online) => online.forEach((u) => known?.add(u.userId))),
      );
      return merge(of(null), newcomers$).pipe(
        // A load under way already answers a newcomer who arrived meanwhile.
        exhaustMap(() =>
          this.api.members(roomId).pipe(
            map((members): MembersLoad => {
              known = new Set([...(known ?? []), ...members.map((m) => m.userId)]);
              return { members, error: null };
            }),
            catchError((error: unknown) => of<MembersLoad>({ members: null, error: describeApiError(error) })),
          ),
        ),
      );
    });
  }
}
