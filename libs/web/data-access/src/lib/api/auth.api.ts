import { HttpClient, HttpHeaders } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { AuthConfigResponse, ChangePasswordRequest, LoginRequest, LoginResponse, MeResponse, SsoExchangeRequest } from '@chat/contract';
import type { Observable } from 'rxjs';
import { apiUrl } from './api-url';

@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);
  private readonly url = apiUrl();

  login(request: LoginRequest): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(this.url('auth/login'), request);
  }

  /** Which ways to sign in the server offers (single sign-on, the password form). */
  config(): Observable<AuthConfigResponse> {
    return this.http.get<AuthConfigResponse>(this.url('auth/config'));
  }

  /** Where the browser goes to sign in at the identity provider; it comes back to `/login#sso=<code>`. */
  ssoLoginUrl(returnTo: string): string {
    return `${this.url('auth/oidc/login')}?returnTo=${encodeURIComponent(returnTo)}`;
  }

  /** The one-time code of a finished single sign-on, for the session. */
  exchangeSso(request: SsoExchangeRequest): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(this.url('auth/oidc/exchange'), request);
  }

  /** With the token of a sign-in that must change its password first (not yet the session's). */
  changePassword(token: string, request: ChangePasswordRequest): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(this.url('auth/password'), request, { headers: new HttpHeaders({ authorization: `Bearer ${token}` }) });
  }

  logout(token: string): Observable<void> {
    return this.http.post<void>(this.url('auth/logout'), {}, { headers: new HttpHeaders({ authorization: `Bearer ${token}` }) });
  }

  /** The caller, with what is left of their assistant token budget. */
  me(): Observable<MeResponse> {
    return this.http.get<MeResponse>(this.url('auth/me'));
  }
}
