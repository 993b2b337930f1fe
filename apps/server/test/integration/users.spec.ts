import type { HttpErrorBody, UserAdminView } from '@chat/contract';
import { captureOutput } from '../support/capture-output.js';
import { ADMIN, startTestApp, TestApp } from '../support/test-app.js';
import { UUID, ISO_8601 as ISO } from '../support/patterns.js';


describe('UsersController', () => {
  let t: TestApp;
  let staffToken: string;

  beforeAll(async () => {
    t = await startTestApp();
    staffToken = (await t.createUser('staff')).token;
  });
  afterAll(async () => {
    await t.close();
  });

  const newUser = (username: string) => ({ username, password: 'a-long-enough-password', displayName: 'Zoe Example', role: 'staff' });

  describe('POST /api/users', () => {
    it('should create a user and answer 201 with the admin view, without the hash', async () => {
      const response = await fetch(`${t.baseUrl}/api/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
        body: JSON.stringify({ ...newUser('zoe'), displayName: '  Zoe Example  ' }),
      });
      const text = await response.text();
      const body = JSON.parse(text) as UserAdminView;

      expect(response.status).toBe(201);
      expect(body).toEqual({
        id: expect.stringMatching(UUID),
        username: 'zoe',
        displayName: 'Zoe Example',
        role: 'staff',
        disabled: false,
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      });
      expect(text).not.toMatch(/scrypt|password/i);
      expect((await t.login('zoe', 'a-long-enough-password')).user.id).toBe(body.id);
    });

    it('should answer 409 CONFLICT for a username taken in another case, without printing the new hash', async () => {
      expect((await t.http('POST', '/api/users', { token: t.adminToken, body: newUser('Casey') })).status).toBe(201);
      const output = captureOutput();
      const response = await t.http<HttpErrorBody>('POST', '/api/users', { token: t.adminToken, body: newUser('CASEY') });
      output.restore();
      expect(response).toEqual({ status: 409, body: { statusCode: 409, code: 'CONFLICT', message: 'Username "CASEY" is taken' } });
      expect(output.text()).not.toContain('scrypt$');
    });

    it('should answer 400 VALIDATION_FAILED with one detail per rejected field', async () => {
      const response = await t.http<HttpErrorBody>('POST', '/api/users', {
        token: t.adminToken,
        body: { username: 'a b', password: 'short', displayName: '', role: 'owner' },
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.message).toBe(response.body.details![0]);
      expect(response.body.details!.sort()).toEqual(
        [
          'displayName must be longer than or equal to 1 characters',
          'displayName must not be blank',
          'password must be longer than or equal to 12 characters',
          'role must be one of the following values: admin, staff, service',
          'username must be 3-64 letters, digits, dots, dashes or underscores',
        ].sort(),
      );
    });

    it('should answer 400 for a display name that is only whitespace, on create and on update', async () => {
      const created = await t.http<HttpErrorBody>('POST', '/api/users', { token: t.adminToken, body: { ...newUser('blank'), displayName: '   ' } });
      expect(created.status).toBe(400);
      expect(created.body.details).toEqual(['displayName must not be blank']);
      const { user } = await t.createUser('staff');
      const updated = await t.http<HttpErrorBody>('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { displayName: ' ' } });
      expect(updated.status).toBe(400);
      expect(updated.body.details).toEqual(['displayName must not be blank']);
    });

    it('should answer 400 for a missing body', async () => {
      const response = await t.http<HttpErrorBody>('POST', '/api/users', { token: t.adminToken });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details).toEqual(expect.arrayContaining([expect.stringContaining('username')]));
    });

    it('should reject unknown fields, such as a password hash or an id', async () => {
      const response = await t.http<HttpErrorBody>('POST', '/api/users', {
        token: t.adminToken,
        body: { ...newUser('mallory'), passwordHash: 'scrypt$1$1$1$x$y', id: '00000000-0000-4000-8000-000000000000' },
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details!.sort()).toEqual(['property id should not exist', 'property passwordHash should not exist']);
      const list = await t.http<UserAdminView[]>('GET', '/api/users', { token: t.adminToken });
      expect(list.body.map((u) => u.username)).not.toContain('mallory');
    });

    it('should answer 403 FORBIDDEN to staff', async () => {
      const response = await t.http<HttpErrorBody>('POST', '/api/users', { token: staffToken, body: newUser('sneaky') });
      expect(response).toEqual({ status: 403, body: { statusCode: 403, code: 'FORBIDDEN', message: 'This needs the admin role' } });
    });
  });

  describe('GET /api/users', () => {
    it('should list every user by username, without hashes', async () => {
      await t.http('POST', '/api/users', { token: t.adminToken, body: newUser('aaron') });
      const response = await fetch(`${t.baseUrl}/api/users`, { headers: { authorization: `Bearer ${t.adminToken}` } });
      const text = await response.text();
      const users = JSON.parse(text) as UserAdminView[];

      expect(response.status).toBe(200);
      expect(text).not.toMatch(/scrypt|passwordHash/);
      const names = users.map((u) => u.username);
      expect(names).toEqual(expect.arrayContaining([ADMIN.username, 'aaron']));
      expect(names).toEqual([...names].sort());
      for (const user of users) {
        expect(Object.keys(user).sort()).toEqual(['createdAt', 'disabled', 'displayName', 'id', 'role', 'updatedAt', 'username']);
      }
    });

    it('should answer 403 FORBIDDEN to staff', async () => {
      const response = await t.http<HttpErrorBody>('GET', '/api/users', { token: staffToken });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    });
  });

  describe('PATCH /api/users/:id', () => {
    it('should change the display name, role and disabled flag', async () => {
      const { user } = await t.createUser('staff');
      const response = await t.http<UserAdminView>('PATCH', `/api/users/${user.id}`, {
        token: t.adminToken,
        body: { displayName: ' Renamed ', role: 'admin', disabled: true },
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ ...user, displayName: 'Renamed', role: 'admin', disabled: true, updatedAt: expect.stringMatching(ISO) });
      expect(Date.parse(response.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(user.updatedAt));

      const again = await t.http<UserAdminView>('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { disabled: false } });
      expect(again.body).toMatchObject({ displayName: 'Renamed', role: 'admin', disabled: false });
    });

    it('should let a promoted user act as admin and a demoted one no longer, with the tokens they already hold', async () => {
      const { user, token } = await t.createUser('staff');
      expect((await t.http('GET', '/api/users', { token })).status).toBe(403);
      await t.http('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { role: 'admin' } });
      expect((await t.http('GET', '/api/users', { token })).status).toBe(200);
      await t.http('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { role: 'staff' } });
      expect((await t.http('GET', '/api/users', { token })).status).toBe(403);
    });

    it('should answer 400 for an unknown field or a bad role', async () => {
      const { user } = await t.createUser('staff');
      const unknown = await t.http<HttpErrorBody>('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { username: 'renamed' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.details).toEqual(['property username should not exist']);
      const badRole = await t.http<HttpErrorBody>('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { role: 'root', disabled: 'yes' } });
      expect(badRole.status).toBe(400);
      expect(badRole.body.details!.sort()).toEqual(['disabled must be a boolean value', 'role must be one of the following values: admin, staff']);
    });

    it('should answer 404 NOT_FOUND for an unknown id', async () => {
      const response = await t.http<HttpErrorBody>('PATCH', '/api/users/00000000-0000-4000-8000-000000000000', {
        token: t.adminToken,
        body: { displayName: 'x' },
      });
      expect(response).toEqual({ status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'User not found' } });
    });

    it('should answer 400 VALIDATION_FAILED for an id that is not a uuid', async () => {
      const response = await t.http<HttpErrorBody>('PATCH', '/api/users/not-a-uuid', { token: t.adminToken, body: { displayName: 'x' } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.stringContaining('uuid') });
    });

    it('should answer 403 FORBIDDEN to staff, even for their own account', async () => {
      const { user, token } = await t.createUser('staff');
      const response = await t.http<HttpErrorBody>('PATCH', `/api/users/${user.id}`, { token, body: { role: 'admin' } });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
      const list = await t.http<UserAdminView[]>('GET', '/api/users', { token: t.adminToken });
      expect(list.body.find((u) => u.id === user.id)?.role).toBe('staff');
    });
  });

  describe('GET /api/users/directory', () => {
    it('should list enabled people, not service accounts, to any signed-in user, and match q', async () => {
      const wanted = await t.createUser('staff', 'directory-dana');
      const gone = await t.createUser('staff', 'directory-gone');
      await t.http('PATCH', `/api/users/${gone.user.id}`, { token: t.adminToken, body: { disabled: true } });
      const bot = await t.http<UserAdminView>('POST', '/api/users', { token: t.adminToken, body: { username: 'directory-bot', displayName: 'Directory Bot', role: 'service' } });
      expect(bot.status).toBe(201);

      const all = await t.http<{ id: string; username: string; displayName: string }[]>('GET', '/api/users/directory', { token: staffToken });
      expect(all.status).toBe(200);
      const ids = all.body.map((u) => u.id);
      expect(ids).toContain(wanted.user.id);
      expect(ids).not.toContain(gone.user.id);
      expect(ids).not.toContain(bot.body.id);
      expect(Object.keys(all.body[0]).sort()).toEqual(['displayName', 'id', 'username']);

      const matched = await t.http<{ id: string }[]>('GET', '/api/users/directory?q=dIrEcToRy-d', { token: staffToken });
      expect(matched.body.map((u) => u.id)).toEqual([wanted.user.id]);
      // LIKE wildcards in q are literal characters.
      expect((await t.http<unknown[]>('GET', '/api/users/directory?q=%25', { token: staffToken })).body).toEqual([]);
    });

    it('should refuse bad input and anonymous callers', async () => {
      expect((await t.http('GET', '/api/users/directory?limit=0', { token: staffToken })).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect((await t.http('GET', `/api/users/directory?q=${'x'.repeat(65)}`, { token: staffToken })).body).toMatchObject({ statusCode: 400 });
      expect((await t.http('GET', '/api/users/directory')).status).toBe(401);
    });
  });
});
