import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { CreateRoomRequest, MessagesPage, RoomMemberView, RoomView } from '@chat/contract';
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

  members(roomId: string): Observable<RoomMemberView[]> {
    return this.http.get<RoomMemberView[]>(this.url(`rooms/${encodeURIComponent(roomId)}/members`));
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
}
