import { inject, Injectable } from '@angular/core';
import type { RoomMemberView } from '@chat/contract';
import { catchError, defer, exhaustMap, filter, finalize, map, merge, Observable, of, shareReplay, Subject, switchMap, tap } from 'rxjs';
import { UsersApi } from '../api/admin.api';
import { describeApiError } from '../api/http-error';
import { RoomsApi } from '../api/rooms.api';
import { ChatRealtimeService } from '../realtime/chat-realtime.service';

/** Someone an owner may invite. */
export interface InviteCandidate {
  userId: string;
  username: string;
  displayName: string;
}

export type MembersLoad = { members: RoomMemberView[]; error: null } | { members: null; error: string };

/**
 * A room's members from REST, shared by everyone who shows them. Someone online in the room whom
 * the list lacks (a newcomer to a public room) reloads it, once per newcomer.
 */
@Injectable({ providedIn: 'root' })
export class RoomMembersStore {
  private readonly api = inject(RoomsApi);
  private readonly realtime = inject(ChatRealtimeService);
  private readonly usersApi = inject(UsersApi);
  private readonly rooms = new Map<string, Observable<MembersLoad>>();
  private readonly reloads = new Subject<string>();

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

  /** Owners and admins: add someone to the room (or change their role). The list reloads. */
  invite(roomId: string, userId: string): Observable<RoomMemberView> {
    return this.api.putMember(roomId, userId).pipe(tap(() => this.reloads.next(roomId)));
  }

  /** Owners and admins remove anyone; the removed person's sockets are told by the server. */
  remove(roomId: string, userId: string): Observable<void> {
    return this.api.removeMember(roomId, userId).pipe(tap(() => this.reloads.next(roomId)));
  }

  /** Who could be invited: the user directory, open to every signed-in person. */
  candidates$(): Observable<InviteCandidate[]> {
    return this.usersApi.directory().pipe(map((people) => people.map((p) => ({ userId: p.id, username: p.username, displayName: p.displayName }))));
  }

  private load$(roomId: string): Observable<MembersLoad> {
    return defer(() => {
      let known: Set<string> | null = null;
      const newcomers$ = this.realtime.presence$(roomId).pipe(
        filter((online) => online.some((u) => known !== null && !known.has(u.userId))),
        // Asked for once each: a list that still lacks them (an admin looking in) does not reload again.
        tap((online) => online.forEach((u) => known?.add(u.userId))),
      );
      const load = () =>
        this.api.members(roomId).pipe(
          map((members): MembersLoad => {
            known = new Set([...(known ?? []), ...members.map((m) => m.userId)]);
            return { members, error: null };
          }),
          catchError((error: unknown) => of<MembersLoad>({ members: null, error: describeApiError(error) })),
        );
      return merge(
        // A load under way already answers a newcomer who arrived meanwhile.
        merge(of(null), newcomers$).pipe(exhaustMap(load)),
        // After an invite or a removal, only a load that started after it tells the truth.
        this.reloads.pipe(
          filter((id) => id === roomId),
          switchMap(load),
        ),
      );
    });
  }
}
