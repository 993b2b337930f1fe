import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { LoginRequest, LoginResponse, UserView } from '@chat/contract';
import type { Observable } from 'rxjs';
import { apiUrl } from './api-url';

@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);
  private readonly url = apiUrl();

  login(request: LoginRequest): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(this.url('auth/login'), request);
  }

  me(): Observable<UserView> {
    return this.http.get<UserView>(this.url('auth/me'));
  }
}
