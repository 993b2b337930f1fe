import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ActivatedRoute, convertToParamMap, provideRouter, Router } from '@angular/router';
import { memoryStorage, SESSION_STORAGE, SessionStore } from '@chat/web-data-access';
import { LoginPageComponent } from './login-page.component';

describe(LoginPageComponent.name, () => {
  let storage: Storage;

  beforeEach(() => {
    storage = memoryStorage();
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting(), { provide: SESSION_STORAGE, useValue: storage }],
    });
  });

  async function submit(username: string, password: string) {
    const fixture = TestBed.createComponent(LoginPageComponent);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const set = (id: string, value: string) => {
      const input = el.querySelector(`[data-testid=${id}]`) as HTMLInputElement;
      input.value = value;
      input.dispatchEvent(new Event('input'));
    };
    set('login-username', username);
    set('login-password', password);
    (el.querySelector('[data-testid=login-submit]') as HTMLButtonElement).click();
    await fixture.whenStable();
    return { fixture, el };
  }

  it('should sign in, keep the session for the tab and go to the rooms', async () => {
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
    await submit(' alice ', 'secret-password');
    const http = TestBed.inject(HttpTestingController);
    const request = http.expectOne('/api/auth/login');
    expect(request.request.body).toEqual({ username: 'alice', password: 'secret-password' });
    request.flush({ accessToken: 'jwt', expiresIn: 3600, user: { id: 'u1', username: 'alice', displayName: 'Alice', role: 'staff' } });

    expect(TestBed.inject(SessionStore).token).toBe('jwt');
    expect(JSON.parse(storage.getItem('chat.session') ?? '{}').token).toBe('jwt');
    expect(navigate).toHaveBeenCalledWith('/rooms');
  });

  it('should say so when the credentials are wrong', async () => {
    const { fixture, el } = await submit('alice', 'nope');
    TestBed.inject(HttpTestingController)
      .expectOne('/api/auth/login')
      .flush({ statusCode: 401, code: 'UNAUTHORIZED', message: 'Invalid username or password' }, { status: 401, statusText: 'Unauthorized' });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=login-error]')?.textContent).toContain('Wrong username or password');
    expect(TestBed.inject(SessionStore).token).toBeNull();
  });

  it('should show why the user was sent back here', async () => {
    TestBed.inject(SessionStore).notice.set('Your session has ended (expired or revoked). Please sign in again.');
    const fixture = TestBed.createComponent(LoginPageComponent);
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-testid=login-notice]')?.textContent).toContain('session has ended');
  });
});

describe(`${LoginPageComponent.name} with single sign-on`, () => {
  function setUp(route: { fragment?: string; query?: Record<string, string> }) {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: SESSION_STORAGE, useValue: memoryStorage() },
        { provide: ActivatedRoute, useValue: { snapshot: { fragment: route.fragment ?? null, queryParamMap: convertToParamMap(route.query ?? {}) } } },
      ],
    });
  }

  it('should offer "Sign in with SSO" and hide the password form when password sign-in is off', async () => {
    setUp({ query: { returnUrl: '/rooms/r1' } });
    const fixture = TestBed.createComponent(LoginPageComponent);
    TestBed.inject(HttpTestingController).expectOne('/api/auth/config').flush({ sso: true, passwordLogin: false });
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid=login-sso]')?.getAttribute('href')).toBe('/api/auth/oidc/login?returnTo=%2Frooms%2Fr1');
    expect(el.querySelector('[data-testid=login-form]')).toBeNull();
  });

  it('should exchange the code the provider sign-in came back with, and go on', async () => {
    setUp({ fragment: 'sso=one-time-code-0123456789', query: { returnUrl: '/rooms/r1' } });
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
    const fixture = TestBed.createComponent(LoginPageComponent);
    fixture.detectChanges();
    const http = TestBed.inject(HttpTestingController);
    const exchange = http.expectOne('/api/auth/oidc/exchange');
    expect(exchange.request.body).toEqual({ code: 'one-time-code-0123456789' });
    exchange.flush({ accessToken: 'jwt', expiresIn: 3600, user: { id: 'u1', username: 'alice', displayName: 'Alice', role: 'staff' } });
    expect(TestBed.inject(SessionStore).token).toBe('jwt');
    expect(navigate).toHaveBeenCalledWith('/rooms/r1', { replaceUrl: true });
  });

  it('should explain an SSO failure code', async () => {
    setUp({ query: { ssoError: 'SSO_ACCOUNT_DISABLED' } });
    const fixture = TestBed.createComponent(LoginPageComponent);
    fixture.detectChanges();
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-testid=sso-error]')?.textContent).toContain('Your account is disabled');
  });
});
