import { ChangeDetectionStrategy, Component, computed, inject, OnInit, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { ActivatedRoute, Router } from '@angular/router';
import { PASSWORD_MIN_LENGTH, SSO_ERROR_MESSAGES } from '@chat/contract';
import type { SsoError } from '@chat/contract';
import { AuthApi, describeApiError, SessionStore, toApiError } from '@chat/web-data-access';
import { catchError, of } from 'rxjs';

/** Sign-in. After it, the user goes back to where they were sent from (a shared room link, say). */
@Component({
  selector: 'chat-login-page',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-labelledby="login-title">
      <h2 id="login-title">Sign in</h2>
      @if (session.notice(); as notice) {
        <p class="notice" role="alert" data-testid="login-notice">{{ notice }}</p>
      }
      @if (ssoError(); as message) {
        <p class="error" role="alert" data-testid="sso-error">{{ message }}</p>
      }
      @if (completingSso()) {
        <p role="status" data-testid="sso-completing">Signing you in…</p>
      } @else if (changing()) {
        <form (ngSubmit)="change()" data-testid="change-password-form" novalidate>
          <p class="notice" role="status">Choose a new password before you continue: at least {{ minLength }} characters, not your username, not a common password.</p>
          <label for="new-password">New password</label>
          <input id="new-password" name="newPassword" type="password" autocomplete="new-password" required [(ngModel)]="newPassword" />
          <label for="repeat-password">Repeat new password</label>
          <input id="repeat-password" name="repeatPassword" type="password" autocomplete="new-password" required [(ngModel)]="repeatPassword" />
          @if (error(); as message) {
            <p class="error" role="alert" data-testid="login-error">{{ message }}</p>
          }
          <button type="submit" class="primary" [disabled]="busy()">{{ busy() ? 'Saving…' : 'Change password' }}</button>
        </form>
      } @else {
      @if (options()?.sso) {
        <a class="sso" data-testid="login-sso" [href]="ssoHref()">Sign in with SSO</a>
        @if (passwordLogin()) {
          <p class="divider" aria-hidden="true">or with a password</p>
        }
      }
      @if (passwordLogin()) {
      <form (ngSubmit)="submit()" data-testid="login-form" novalidate>
        <label for="login-username">Username</label>
        <input
          id="login-username"
          name="username"
          data-testid="login-username"
          autocomplete="username"
          autocapitalize="none"
          spellcheck="false"
          required
          [(ngModel)]="username"
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          data-testid="login-password"
          autocomplete="current-password"
          required
          [(ngModel)]="password"
        />
        @if (error(); as message) {
          <p class="error" role="alert" data-testid="login-error">{{ message }}</p>
        }
        <button type="submit" class="primary" data-testid="login-submit" [disabled]="busy()">{{ busy() ? 'Signing in…' : 'Sign in' }}</button>
      </form>
      }
      }
    </section>
  `,
  styles: `
    :host { display: grid; place-items: start center; padding: 2rem 1rem; }
    .card { width: min(100%, 24rem); background: var(--c-surface); border: 1px solid var(--c-border); border-radius: 14px; padding: 1.5rem; box-sizing: border-box; }
    h2 { margin: 0 0 1rem; font-size: 1.3rem; }
    form { display: grid; gap: 0.4rem; }
    label { font-weight: 600; font-size: 0.9rem; margin-top: 0.4rem; }
    input { font: inherit; padding: 0.55rem 0.7rem; border-radius: 8px; border: 1px solid var(--c-border-strong); background: var(--c-input-bg); color: var(--c-text); }
    .primary { margin-top: 1rem; }
    .notice { background: var(--c-warning-bg); color: var(--c-text); border: 1px solid var(--c-warning); border-radius: 8px; padding: 0.6rem 0.75rem; margin: 0 0 0.75rem; }
    .error { color: var(--c-danger); margin: 0.5rem 0 0; }
    .sso { display: block; text-align: center; text-decoration: none; margin: 0 0 0.5rem; padding: 0.6rem 0.75rem; border-radius: 8px; background: var(--c-accent); color: var(--c-on-accent); font-weight: 600; }
    .divider { text-align: center; color: var(--c-text-muted); font-size: 0.85rem; margin: 0.75rem 0 0.25rem; }
  `,
})
export class LoginPageComponent implements OnInit {
  protected readonly session = inject(SessionStore);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly api = inject(AuthApi);

  /** Until the server answers (or if it cannot), the password form shows, as before single sign-on existed. */
  protected readonly options = toSignal(this.api.config().pipe(catchError(() => of(null))), { initialValue: null });
  protected readonly passwordLogin = computed(() => this.options()?.passwordLogin ?? true);
  protected readonly ssoHref = computed(() => this.api.ssoLoginUrl(this.safeReturnUrl()));
  protected readonly ssoError = signal<string | null>(null);
  protected readonly completingSso = signal(false);

  protected username = '';
  protected password = '';
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  /** Signed in with a generated or reset password: it must be changed first. */
  protected readonly changing = signal(false);
  protected readonly minLength = PASSWORD_MIN_LENGTH;
  protected newPassword = '';
  protected repeatPassword = '';

  /** Back from the identity provider: `#sso=<one-time code>` to exchange, or `?ssoError=CODE` to explain. */
  ngOnInit(): void {
    const failure = this.route.snapshot.queryParamMap.get('ssoError');
    if (failure) this.ssoError.set(SSO_ERROR_MESSAGES[failure as SsoError] ?? SSO_ERROR_MESSAGES.SSO_FAILED);
    const code = new URLSearchParams(this.route.snapshot.fragment ?? '').get('sso');
    if (!code) return;
    this.completingSso.set(true);
    this.session.completeSso(code).subscribe({
      // replaceUrl: the used code leaves the history.
      next: () => void this.router.navigateByUrl(this.safeReturnUrl(), { replaceUrl: true }),
      error: (error: unknown) => {
        this.completingSso.set(false);
        this.ssoError.set(toApiError(error).status === 401 ? SSO_ERROR_MESSAGES.SSO_EXPIRED : describeApiError(error));
      },
    });
  }

  protected submit(): void {
    if (this.busy()) return;
    if (!this.username.trim() || !this.password) {
      this.error.set('Enter your username and password.');
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    this.session.login(this.username.trim(), this.password).subscribe({
      next: (user) => {
        this.busy.set(false);
        if (user.mustChangePassword) this.changing.set(true);
        else void this.router.navigateByUrl(this.safeReturnUrl());
      },
      error: (error: unknown) => {
        this.busy.set(false);
        const e = toApiError(error);
        this.error.set(e.status === 401 ? 'Wrong username or password.' : describeApiError(error));
      },
    });
  }

  protected change(): void {
    if (this.busy()) return;
    if (this.newPassword !== this.repeatPassword) {
      this.error.set('The two passwords differ.');
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    this.session.changePassword(this.password, this.newPassword).subscribe({
      next: () => {
        this.busy.set(false);
        void this.router.navigateByUrl(this.safeReturnUrl());
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.error.set(describeApiError(error));
      },
    });
  }

  /** Only paths inside the console: never an absolute URL handed in through the query string. */
  private safeReturnUrl(): string {
    const url = this.route.snapshot.queryParamMap.get('returnUrl');
    return url && url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/login') ? url : '/rooms';
  }
}
