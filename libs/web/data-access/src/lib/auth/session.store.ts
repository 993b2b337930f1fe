import { computed, inject, Injectable, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import type { LoginResponse, UserView } from '@chat/contract';
import { BehaviorSubject, distinctUntilChanged, map, Observable, tap } from 'rxjs';
import { AuthApi } from '../api/auth.api';
import { readJson, SESSION_STORAGE, writeJson } from '../storage';

export interface Session {
  token: string;
  user: UserView;
  /** Epoch milliseconds. */
  expiresAt: number;
}

const STORAGE_KEY = 'chat.session';

/** Shown on the sign-in page when the server ends a session. */
export const SESSION_ENDED_MESSAGE = 'Your session has ended (expired or revoked). Please sign in again.';

function isSession(value: unknown): value is Session {
  const s = value as Session | null;
  return typeof s?.token === 'string' && typeof s.expiresAt === 'number' && typeof s.user?.id === 'string';
}

/**
 * The signed-in user and their token, kept for this tab only (sessionStorage). Everything that
 * needs the token follows `token$`; signing out or an ended session empties it.
 */
@Injectable({ providedIn: 'root' })
export class SessionStore {
  private readonly storage = inject(SESSION_STORAGE);
  private readonly api = inject(AuthApi);
  private readonly router = inject(Router);
  private readonly state = new BehaviorSubject<Session | null>(this.restore());

  readonly session$: Observable<Session | null> = this.state.asObservable();
  readonly token$: Observable<string | null> = this.state.pipe(
    map((s) => s?.token ?? null),
    distinctUntilChanged(),
  );

  readonly session = toSignal(this.state, { requireSync: true });
  readonly user = computed(() => this.session()?.user ?? null);
  readonly isSignedIn = computed(() => this.session() !== null);
  readonly isAdmin = computed(() => this.session()?.user.role === 'admin');
  /** Why the user was sent back to the sign-in page, until the next sign-in. */
  readonly notice = signal<string | null>(null);

  get token(): string | null {
    return this.state.value?.token ?? null;
  }

  /** A generated or reset password signs in only to be changed: the session starts after `changePassword`. */
  private pendingChange: LoginResponse | null = null;

  login(username: string, password: string): Observable<UserView> {
    return this.api.login({ username, password }).pipe(
      tap((response) => {
        this.pendingChange = response.user.mustChangePassword ? response : null;
        if (!this.pendingChange) this.start(response);
      }),
      map((response) => response.user),
    );
  }

  /** A finished single sign-on: its one-time code from the redirect becomes the session. */
  completeSso(code: string): Observable<UserView> {
    return this.api.exchangeSso({ code }).pipe(
      tap((response) => this.start(response)),
      map((response) => response.user),
    );
  }

  changePassword(currentPassword: string, newPassword: string): Observable<UserView> {
    const token = this.pendingChange?.accessToken ?? this.token ?? '';
    return this.api.changePassword(token, { currentPassword, newPassword }).pipe(
      tap((response) => {
        this.pendingChange = null;
        this.start(response);
      }),
      map((response) => response.user),
    );
  }

  /** Signs out here and revokes the token on the server (every instance), so a copy of it is useless. */
  logout(): void {
    const token = this.token;
    if (token) this.api.logout(token).subscribe({ error: () => undefined });
    this.notice.set(null);
    this.end();
    void this.router.navigate(['/login']);
  }

  /** The server refused the token (REST 401, socket UNAUTHORIZED): back to sign-in with a reason. */
  expire(message: string = SESSION_ENDED_MESSAGE): void {
    if (!this.state.value) return;
    this.notice.set(message);
    this.end();
    const returnUrl = this.router.url.startsWith('/login') ? undefined : this.router.url;
    void this.router.navigate(['/login'], { queryParams: returnUrl ? { returnUrl } : {} });
  }

  private start(response: LoginResponse): void {
    const session: Session = { token: response.accessToken, user: response.user, expiresAt: Date.now() + response.expiresIn * 1000 };
    writeJson(this.storage, STORAGE_KEY, session);
    this.notice.set(null);
    this.state.next(session);
  }

  private end(): void {
    writeJson(this.storage, STORAGE_KEY, null);
    this.state.next(null);
  }

  private restore(): Session | null {
    const saved = readJson<unknown>(this.storage, STORAGE_KEY);
    if (!isSession(saved)) return null;
    if (saved.expiresAt <= Date.now()) {
      writeJson(this.storage, STORAGE_KEY, null);
      return null;
    }
    return saved;
  }
}
