import { jest } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoginResponse, UserAdminView } from '@chat/contract';
import { createApp } from '../../src/app/create-app.js';
import { captureOutput } from '../support/capture-output.js';
import { createTestDatabase } from '../support/postgres.js';
import { disconnectedFrom, refusedHandshake } from '../support/realtime-helpers.js';
import { testConfig } from '../support/test-config.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const NEW_PASSWORD = 'a brand new passphrase';

describe('Credentials (audit point 7)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // nestjs-pino keeps the first app's logger for the whole file: warn, so the generated-password line below shows.
    t = await startTestApp({ RATE_LIMIT_LOGIN_PER_MINUTE: '1000', RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE: '1000', LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await t.close();
  });

  const loginStatus = async (username: string, password: string) =>
    (await t.http('POST', '/api/auth/login', { body: { username, password } })).status;

  describe('POST /api/auth/password', () => {
    it('should refuse a wrong current password', async () => {
      const { token, password } = await t.createUser();
      const answer = await t.http('POST', '/api/auth/password', { token, body: { currentPassword: `${password}x`, newPassword: NEW_PASSWORD } });
      expect(answer).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    });

    it.each([
      ['shorter than 12 characters', () => 'elevenchars'],
      ['the username', (username: string) => username.toUpperCase()],
      ['a common password', () => 'Password1234'],
      ['another common one', () => 'qwertyuiop123'],
    ])('should refuse a new password that is %s', async (_name, make) => {
      const { user, token, password } = await t.createUser();
      const answer = await t.http('POST', '/api/auth/password', { token, body: { currentPassword: password, newPassword: make(user.username) } });
      expect(answer).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await loginStatus(user.username, password)).toBe(200);
    });

    it('should change it, revoke every earlier token and socket, and return a working new token', async () => {
      const { user, token, password } = await t.createUser();
      const otherSession = (await t.login(user.username, password)).accessToken;
      const socket = await t.connect(otherSession);
      const dropped = disconnectedFrom(socket);

      const answer = await t.http<LoginResponse>('POST', '/api/auth/password', { token, body: { currentPassword: password, newPassword: NEW_PASSWORD } });
      expect(answer.status).toBe(200);
      expect(await dropped).toBe('io server disconnect');
      for (const old of [token, otherSession]) expect((await t.http('GET', '/api/auth/me', { token: old })).status).toBe(401);
      expect((await t.http('GET', '/api/auth/me', { token: answer.body.accessToken })).status).toBe(200);
      expect(await loginStatus(user.username, password)).toBe(401);
      expect(await loginStatus(user.username, NEW_PASSWORD)).toBe(200);
    });
  });

  describe('POST /api/auth/logout', () => {
    it('should revoke the token at once, and close its sockets', async () => {
      const { token } = await t.createUser();
      const socket = await t.connect(token);
      const dropped = disconnectedFrom(socket);
      expect((await t.http('POST', '/api/auth/logout', { token })).status).toBe(204);
      expect(await dropped).toBe('io server disconnect');
      expect(await t.http('GET', '/api/auth/me', { token })).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
      expect((await refusedHandshake(t, token)).data?.code).toBe('UNAUTHORIZED');
    });
  });

  describe('admin reset (POST /api/users/:id/password)', () => {
    it('should set a password that only allows changing it, and end the sessions', async () => {
      const { user, token } = await t.createUser();
      const reset = await t.http<UserAdminView>('POST', `/api/users/${user.id}/password`, { token: t.adminToken, body: { newPassword: 'temporary reset pass' } });
      expect(reset.status).toBe(200);
      expect((await t.http('GET', '/api/auth/me', { token })).status).toBe(401);

      const session = await t.login(user.username, 'temporary reset pass');
      expect(session.user.mustChangePassword).toBe(true);
      expect(await t.http('GET', '/api/rooms', { token: session.accessToken })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      expect((await refusedHandshake(t, session.accessToken)).data?.code).toBe('UNAUTHORIZED');
      expect((await t.http('GET', '/api/auth/me', { token: session.accessToken })).status).toBe(200);

      const changed = await t.http<LoginResponse>('POST', '/api/auth/password', {
        token: session.accessToken,
        body: { currentPassword: 'temporary reset pass', newPassword: NEW_PASSWORD },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.user.mustChangePassword).toBeUndefined();
      expect((await t.http('GET', '/api/rooms', { token: changed.body.accessToken })).status).toBe(200);
    });

    it('should be for admins only', async () => {
      const { user, token } = await t.createUser();
      expect((await t.http('POST', `/api/users/${user.id}/password`, { token, body: { newPassword: NEW_PASSWORD } })).status).toBe(403);
    });
  });

  it('should refuse a well-signed token without exp on REST and socket', async () => {
    const { user } = await t.createUser();
    const timeless = await new JwtService({ secret: t.config.jwtSecret }).signAsync({ sub: user.id, username: user.username, role: user.role });
    expect(await t.http('GET', '/api/auth/me', { token: timeless })).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    expect((await refusedHandshake(t, timeless)).data?.code).toBe('UNAUTHORIZED');
  });

  it('should refuse a new user with a password against the policy', async () => {
    for (const password of ['short-pass', 'password1234', 'policy-user-1']) {
      const answer = await t.http('POST', '/api/users', { token: t.adminToken, body: { username: 'policy-user-1', password, displayName: 'P', role: 'staff' } });
      expect(answer).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('should write a generated admin password to a 0600 file in DATA_DIR, log only its path, and require a change at first sign-in', async () => {
    const database = await createTestDatabase();
    const logs = captureOutput().lines;
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-admin-password-'));
    const app = await createApp(testConfig(database.url, { ADMIN_USERNAME: 'root-admin', DATA_DIR: dataDir }));
    try {
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as { port: number };
      const file = join(dataDir, 'admin-password');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = readFileSync(file, 'utf8').trim();
      expect(password.length).toBeGreaterThanOrEqual(16);
      expect(logs.filter((line) => line.includes(file))).toHaveLength(1);
      expect(logs.join('\n')).not.toContain(password);
      const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'root-admin', password }),
      });
      expect(response.status).toBe(200);
      const login = (await response.json()) as LoginResponse;
      expect(login.user).toMatchObject({ role: 'admin', mustChangePassword: true });
      const users = await fetch(`http://127.0.0.1:${port}/api/users`, { headers: { authorization: `Bearer ${login.accessToken}` } });
      expect(users.status).toBe(403);
    } finally {
      jest.restoreAllMocks();
      await app.close();
      await database.drop();
    }
  });
});
