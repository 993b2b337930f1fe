import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
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
