import { startOidcProvider, type TestAccount, type TestOidcProvider } from '@chat/server-testing';
import type { LoginResponse } from '@chat/contract';
import { startTestApp, type TestApp } from './test-app.js';

export const OIDC_CLIENT = { clientId: 'chat-console', clientSecret: 'client-secret-for-tests-0123456789' };

/** A provider, and the app signed up with it as a client (its callback at the app's own origin). */
export async function startAppWithProvider(accounts: TestAccount[], env: Record<string, string> = {}): Promise<{ app: TestApp; idp: TestOidcProvider }> {
  const idp = await startOidcProvider({ accounts });
  const app = await startTestApp({
    OIDC_ISSUER_URL: idp.issuer,
    OIDC_CLIENT_ID: OIDC_CLIENT.clientId,
    OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
    OIDC_SCOPES: 'openid profile email groups',
    // Specs sign in a dozen times a minute from one address.
    RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE: '500',
    ...env,
  });
  idp.registerClient({ ...OIDC_CLIENT, redirectUris: [`${app.baseUrl}/api/auth/oidc/callback`] });
  return { app, idp };
}

/**
 * A browser's part, by hand: cookies per host (path and expiry ignored but deletion honoured) and
 * redirects followed one at a time, so a test can stop, read or tamper with any hop.
 */
export class CookieBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = [...(this.jar.get(target.host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(target, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { ...(cookies ? { cookie: cookies } : {}), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    const jar = this.jar.get(target.host) ?? new Map<string, string>();
    this.jar.set(target.host, jar);
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const [name, ...value] = pair.trim().split('=');
      const removed = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
      if (removed) jar.delete(name);
      else jar.set(name, value.join('='));
    }
    return response;
  }

  /** Follows redirects from `url` until one leaves `stopAt`'s origin... or a page answers 200. */
  async follow(url: string, stopAt: (location: URL) => boolean): Promise<{ location: URL | null; response: Response }> {
    let next = url;
    for (let hop = 0; hop < 20; hop++) {
      const response = await this.request(next);
      const location = response.headers.get('location');
      if (!location) return { location: null, response };
      const resolved = new URL(location, next);
      if (stopAt(resolved)) return { location: resolved, response };
      next = resolved.href;
    }
    throw new Error(`more than 20 redirects from ${url}`);
  }

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  setCookie(host: string, name: string, value: string): void {
    const jar = this.jar.get(host) ?? new Map<string, string>();
    jar.set(name, value);
    this.jar.set(host, jar);
  }
}

export interface SignInHops {
  browser: CookieBrowser;
  /** The provider's authorization URL the app redirected to. */
  authorizationUrl: URL;
  /** The app's callback URL the provider redirected to (code, state, iss). */
  callbackUrl: URL;
  /** Where the callback sent the browser: the console's `/login`. */
  landing: URL;
}

/**
 * The browser's way through a sign-in: the app's login route, the provider's login page (typing
 * `username`), back to the app's callback, on to the console. `tamperAuthorization` may change the
 * authorization request (its nonce, say); `tamperCallback` the callback URL, before they are sent.
 */
export async function signInAtProvider(
  app: TestApp,
  username: string,
  options: { returnTo?: string; tamperAuthorization?: (url: URL) => void; tamperCallback?: (url: URL) => void; browser?: CookieBrowser } = {},
): Promise<SignInHops> {
  const browser = options.browser ?? new CookieBrowser();
  const start = await browser.request(`${app.baseUrl}/api/auth/oidc/login${options.returnTo ? `?returnTo=${encodeURIComponent(options.returnTo)}` : ''}`);
  if (start.status !== 302) throw new Error(`login route answered ${start.status}: ${await start.text()}`);
  const authorizationUrl = new URL(start.headers.get('location')!);
  options.tamperAuthorization?.(authorizationUrl);
  const appOrigin = new URL(app.baseUrl).origin;
  const toInteraction = await browser.follow(authorizationUrl.href, (l) => l.pathname.startsWith('/interaction/') || l.origin === appOrigin);
  if (!toInteraction.location?.pathname.startsWith('/interaction/')) throw new Error(`expected the provider's login page, got ${toInteraction.location} (${toInteraction.response.status})`);
  const page = await browser.request(toInteraction.location.href);
  if (page.status !== 200) throw new Error(`login page answered ${page.status}`);
  const submitted = await browser.request(`${toInteraction.location.href}/login`, { method: 'POST', form: { username } });
  const back = await browser.follow(new URL(submitted.headers.get('location')!, toInteraction.location).href, (l) => l.origin === appOrigin);
  if (!back.location) throw new Error(`the provider did not redirect back (${back.response.status}: ${(await back.response.text()).slice(0, 300)})`);
  const callbackUrl = back.location;
  options.tamperCallback?.(callbackUrl);
  const done = await browser.request(callbackUrl.href);
  if (done.status !== 302) throw new Error(`callback answered ${done.status}: ${await done.text()}`);
  return { browser, authorizationUrl, callbackUrl, landing: new URL(done.headers.get('location')!) };
}

/** The one-time code of a successful landing, exchanged for the console's session. */
export async function exchangeLanding(app: TestApp, landing: URL): Promise<{ status: number; body: LoginResponse }> {
  const code = new URLSearchParams(landing.hash.slice(1)).get('sso');
  if (!code) throw new Error(`no sign-in code in ${landing}`);
  return app.http<LoginResponse>('POST', '/api/auth/oidc/exchange', { body: { code } });
}
