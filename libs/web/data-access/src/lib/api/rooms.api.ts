import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type {
  CreateRoomRequest,
  MessageSearchResponse,
  MessagesPage,
  ReadUpdatedPayload,
  RoomMemberRole,
  RoomMemberView,
  RoomView,
  ThreadPage,
  UpdateRoomRequest,
} from '@chat/contract';
import type { Observable } from 'rxjs';
import { apiUrl } from './api-url';

@Injectable({ providedIn: 'root' })
export class RoomsApi {
  private readonly http = inject(HttpClient);
  private readonly url = apiUrl();

  list(): Observable<RoomView[]> {
    return this.http.get<RoomView[]>(this.url('rooms'));
  }

  get(roomId: string): Observable<RoomView> {
    return this.http.get<RoomView>(this.url(`rooms/${encodeURIComponent(roomId)}`));
  }

  create(request: CreateRoomRequest): Observable<RoomView> {
    return this.http.post<RoomView>(this.url('rooms'), request);
  }

  update(roomId: string, changes: UpdateRoomRequest): Observable<RoomView> {
    return this.http.patch<RoomView>(this.url(`rooms/${encodeURIComponent(roomId)}`), changes);
  }

  members(roomId: string): Observable<RoomMemberView[]> {
    return this.http.get<RoomMemberView[]>(this.url(`rooms/${encodeURIComponent(roomId)}/members`));
  }

  putMember(roomId: string, userId: string, role: RoomMemberRole = 'member'): Observable<RoomMemberView> {
    return this.http.put<RoomMemberView>(this.url(`rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}`), { role });
  }

  removeMember(roomId: string, userId: string): Observable<void> {
    return this.http.delete<void>(this.url(`rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}`));
  }

  /** PUT /api/rooms/:roomId/read: the read position never moves backwards. */
  markRead(roomId: string, seq: number): Observable<ReadUpdatedPayload> {
    return this.http.put<ReadUpdatedPayload>(this.url(`rooms/${encodeURIComponent(roomId)}/read`), { seq });
  }
}

@Injectable({ providedIn: 'root' })
export class MessagesApi {
  private readonly http = inject(HttpClient);
  private readonly url = apiUrl();

  /** Ascending seq: the newest page without cursors, the page just older than `before`, or the first after `after`. */
  history(roomId: string, options: { before?: number; after?: number; limit: number }): Observable<MessagesPage> {
    const params: Record<string, number> = { limit: options.limit };
    if (options.before !== undefined) params['before'] = options.before;
    if (options.after !== undefined) params['after'] = options.after;
    return this.http.get<MessagesPage>(this.url(`rooms/${encodeURIComponent(roomId)}/messages`), { params });
  }

  /** The page of history centred on `seq` (a search hit). */
  around(roomId: string, seq: number, limit: number): Observable<MessagesPage> {
    return this.http.get<MessagesPage>(this.url(`rooms/${encodeURIComponent(roomId)}/messages`), { params: { around: seq, limit } });
  }

  /** A thread's root and its replies, oldest first; `after` pages on. */
  thread(roomId: string, messageId: string, options: { after?: number; limit?: number } = {}): Observable<ThreadPage> {
    const params: Record<string, number> = {};
    if (options.after !== undefined) params['after'] = options.after;
    if (options.limit !== undefined) params['limit'] = options.limit;
    return this.http.get<ThreadPage>(this.url(`rooms/${encodeURIComponent(roomId)}/messages/${encodeURIComponent(messageId)}/thread`), { params });
  }

  search(query: { q: string; roomId?: string; before?: string; limit?: number }): Observable<MessageSearchResponse> {
    const params: Record<string, string | number> = { q: query.q };
    if (query.roomId) params['roomId'] = query.roomId;
    if (query.before) params['before'] = query.before;
    if (query.limit) params['limit'] = query.limit;
    return this.http.get<MessageSearchResponse>(this.url('search/messages'), { params });
  }
}
