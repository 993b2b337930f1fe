import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { SESSION_STORAGE } from '@chat/web-data-access';
import { App } from './app';

/** A tab with nobody signed in. */
const emptyStorage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };

describe('App', () => {
  beforeEach(async () => {
    await TestBed.configureTestingModule({
      imports: [App],
      providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting(), { provide: SESSION_STORAGE, useValue: emptyStorage }],
    }).compileComponents();
  });

  it('should render the "Team Chat" heading', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();

    const host = fixture.nativeElement as HTMLElement;
    const heading = host.querySelector('h1');
    expect(heading).not.toBeNull();
    expect(heading?.textContent?.trim()).toBe('Team Chat');
  });

  it('should offer navigation and sign-out only to a signed-in user', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const host = fixture.nativeElement as HTMLElement;
    expect(host.querySelector('[data-testid=logout-button]')).toBeNull();
    expect(host.querySelector('[data-testid=connection-indicator]')).toBeNull();
    expect(host.querySelector('a.skip-link')?.getAttribute('href')).toBe('#main');
  });

  it('should host a router outlet for the console pages', () => {
    const fixture = TestBed.createComponent(App);
    fixture.detectChanges();

    expect((fixture.nativeElement as HTMLElement).querySelector('router-outlet')).not.toBeNull();
  });
});
