import type { AuditPage, AuthConfigResponse, MeResponse, UserAdminView } from '@chat/contract';
import type { TestOidcProvider } from '@chat/server-testing';
import { startOidcProvider } from '@chat/server-testing';
import { ADMIN, startTestApp, type TestApp } from '../support/test-app.js';
import { CookieBrowser, exchangeLanding, OIDC_CLIENT, signInAtProvider, startAppWithProvider } from '../support/oidc-helpers.js';

const ATTEMPT_COOKIE = 'chat_sso_attempt';

async function usersNamed(app: TestApp, username: string): Promise<UserAdminView[]> {
  const { body } = await app.http<UserAdminView[]>('GET', '/api/users', { token: app.adminToken });
  return body.filter((u) => u.username === username);
}

async function auditActions(app: TestApp, action: string): Promise<AuditPage['entries']> {
  const { body } = await app.http<AuditPage>('GET', `/api/admin/audit?action=${action}&limit=200`, { token: app.adminToken });
  return body.entries;
}

describe('OpenID Connect sign-in', () => {
  describe('with roles managed here', () => {
    let app: TestApp;
    let idp: TestOidcProvider;

    beforeAll(async () => {
      ({ app, idp } = await startAppWithProvider([
        { sub: 'sub-alice', preferred_username: 'alice', email: 'alice@corp.example', name: 'Alice Example' },
        { sub: 'sub-bob', email: 'bob.builder@corp.example' },
        { sub: 'sub-fake-admin', preferred_username: 'admin', name: 'Not the admin' },
        { sub: 'sub-carol', preferred_username: 'carol' },
      ]));
    });
    afterAll(async () => {
      await app.close();
      await idp.close();
    });

    it('should tell the console that SSO is on and the password form too', async () => {
      const { status, body } = await app.http<AuthConfigResponse>('GET', '/api/auth/config');
      expect(status).toBe(200);
      expect(body).toEqual({ sso: true, passwordLogin: true });
    });

    it('should create the account at the first sign-in and hand the console a one-time code for its session', async () => {
      const { authorizationUrl, landing } = await signInAtProvider(app, 'alice', { returnTo: '/rooms/some-room' });
      // PKCE (S256), state and nonce go out with the request.
      expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorizationUrl.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      expect(authorizationUrl.searchParams.get('state')).toBeTruthy();
      expect(authorizationUrl.searchParams.get('nonce')).toBeTruthy();
      expect(landing.origin).toBe(app.baseUrl);
      expect(landing.pathname).toBe('/login');
      expect(landing.searchParams.get('returnUrl')).toBe('/rooms/some-room');

      const session = await exchangeLanding(app, landing);
      expect(session.status).toBe(200);
      expect(session.body.user).toMatchObject({ username: 'alice', displayName: 'Alice Example', role: 'staff' });
      const me = await app.http<MeResponse>('GET', '/api/auth/me', { token: session.body.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.username).toBe('alice');
      // The code works once.
      await expect(exchangeLanding(app, landing)).resolves.toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });

      const logins = await auditActions(app, 'auth.login');
      expect(logins.find((e) => e.actorId === session.body.user.id)).toMatchObject({ details: { method: 'sso' } });
      const created = await auditActions(app, 'user.created');
      expect(created.find((e) => e.targetId === session.body.user.id)).toMatchObject({ details: { username: 'alice', via: 'sso' } });
    });

    it('should find the same account again by issuer and subject, even when the username claim changed', async () => {
      const first = await exchangeLanding(app, (await signInAtProvider(app, 'carol')).landing);
      idp.accounts.set('sub-carol', { sub: 'sub-carol', preferred_username: 'carol.renamed' });
      const second = await exchangeLanding(app, (await signInAtProvider(app, 'carol.renamed')).landing);
      expect(second.body.user.id).toBe(first.body.user.id);
      expect(second.body.user.username).toBe('carol');
    });

    it('should take the username from the e-mail, and never take over an existing name', async () => {
      const bob = await exchangeLanding(app, (await signInAtProvider(app, 'sub-bob')).landing);
      expect(bob.body.user.username).toBe('bob.builder');
      const impostor = await exchangeLanding(app, (await signInAtProvider(app, 'admin')).landing);
      expect(impostor.body.user.username).toBe('admin-2');
      expect(impostor.body.user.role).toBe('staff');
      expect(await usersNamed(app, 'admin')).toEqual([expect.objectContaining({ role: 'admin', displayName: 'Administrator' })]);
    });

    it('should give the account no local password: password sign-in and change are refused', async () => {
      const alice = await exchangeLanding(app, (await signInAtProvider(app, 'alice')).landing);
      const login = await app.http('POST', '/api/auth/login', { body: { username: 'alice', password: 'any-password-at-all' } });
      expect(login).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
      const change = await app.http('POST', '/api/auth/password', {
        token: alice.body.accessToken,
        body: { currentPassword: 'any-password-at-all', newPassword: 'a-brand-new-password-1' },
      });
      expect(change).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      const reset = await app.http('POST', `/api/users/${alice.body.user.id}/password`, { token: app.adminToken, body: { newPassword: 'a-brand-new-password-1' } });
      expect(reset).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    });

    it('should refuse a callback whose state was changed, and create nothing', async () => {
      idp.accounts.set('sub-dave', { sub: 'sub-dave', preferred_username: 'dave' });
      const { landing } = await signInAtProvider(app, 'dave', { tamperCallback: (url) => url.searchParams.set('state', 'forged-state') });
      expect(landing.pathname).toBe('/login');
      expect(landing.searchParams.get('ssoError')).toBe('SSO_FAILED');
      expect(landing.hash).toBe('');
      expect(await usersNamed(app, 'dave')).toEqual([]);
    });

    it('should refuse an id token whose nonce is not the one this attempt sent', async () => {
      idp.accounts.set('sub-erin', { sub: 'sub-erin', preferred_username: 'erin' });
      // The provider is asked for (and signs) another nonce than the one sealed in the attempt cookie.
      const { landing } = await signInAtProvider(app, 'erin', { tamperAuthorization: (url) => url.searchParams.set('nonce', 'a-nonce-from-another-attempt') });
      expect(landing.searchParams.get('ssoError')).toBe('SSO_FAILED');
      expect(await usersNamed(app, 'erin')).toEqual([]);
      const failures = await auditActions(app, 'auth.login_failed');
      expect(failures.some((e) => e.details['reason'] === 'sso_rejected')).toBe(true);
    });

    it('should refuse a replayed callback, with or without the attempt cookie', async () => {
      let sealed = '';
      const host = new URL(app.baseUrl).host;
      const browser = new CookieBrowser();
      const { callbackUrl, landing } = await signInAtProvider(app, 'alice', {
        browser,
        tamperCallback: () => void (sealed = browser.cookie(host, ATTEMPT_COOKIE) ?? ''),
      });
      expect(landing.hash).toMatch(/^#sso=/);
      expect(sealed).not.toBe('');
      // The same browser: its attempt is used up.
      expect(browser.cookie(host, ATTEMPT_COOKIE)).toBeUndefined();
      const again = await browser.request(callbackUrl.href);
      expect(new URL(again.headers.get('location')!).searchParams.get('ssoError')).toBe('SSO_EXPIRED');
      // Someone who kept the cookie: the code was redeemed at the provider already.
      const thief = new CookieBrowser();
      thief.setCookie(host, ATTEMPT_COOKIE, sealed);
      const replay = await thief.request(callbackUrl.href);
      expect(new URL(replay.headers.get('location')!).searchParams.get('ssoError')).toBe('SSO_FAILED');
      // A forged cookie is no attempt at all.
      const forger = new CookieBrowser();
      forger.setCookie(host, ATTEMPT_COOKIE, `${sealed.slice(0, -4)}AAAA`);
      const forged = await forger.request(callbackUrl.href);
      expect(new URL(forged.headers.get('location')!).searchParams.get('ssoError')).toBe('SSO_EXPIRED');
    });

    it('should keep a disabled account out', async () => {
      idp.accounts.set('sub-frank', { sub: 'sub-frank', preferred_username: 'frank' });
      const frank = await exchangeLanding(app, (await signInAtProvider(app, 'frank')).landing);
      const disabled = await app.http('PATCH', `/api/users/${frank.body.user.id}`, { token: app.adminToken, body: { disabled: true } });
      expect(disabled.status).toBe(200);
      const { landing } = await signInAtProvider(app, 'frank');
      expect(landing.searchParams.get('ssoError')).toBe('SSO_ACCOUNT_DISABLED');
      expect(landing.hash).toBe('');
      const failures = await auditActions(app, 'auth.login_failed');
      expect(failures.find((e) => e.actorId === frank.body.user.id)).toMatchObject({ details: { reason: 'disabled', method: 'sso' } });
    });

    it('should send a sign-in the user cancelled at the provider back with SSO_DENIED', async () => {
      const { landing } = await signInAtProvider(app, 'alice', {
        tamperCallback: (url) => {
          url.searchParams.delete('code');
          url.searchParams.set('error', 'access_denied');
        },
      });
      expect(landing.searchParams.get('ssoError')).toBe('SSO_DENIED');
    });

    it('should only return to paths inside the console', async () => {
      for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
        const { landing } = await signInAtProvider(app, 'alice', { returnTo });
        expect(landing.origin).toBe(app.baseUrl);
        expect(landing.searchParams.get('returnUrl')).toBe('/rooms');
      }
    });

    it('should document the sign-in routes in OpenAPI', async () => {
      const { body } = await app.http<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/docs-json');
      expect(Object.keys(body.paths['/api/auth/config'] ?? {})).toEqual(['get']);
      expect(Object.keys(body.paths['/api/auth/oidc/login'] ?? {})).toEqual(['get']);
      expect(Object.keys(body.paths['/api/auth/oidc/callback'] ?? {})).toEqual(['get']);
      expect(Object.keys(body.paths['/api/auth/oidc/exchange'] ?? {})).toEqual(['post']);
      expect(body.paths['/api/auth/oidc/callback']['get']).toMatchObject({ responses: { '302': { description: expect.stringContaining('SSO_ACCOUNT_DISABLED') } } });
    });

    it('should refuse a malformed exchange with a coded 400', async () => {
      const bad = await app.http('POST', '/api/auth/oidc/exchange', { body: { code: 'short' } });
      expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    });
  });

  describe('with the admin role mapped from a groups claim', () => {
    let app: TestApp;
    let idp: TestOidcProvider;

    beforeAll(async () => {
      ({ app, idp } = await startAppWithProvider([{ sub: 'sub-gina', preferred_username: 'gina', groups: ['staff', 'chat-admins'] }], {
        OIDC_ROLE_CLAIM: 'groups',
        OIDC_ADMIN_VALUES: 'chat-admins,it-ops',
      }));
    });
    afterAll(async () => {
      await app.close();
      await idp.close();
    });

    it('should grant admin while the claim holds an admin value, and take it away at the next sign-in without it', async () => {
      const asAdmin = await exchangeLanding(app, (await signInAtProvider(app, 'gina')).landing);
      expect(asAdmin.body.user.role).toBe('admin');
      expect((await app.http('GET', '/api/users', { token: asAdmin.body.accessToken })).status).toBe(200);

      idp.accounts.set('sub-gina', { sub: 'sub-gina', preferred_username: 'gina', groups: ['staff'] });
      const asStaff = await exchangeLanding(app, (await signInAtProvider(app, 'gina')).landing);
      expect(asStaff.body.user).toMatchObject({ id: asAdmin.body.user.id, role: 'staff' });
      // The role is read from the database: the earlier token lost the admin routes as well.
      expect((await app.http('GET', '/api/users', { token: asAdmin.body.accessToken })).status).toBe(403);
      const updates = await auditActions(app, 'user.updated');
      expect(updates.find((e) => e.targetId === asAdmin.body.user.id)).toMatchObject({ details: { changes: { role: { old: 'admin', new: 'staff' } }, via: 'sso' } });

      // A single string claim counts as well.
      idp.accounts.set('sub-gina', { sub: 'sub-gina', preferred_username: 'gina', groups: 'it-ops' as unknown as string[] });
      expect((await exchangeLanding(app, (await signInAtProvider(app, 'gina')).landing)).body.user.role).toBe('admin');
    });
  });

  describe('with PASSWORD_LOGIN=false', () => {
    let app: TestApp;
    let idp: TestOidcProvider;

    beforeAll(async () => {
      // startTestApp signs the bootstrap admin in with its password: the bootstrap still works.
      ({ app, idp } = await startAppWithProvider([{ sub: 'sub-hank', preferred_username: 'hank', groups: ['chat-admins'] }], {
        PASSWORD_LOGIN: 'false',
        OIDC_ROLE_CLAIM: 'groups',
        OIDC_ADMIN_VALUES: 'chat-admins',
      }));
    });
    afterAll(async () => {
      await app.close();
      await idp.close();
    });

    it('should refuse password sign-in to every local account but the bootstrap admin, until an admin signs in through SSO', async () => {
      const created = await app.http<UserAdminView>('POST', '/api/users', {
        token: app.adminToken,
        body: { username: 'local-ivy', password: 'local-ivy-password-long', displayName: 'Ivy', role: 'admin' },
      });
      expect(created.status).toBe(201);
      const ivy = await app.http('POST', '/api/auth/login', { body: { username: 'local-ivy', password: 'local-ivy-password-long' } });
      expect(ivy).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      expect((await app.http<AuthConfigResponse>('GET', '/api/auth/config')).body).toEqual({ sso: true, passwordLogin: true });
      expect((await app.http('POST', '/api/auth/login', { body: { username: ADMIN.username, password: ADMIN.password } })).status).toBe(200);

      const hank = await exchangeLanding(app, (await signInAtProvider(app, 'hank')).landing);
      expect(hank.body.user.role).toBe('admin');

      const bootstrap = await app.http('POST', '/api/auth/login', { body: { username: ADMIN.username, password: ADMIN.password } });
      expect(bootstrap).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      expect((await app.http<AuthConfigResponse>('GET', '/api/auth/config')).body).toEqual({ sso: true, passwordLogin: false });
      const failures = await auditActions(app, 'auth.login_failed');
      expect(failures.filter((e) => e.details['reason'] === 'password_login_disabled').length).toBeGreaterThanOrEqual(2);

      // The provider demotes the only SSO admin: the bootstrap admin's password is the way back in.
      idp.accounts.set('sub-hank', { sub: 'sub-hank', preferred_username: 'hank', groups: [] });
      expect((await exchangeLanding(app, (await signInAtProvider(app, 'hank')).landing)).body.user.role).toBe('staff');
      expect((await app.http('POST', '/api/auth/login', { body: { username: ADMIN.username, password: ADMIN.password } })).status).toBe(200);
      expect((await app.http('POST', '/api/auth/login', { body: { username: 'local-ivy', password: 'local-ivy-password-long' } })).status).toBe(403);
    });
  });

  describe('on two instances', () => {
    let first: TestApp;
    let second: TestApp;
    let idp: TestOidcProvider;

    beforeAll(async () => {
      idp = await startOidcProvider({ accounts: [{ sub: 'sub-jo', preferred_username: 'joan' }] });
      const env = { OIDC_ISSUER_URL: idp.issuer, OIDC_CLIENT_ID: OIDC_CLIENT.clientId, OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret };
      first = await startTestApp(env);
      // Behind one address as a load balancer would put them: the callback URL is the first's.
      second = await startTestApp({ ...env, OIDC_REDIRECT_URL: `${first.baseUrl}/api/auth/oidc/callback` }, first.database);
      idp.registerClient({ ...OIDC_CLIENT, redirectUris: [`${first.baseUrl}/api/auth/oidc/callback`] });
    });
    afterAll(async () => {
      await second.close();
      await first.close();
      await idp.close();
    });

    it('should finish on another instance a sign-in one instance started, and exchange its code on either', async () => {
      const browser = new CookieBrowser();
      const firstHost = new URL(first.baseUrl).host;
      const secondHost = new URL(second.baseUrl).host;
      const { landing } = await signInAtProvider(first, 'joan', {
        browser,
        tamperCallback: (url) => {
          // The balancer sends the callback to the other instance, with the browser's cookie.
          browser.setCookie(secondHost, ATTEMPT_COOKIE, browser.cookie(firstHost, ATTEMPT_COOKIE) ?? '');
          url.host = secondHost;
        },
      });
      expect(landing.origin).toBe(first.baseUrl);
      const session = await exchangeLanding(second, landing);
      expect(session.status).toBe(200);
      expect(session.body.user.username).toBe('joan');
      await expect(exchangeLanding(first, landing)).resolves.toMatchObject({ status: 401 });
      expect((await first.http('GET', '/api/auth/me', { token: session.body.accessToken })).status).toBe(200);
    });
  });
});
