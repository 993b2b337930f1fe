import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { LoginRequest, LoginResponse, MeResponse } from '@chat/contract';
import type { Observable } from 'rxjs';
import { apiUrl } from './api-url';

@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);
  private readonly url = apiUrl();

  login(request: LoginRequest): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(this.url('auth/login'), request);
  }

  /** The caller, with what is left of their assistant token budget. */
  me(): Observable<MeResponse> {
    return this.http.get<MeResponse>(this.url('auth/me'));
  }
}
