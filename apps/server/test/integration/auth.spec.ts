import { JwtService } from '@nestjs/jwt';
import type { HttpErrorBody, LoginResponse, UserView } from '@chat/contract';
import { ADMIN, startTestApp, TestApp } from '../support/test-app.js';
import { ISO_8601, UUID } from '../support/patterns.js';


interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

describe('AuthController', () => {
  let t: TestApp;
  let jwt: JwtService;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_LOGIN_PER_MINUTE: '3', JWT_EXPIRES_IN: '15m' });
    jwt = new JwtService({ secret: t.config.jwtSecret });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /api/auth/login', () => {
    it('should answer 200 with a token, its lifetime and the user, and no password hash anywhere', async () => {
      const { user, password } = await t.createUser('staff');
      const response = await fetch(`${t.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user.username, password }),
      });
      const text = await response.text();
      const body = JSON.parse(text) as LoginResponse;

      expect(response.status).toBe(200);
      expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresIn', 'user']);
      expect(body.expiresIn).toBe(15 * 60);
      expect(body.user).toEqual({ id: user.id, username: user.username, displayName: user.displayName, role: 'staff' });
      expect(text).not.toMatch(/scrypt|password/i);
      const claims = jwt.decode<{ sub: string; role: string; exp: number; iat: number }>(body.accessToken);
      expect(claims.sub).toBe(user.id);
      expect(claims.exp - claims.iat).toBe(15 * 60);
    });

    it('should accept the username in any case', async () => {
      const { user, password } = await t.createUser('staff');
      const body = await t.login(user.username.toUpperCase(), password);
      expect(body.user.id).toBe(user.id);
    });

    it('should answer 401 with the same body for a wrong password and for an unknown user', async () => {
      const { user } = await t.createUser('staff');
      const wrongPassword = await t.http<HttpErrorBody>('POST', '/api/auth/login', {
        body: { username: user.username, password: 'not-the-password' },
      });
      const unknownUser = await t.http<HttpErrorBody>('POST', '/api/auth/login', {
        body: { username: 'nobody-by-that-name', password: 'not-the-password' },
      });

      expect(wrongPassword).toEqual({
        status: 401,
        body: { statusCode: 401, code: 'UNAUTHORIZED', message: 'Invalid username or password' },
      });
      expect(unknownUser).toEqual(wrongPassword);
    });

    it('should answer 401 with the same body for a disabled account with the right password', async () => {
      const { user, password } = await t.createUser('staff');
      await t.http('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { disabled: true } });
      const response = await t.http<HttpErrorBody>('POST', '/api/auth/login', { body: { username: user.username, password } });
      expect(response).toEqual({
        status: 401,
        body: { statusCode: 401, code: 'UNAUTHORIZED', message: 'Invalid username or password' },
      });
    });

    it('should answer 400 VALIDATION_FAILED for a body without a password', async () => {
      const response = await t.http<HttpErrorBody>('POST', '/api/auth/login', { body: { username: 'someone-else' } });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details).toEqual(expect.arrayContaining([expect.stringContaining('password')]));
    });

    it('should answer 429 RATE_LIMITED with Retry-After once one address tries one username too often', async () => {
      const { user, password } = await t.createUser('staff');
      const attempt = () =>
        fetch(`${t.baseUrl}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: user.username, password: 'wrong-password' }),
        });
      // createUser already logged in once: two more attempts use up the budget of 3.
      expect((await attempt()).status).toBe(401);
      expect((await attempt()).status).toBe(401);

      const limited = await attempt();
      const body = (await limited.json()) as HttpErrorBody;
      expect(limited.status).toBe(429);
      expect(body.code).toBe('RATE_LIMITED');
      expect(body.retryAfterMs).toBeGreaterThan(0);
      expect(body.retryAfterMs).toBeLessThanOrEqual(60_000);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(retryAfter).toBe(Math.ceil(body.retryAfterMs! / 1000));

      // Even the right password waits now; another username from the same address does not.
      const rightPassword = await t.http('POST', '/api/auth/login', { body: { username: user.username, password } });
      expect(rightPassword.status).toBe(429);
      const other = await t.createUser('staff');
      expect((await t.login(other.user.username, other.password)).user.id).toBe(other.user.id);
    });
  });

  describe('GET /api/auth/me', () => {
    const UNLIMITED_QUOTA = {
      daily: { limit: null, used: 0, resetsAt: expect.stringMatching(ISO_8601) },
      monthly: { limit: null, used: 0, resetsAt: expect.stringMatching(ISO_8601) },
    };

    it('should return the caller', async () => {
      const { user, token } = await t.createUser('staff');
      const response = await t.http<UserView>('GET', '/api/auth/me', { token });
      expect(response).toEqual({
        status: 200,
        body: { id: user.id, username: user.username, displayName: user.displayName, role: 'staff', quota: UNLIMITED_QUOTA },
      });
    });

    it('should tell the sign-in page that only the password form is on when single sign-on is not configured', async () => {
      expect(await t.http('GET', '/api/auth/config')).toEqual({ status: 200, body: { sso: false, passwordLogin: true } });
      // No provider, no SSO routes.
      expect((await t.http('GET', '/api/auth/oidc/login')).status).toBe(404);
    });

    it('should return the admin created at start-up', async () => {
      const response = await t.http<UserView>('GET', '/api/auth/me', { token: t.adminToken });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ id: expect.stringMatching(UUID), username: ADMIN.username, displayName: 'Administrator', role: 'admin', quota: UNLIMITED_QUOTA });
    });
  });

  describe('tokens', () => {
    const unauthorized = (message: string) => ({ status: 401, body: { statusCode: 401, code: 'UNAUTHORIZED', message } });

    it('should answer 401 UNAUTHORIZED on every /api route listed in the docs when no token is sent', async () => {
      const docs = await t.http<OpenApiDocument>('GET', '/api/docs-json');
      const uuid = '00000000-0000-4000-8000-000000000000';
      const checked: string[] = [];
      for (const [path, operations] of Object.entries(docs.body.paths)) {
        if (!path.startsWith('/api/')) continue;
        for (const method of Object.keys(operations)) {
          if (path === '/api/auth/login' && method === 'post') continue;
          // The sign-in page reads it before anyone is signed in.
          if (path === '/api/auth/config' && method === 'get') continue;
          const url = path.replace('{roomId}', 'general').replace(/\{(id|userId)\}/g, uuid);
          const body = ['post', 'put', 'patch'].includes(method) ? {} : undefined;
          const response = await t.http(method.toUpperCase(), url, { body });
          expect({ route: `${method} ${path}`, ...response }).toEqual({ route: `${method} ${path}`, ...unauthorized('Missing access token') });
          checked.push(`${method.toUpperCase()} ${path}`);
        }
      }
      expect(checked).toEqual(
        expect.arrayContaining([
          'GET /api/auth/me',
          'GET /api/users',
          'POST /api/users',
          'PATCH /api/users/{id}',
          'GET /api/rooms',
          'POST /api/rooms',
          'GET /api/rooms/{roomId}',
          'PATCH /api/rooms/{roomId}',
          'GET /api/rooms/{roomId}/members',
          'PUT /api/rooms/{roomId}/members/{userId}',
          'DELETE /api/rooms/{roomId}/members/{userId}',
          'GET /api/rooms/{roomId}/messages',
          'POST /api/rooms/{roomId}/messages',
          'GET /api/admin/stats',
        ]),
      );
    });

    it('should answer 401 for a header that is not a bearer token', async () => {
      const response = await fetch(`${t.baseUrl}/api/auth/me`, { headers: { authorization: `Basic ${btoa('admin:x')}` } });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(unauthorized('Missing access token').body);
    });

    it('should answer 401 for a token signed with another secret', async () => {
      const { user } = await t.createUser('staff');
      const forged = await new JwtService({ secret: 'another-secret-that-is-long-enough-0123456789' }).signAsync({
        sub: user.id,
        username: user.username,
        role: 'admin',
      });
      expect(await t.http('GET', '/api/auth/me', { token: forged })).toEqual(unauthorized('Invalid access token'));
    });

    it('should answer 401 for an unsigned ("alg: none") token', async () => {
      const { user } = await t.createUser('staff');
      const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: user.id, role: 'admin', iat: now, exp: now + 600 })}.`;
      expect(await t.http('GET', '/api/auth/me', { token: unsigned })).toEqual(unauthorized('Invalid access token'));
    });

    it('should answer 401 for an expired token', async () => {
      const { user } = await t.createUser('staff');
      const now = Math.floor(Date.now() / 1000);
      const expired = await jwt.signAsync({ sub: user.id, username: user.username, role: 'staff', iat: now - 120, exp: now - 60 });
      expect(await t.http('GET', '/api/auth/me', { token: expired })).toEqual(unauthorized('Access token expired'));
    });

    it('should answer 401 once the account is disabled, for a token issued before', async () => {
      const { user, token } = await t.createUser('staff');
      expect((await t.http('GET', '/api/auth/me', { token })).status).toBe(200);
      const patched = await t.http('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { disabled: true } });
      expect(patched.status).toBe(200);
      expect(await t.http('GET', '/api/auth/me', { token })).toEqual(unauthorized('Account is disabled or no longer exists'));
      expect(await t.http('GET', '/api/rooms', { token })).toEqual(unauthorized('Account is disabled or no longer exists'));
    });

    it('should answer 401 for a well-signed token whose subject does not exist or is not a uuid', async () => {
      const ghost = await jwt.signAsync({ sub: '00000000-0000-4000-8000-000000000000', username: 'ghost', role: 'admin' }, { expiresIn: 60 });
      const garbage = await jwt.signAsync({ sub: 'not-a-uuid', username: 'ghost', role: 'admin' }, { expiresIn: 60 });
      expect(await t.http('GET', '/api/auth/me', { token: ghost })).toEqual(unauthorized('Account is disabled or no longer exists'));
      expect(await t.http('GET', '/api/auth/me', { token: garbage })).toEqual(unauthorized('Account is disabled or no longer exists'));
    });

    it('should take the role from the database, not from the token', async () => {
      const { user } = await t.createUser('staff');
      const claimsAdmin = await jwt.signAsync({ sub: user.id, username: user.username, role: 'admin' }, { expiresIn: 60 });
      const me = await t.http<UserView>('GET', '/api/auth/me', { token: claimsAdmin });
      expect(me.body.role).toBe('staff');
      const users = await t.http<HttpErrorBody>('GET', '/api/users', { token: claimsAdmin });
      expect(users.status).toBe(403);
      expect(users.body.code).toBe('FORBIDDEN');
    });
  });

  describe('API docs', () => {
    it('should serve the Swagger UI at /api/docs without a token', async () => {
      const response = await fetch(`${t.baseUrl}/api/docs`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toContain('swagger');
    });

    it('should serve the OpenAPI document at /api/docs-json without a token, listing the main paths', async () => {
      const response = await t.http<OpenApiDocument & { openapi: string; components: { securitySchemes: object } }>('GET', '/api/docs-json');
      expect(response.status).toBe(200);
      expect(response.body.openapi).toMatch(/^3\./);
      expect(Object.keys(response.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/auth/login',
          '/api/auth/me',
          '/api/users',
          '/api/users/{id}',
          '/api/users/directory',
          '/api/rooms',
          '/api/rooms/{roomId}',
          '/api/rooms/{roomId}/members',
          '/api/rooms/{roomId}/members/{userId}',
          '/api/rooms/{roomId}/messages',
          '/api/rooms/{roomId}/messages/{messageId}',
          '/api/rooms/{roomId}/messages/{messageId}/reactions/{emoji}',
          '/api/rooms/{roomId}/messages/{messageId}/thread',
          '/api/rooms/{roomId}/read',
          '/api/search/messages',
          '/api/admin/stats',
          '/health/live',
          '/health/ready',
        ]),
      );
      expect(response.body.components.securitySchemes).toHaveProperty('bearer');
    });
  });

  describe('errors outside the controllers', () => {
    it('should answer an unknown /api route with 404 NOT_FOUND in the contract shape', async () => {
      const response = await t.http<HttpErrorBody>('GET', '/api/no-such-thing', { token: t.adminToken });
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    });

    it('should answer malformed JSON with 400 VALIDATION_FAILED in the contract shape', async () => {
      const response = await fetch(`${t.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"username": "admin", ',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });
  });
});
