import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { AuditAction, AuditEntry, AuditPage, HttpErrorBody, UserAdminView } from '@chat/contract';
import { FakeOpenAiServer } from '@chat/server-testing';
import { AuditService } from '../../src/audit/audit.service.js';
import { loadConfig } from '../../src/config/app-config.js';
import { createRoom, joinRoom, replyEnded, replyStarted, send } from '../support/assistant-helpers.js';
import { uploadJson } from '../support/knowledge-helpers.js';
import { ISO_8601, UUID } from '../support/patterns.js';
import { emitWithAck, startTestApp, TestApp } from '../support/test-app.js';

const LONG = Array.from({ length: 60 }, (_, i) => `w${i} `);

describe('audit log', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: UserAdminView;
  const fake = new FakeOpenAiServer();

  beforeAll(async () => {
    t = await startTestApp({ OPENAI_BASE_URL: await fake.start(), LLM_MODEL: 'fake-model', LLM_COALESCE_MS: '10', RATE_LIMIT_REST_PER_MINUTE: '100000', RATE_LIMIT_LOGIN_PER_MINUTE: '1000' });
    db = t.app.get(DataSource);
    admin = (await t.http<UserAdminView[]>('GET', '/api/users', { token: t.adminToken })).body[0];
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  async function audit(query: Record<string, string | number> = {}, token = t.adminToken): Promise<AuditPage> {
    const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    const response = await t.http<AuditPage>('GET', `/api/admin/audit?${search}`, { token });
    expect(response.status).toBe(200);
    return response.body;
  }
  const entriesFor = async (action: AuditAction, targetId?: string) =>
    (await audit({ action, limit: 200 })).entries.filter((entry) => targetId === undefined || entry.targetId === targetId);

  /** A REST call with its own X-Request-Id, as a proxy would send. */
  async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: unknown; requestId: string }> {
    const requestId = `audit-${randomUUID()}`;
    const response = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, requestId };
  }

  /** Makes the next audit insert of `action` fail inside the database, so the change it belongs to must roll back. */
  async function failingAudit<T>(action: AuditAction, work: () => Promise<T>): Promise<T> {
    await db.query(`CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused for the test'; END $$`);
    await db.query(`CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW WHEN (NEW.action = '${action}') EXECUTE FUNCTION test_refuse_audit()`);
    try {
      return await work();
    } finally {
      await db.query(`DROP TRIGGER test_refuse_audit ON audit_log`);
      await db.query(`DROP FUNCTION test_refuse_audit()`);
    }
  }

  describe('each action', () => {
    it('should record auth.login with the actor, the address and the request id', async () => {
      const { user, password } = await t.createUser('staff');
      const response = await fetch(`${t.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'login-req-1' },
        body: JSON.stringify({ username: user.username, password }),
      });
      expect(response.status).toBe(200);
      const [entry] = (await audit({ action: 'auth.login', actorId: user.id })).entries;
      expect(entry).toEqual({
        id: expect.stringMatching(/^\d+$/),
        at: expect.stringMatching(ISO_8601),
        action: 'auth.login',
        actorId: user.id,
        actorUsername: user.username,
        targetType: 'user',
        targetId: user.id,
        roomId: null,
        ip: expect.stringMatching(/127\.0\.0\.1|::1/),
        requestId: 'login-req-1',
        details: {},
      });
    });

    it('should record auth.login_failed for a wrong password, an unknown user and a disabled account, without the password', async () => {
      const { user, password } = await t.createUser('staff');
      const wrong = `wrong-${randomUUID()}`;
      expect((await t.http('POST', '/api/auth/login', { body: { username: user.username, password: wrong } })).status).toBe(401);
      const ghost = `ghost-${randomUUID().slice(0, 8)}`;
      expect((await t.http('POST', '/api/auth/login', { body: { username: ghost, password: wrong } })).status).toBe(401);
      expect((await t.http('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { disabled: true } })).status).toBe(200);
      expect((await t.http('POST', '/api/auth/login', { body: { username: user.username, password } })).status).toBe(401);

      const failed = await entriesFor('auth.login_failed');
      expect(failed.find((e) => e.actorUsername === ghost)).toMatchObject({ actorId: null, targetId: null, details: { reason: 'unknown_user' } });
      const mine = failed.filter((e) => e.actorId === user.id).map((e) => e.details['reason']);
      expect(mine.sort()).toEqual(['disabled', 'wrong_password']);
      expect(JSON.stringify(failed)).not.toContain(wrong);
      expect(JSON.stringify(failed)).not.toContain(password);
    });

    it('should record user.created by the admin, and nothing when the insert fails (taken username)', async () => {
      const username = `newbie_${randomUUID().slice(0, 6)}`;
      const created = await call('POST', '/api/users', t.adminToken, { username, password: 'a-long-password', displayName: 'New Bie', role: 'staff' });
      expect(created.status).toBe(201);
      const id = (created.body as UserAdminView).id;
      expect(await entriesFor('user.created', id)).toEqual([
        expect.objectContaining({ actorId: admin.id, actorUsername: 'admin', targetType: 'user', requestId: created.requestId, details: { username, displayName: 'New Bie', role: 'staff' } }),
      ]);
      expect((await t.http('POST', '/api/users', { token: t.adminToken, body: { username: username.toUpperCase(), password: 'a-long-password', displayName: 'X', role: 'staff' } })).status).toBe(409);
      expect((await entriesFor('user.created')).filter((e) => String(e.details['username']).toLowerCase() === username)).toHaveLength(1);
    });

    it('should record user.updated with the old and new role, disabled flag and display name, and nothing for a no-op', async () => {
      const { user } = await t.createUser('staff');
      expect((await t.http('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { role: 'admin', disabled: true, displayName: 'Renamed' } })).status).toBe(200);
      expect((await t.http('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { role: 'admin' } })).status).toBe(200);
      expect(await entriesFor('user.updated', user.id)).toEqual([
        expect.objectContaining({
          actorId: admin.id,
          details: {
            username: user.username,
            changes: { role: { old: 'staff', new: 'admin' }, disabled: { old: false, new: true }, displayName: { old: user.displayName, new: 'Renamed' } },
          },
        }),
      ]);
    });

    it('should record auth.logout and auth.password_changed (own change and admin reset) with the request id, never a password', async () => {
      const { user, token, password } = await t.createUser('staff');
      const newPassword = `Fresh-${randomUUID()}`;
      const changed = await call('POST', '/api/auth/password', token, { currentPassword: password, newPassword });
      expect(changed.status).toBe(200);
      const fresh = (changed.body as { accessToken: string }).accessToken;
      const resetPassword = `Reset-${randomUUID()}`;
      const reset = await call('POST', `/api/users/${user.id}/password`, t.adminToken, { newPassword: resetPassword });
      expect(reset.status).toBe(200);
      expect(await entriesFor('auth.password_changed', user.id)).toEqual([
        expect.objectContaining({ actorId: admin.id, actorUsername: 'admin', targetType: 'user', requestId: reset.requestId, details: { by: 'admin_reset', username: user.username } }),
        expect.objectContaining({ actorId: user.id, actorUsername: user.username, targetType: 'user', requestId: changed.requestId, details: { by: 'self' } }),
      ]);

      const again = await t.login(user.username, resetPassword);
      const logout = await call('POST', '/api/auth/logout', again.accessToken);
      expect(logout.status).toBe(204);
      expect(await entriesFor('auth.logout', user.id)).toEqual([
        expect.objectContaining({ actorId: user.id, actorUsername: user.username, targetType: 'user', targetId: user.id, requestId: logout.requestId }),
      ]);
      // The token from before the reset was already revoked: no second logout entry.
      expect((await call('POST', '/api/auth/logout', fresh)).status).toBe(401);
      expect(await entriesFor('auth.logout', user.id)).toHaveLength(1);
      const all = JSON.stringify(await audit({ actorId: user.id, limit: 200 }));
      for (const secret of [password, newPassword, resetPassword]) expect(all).not.toContain(secret);
    });

    it('should record room.created, room.updated, room.member_added and room.member_removed with the room', async () => {
      const owner = await t.createUser('staff');
      const guest = await t.createUser('staff');
      const roomId = `audit-${randomUUID().slice(0, 8)}`;
      await createRoom(t, owner.token, { id: roomId, name: 'Finance', visibility: 'private' });
      expect((await t.http('POST', '/api/rooms', { token: owner.token, body: { id: roomId, name: 'Again', visibility: 'public' } })).status).toBe(409);
      expect((await t.http('PATCH', `/api/rooms/${roomId}`, { token: owner.token, body: { name: 'Finance team', aiEnabled: false } })).status).toBe(200);
      expect((await t.http('PUT', `/api/rooms/${roomId}/members/${guest.user.id}`, { token: owner.token, body: {} })).status).toBe(200);
      // The same membership again changes nothing and records nothing.
      expect((await t.http('PUT', `/api/rooms/${roomId}/members/${guest.user.id}`, { token: owner.token, body: {} })).status).toBe(200);
      expect((await t.http('DELETE', `/api/rooms/${roomId}/members/${guest.user.id}`, { token: t.adminToken })).status).toBe(204);
      expect((await t.http('DELETE', `/api/rooms/${roomId}/members/${guest.user.id}`, { token: t.adminToken })).status).toBe(404);

      const { entries } = await audit({ roomId });
      expect(entries.map((e) => [e.action, e.actorUsername])).toEqual([
        ['room.member_removed', 'admin'],
        ['room.member_added', owner.user.username],
        ['room.updated', owner.user.username],
        ['room.created', owner.user.username],
      ]);
      expect(entries[0]).toMatchObject({ targetType: 'user', targetId: guest.user.id, details: { username: guest.user.username, role: 'member', self: false } });
      expect(entries[1]).toMatchObject({ targetId: guest.user.id, details: { role: 'member', previousRole: null } });
      expect(entries[2].details).toEqual({ changes: { name: { old: 'Finance', new: 'Finance team' }, aiEnabled: { old: true, new: false } } });
      expect(entries[3]).toMatchObject({ targetType: 'room', targetId: roomId, details: { name: 'Finance', visibility: 'private', aiEnabled: true } });
    });

    it('should record knowledge.uploaded and knowledge.deleted', async () => {
      const content = `# Expenses\n\nReceipts within 30 days. ${randomUUID()}`;
      const uploaded = await uploadJson(t, t.adminToken, { title: 'Expenses', content });
      expect(uploaded.status).toBe(201);
      expect((await t.http('DELETE', `/api/knowledge/documents/${uploaded.body.id}`, { token: t.adminToken })).status).toBe(204);
      expect(await entriesFor('knowledge.uploaded', uploaded.body.id)).toEqual([
        expect.objectContaining({ actorId: admin.id, targetType: 'knowledge_document', roomId: null, details: expect.objectContaining({ title: 'Expenses', chunkCount: 1 }) }),
      ]);
      expect(await entriesFor('knowledge.deleted', uploaded.body.id)).toEqual([expect.objectContaining({ actorId: admin.id, details: { title: 'Expenses' } })]);
    });

    it('should record quota.updated with the old and new budgets', async () => {
      const { user } = await t.createUser('staff');
      expect((await t.http('PUT', `/api/admin/quotas/users/${user.id}`, { token: t.adminToken, body: { dailyTokens: 100, monthlyTokens: null } })).status).toBe(200);
      expect((await t.http('PUT', `/api/admin/quotas/users/${user.id}`, { token: t.adminToken, body: { dailyTokens: 200, monthlyTokens: 5000 } })).status).toBe(200);
      expect((await entriesFor('quota.updated', `user:${user.id}`)).map((e) => e.details)).toEqual([
        { userId: user.id, username: user.username, old: { dailyTokens: 100, monthlyTokens: null }, new: { dailyTokens: 200, monthlyTokens: 5000 } },
        { userId: user.id, username: user.username, old: null, new: { dailyTokens: 100, monthlyTokens: null } },
      ]);
    });

    it('should record ai.cancelled when someone other than the asker stops a reply, and not when the asker does', async () => {
      const owner = await t.createUser('staff');
      const asker = await t.createUser('staff');
      const roomId = `audit-ai-${randomUUID().slice(0, 6)}`;
      await createRoom(t, owner.token, { id: roomId, name: 'AI', visibility: 'public' });
      const [ownerSocket, askerSocket] = [await t.connect(owner.token), await t.connect(asker.token)];
      for (const socket of [ownerSocket, askerSocket]) await joinRoom(socket, roomId);

      const stop = async (by: typeof ownerSocket) => {
        fake.enqueue({ kind: 'stream', tokens: LONG, delayMs: 40 });
        const question = await send(askerSocket, roomId, '@ai a long story please');
        const start = await replyStarted(askerSocket, question);
        const ended = replyEnded(askerSocket, start.messageId);
        expect((await emitWithAck(by, 'ai_cancel', { messageId: start.messageId })).ok).toBe(true);
        expect((await ended).status).toBe('cancelled');
        return start.messageId;
      };
      const byOwner = await stop(ownerSocket);
      const byAsker = await stop(askerSocket);

      expect(await entriesFor('ai.cancelled', byOwner)).toEqual([
        expect.objectContaining({
          actorId: owner.user.id,
          actorUsername: owner.user.username,
          targetType: 'message',
          roomId,
          requestId: expect.stringMatching(UUID),
          ip: expect.stringMatching(/127\.0\.0\.1|::1/),
          details: expect.objectContaining({ askedBy: asker.user.id }),
        }),
      ]);
      expect(await entriesFor('ai.cancelled', byAsker)).toEqual([]);
    });
  });

  describe('written in the same transaction as the change', () => {
    it('should roll a user update back when its audit entry cannot be written', async () => {
      const { user } = await t.createUser('staff');
      const response = await failingAudit('user.updated', () => t.http('PATCH', `/api/users/${user.id}`, { token: t.adminToken, body: { role: 'admin' } }));
      expect(response.status).toBe(500);
      const users = (await t.http<UserAdminView[]>('GET', '/api/users', { token: t.adminToken })).body;
      expect(users.find((u) => u.id === user.id)?.role).toBe('staff');
    });

    it('should roll a room and its owner membership back when room.created cannot be written', async () => {
      const { token } = await t.createUser('staff');
      const roomId = `rollback-${randomUUID().slice(0, 8)}`;
      const response = await failingAudit('room.created', () => t.http('POST', '/api/rooms', { token, body: { id: roomId, name: 'Nope', visibility: 'public' } }));
      expect(response.status).toBe(500);
      expect(await db.query(`SELECT 1 FROM rooms WHERE id = $1`, [roomId])).toEqual([]);
      expect(await db.query(`SELECT 1 FROM room_members WHERE room_id = $1`, [roomId])).toEqual([]);
    });

    it('should keep a member when room.member_removed cannot be written', async () => {
      const owner = await t.createUser('staff');
      const guest = await t.createUser('staff');
      const roomId = `rollback-${randomUUID().slice(0, 8)}`;
      await createRoom(t, owner.token, { id: roomId, name: 'Keep', visibility: 'private' });
      expect((await t.http('PUT', `/api/rooms/${roomId}/members/${guest.user.id}`, { token: owner.token, body: {} })).status).toBe(200);
      const response = await failingAudit('room.member_removed', () => t.http('DELETE', `/api/rooms/${roomId}/members/${guest.user.id}`, { token: owner.token }));
      expect(response.status).toBe(500);
      expect(await db.query(`SELECT role FROM room_members WHERE room_id = $1 AND user_id = $2`, [roomId, guest.user.id])).toEqual([{ role: 'member' }]);
    });

    it('should keep a document when knowledge.deleted cannot be written, and store none when knowledge.uploaded cannot', async () => {
      const uploaded = await uploadJson(t, t.adminToken, { title: 'Keep me', content: `# Keep\n\nStill here. ${randomUUID()}` });
      const removal = await failingAudit('knowledge.deleted', () => t.http('DELETE', `/api/knowledge/documents/${uploaded.body.id}`, { token: t.adminToken }));
      expect(removal.status).toBe(500);
      expect((await t.http('GET', `/api/knowledge/documents/${uploaded.body.id}`, { token: t.adminToken })).status).toBe(200);

      const title = `Never ${randomUUID()}`;
      const refused = await failingAudit('knowledge.uploaded', () => uploadJson(t, t.adminToken, { title, content: `# Never\n\nNot stored. ${randomUUID()}` }));
      expect(refused.status).toBe(500);
      expect(await db.query(`SELECT 1 FROM knowledge_documents WHERE title = $1`, [title])).toEqual([]);
    });

    it('should keep the password and the session when auth.password_changed or auth.logout cannot be written', async () => {
      const { user, token, password } = await t.createUser('staff');
      const changed = await failingAudit('auth.password_changed', () =>
        t.http('POST', '/api/auth/password', { token, body: { currentPassword: password, newPassword: `Fresh-${randomUUID()}` } }),
      );
      expect(changed.status).toBe(500);
      const reset = await failingAudit('auth.password_changed', () =>
        t.http('POST', `/api/users/${user.id}/password`, { token: t.adminToken, body: { newPassword: `Reset-${randomUUID()}` } }),
      );
      expect(reset.status).toBe(500);
      expect((await t.login(user.username, password)).user.id).toBe(user.id);
      const logout = await failingAudit('auth.logout', () => t.http('POST', '/api/auth/logout', { token }));
      expect(logout.status).toBe(500);
      // The token version did not move, so the token still works.
      expect((await t.http('GET', '/api/auth/me', { token })).status).toBe(200);
      expect(await entriesFor('auth.password_changed', user.id)).toEqual([]);
      expect(await entriesFor('auth.logout', user.id)).toEqual([]);
    });

    it('should leave the budget unchanged when quota.updated cannot be written', async () => {
      const response = await failingAudit('quota.updated', () => t.http('PUT', '/api/admin/quotas/roles/staff', { token: t.adminToken, body: { dailyTokens: 1, monthlyTokens: 1 } }));
      expect(response.status).toBe(500);
      expect((await t.http<{ roles: unknown[] }>('GET', '/api/admin/quotas', { token: t.adminToken })).body.roles).toContainEqual({ role: 'staff', dailyTokens: null, monthlyTokens: null });
    });

    it('should write nothing when the transaction that records it rolls back', async () => {
      const marker = randomUUID();
      await expect(
        db.transaction(async (manager) => {
          await t.app.get(AuditService).record(manager, { action: 'auth.logout', actor: { id: null, username: marker } });
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      expect(await db.query(`SELECT 1 FROM audit_log WHERE actor_username = $1`, [marker])).toEqual([]);
      await db.transaction((manager) => t.app.get(AuditService).record(manager, { action: 'auth.password_changed', actor: { id: null, username: marker } }));
      expect((await audit({ action: 'auth.password_changed' })).entries.map((e) => e.actorUsername)).toContain(marker);
    });
  });

  describe('GET /api/admin/audit', () => {
    it('should page newest first with a cursor, and filter by action, actor, room and time', async () => {
      const { user, token } = await t.createUser('staff');
      const roomIds = [1, 2, 3, 4, 5].map((n) => `page-${n}-${randomUUID().slice(0, 6)}`);
      for (const id of roomIds) await createRoom(t, token, { id, name: id, visibility: 'public' });

      const first = await audit({ actorId: user.id, action: 'room.created', limit: 2 });
      expect(first.hasMore).toBe(true);
      expect(first.entries.map((e) => e.targetId)).toEqual([roomIds[4], roomIds[3]]);
      const second = await audit({ actorId: user.id, action: 'room.created', limit: 2, before: first.entries[1].id });
      expect(second.entries.map((e) => e.targetId)).toEqual([roomIds[2], roomIds[1]]);
      const third = await audit({ actorId: user.id, action: 'room.created', limit: 2, before: second.entries[1].id });
      expect(third).toEqual({ entries: [expect.objectContaining({ targetId: roomIds[0] })], hasMore: false });

      expect((await audit({ roomId: roomIds[2] })).entries.map((e) => e.action)).toEqual(['room.created']);
      const at = Date.parse(first.entries[0].at);
      expect((await audit({ actorId: user.id, from: new Date(at + 60_000).toISOString() })).entries).toEqual([]);
      expect((await audit({ actorId: user.id, to: new Date(at - 3_600_000).toISOString() })).entries).toEqual([]);
      expect((await audit({ actorId: user.id, from: new Date(at - 60_000).toISOString(), to: new Date(at + 60_000).toISOString() })).entries.length).toBeGreaterThanOrEqual(5);
    });

    it('should answer 403 to staff and 400 VALIDATION_FAILED to bad filters', async () => {
      const { token } = await t.createUser('staff');
      expect((await t.http<HttpErrorBody>('GET', '/api/admin/audit', { token })).status).toBe(403);
      for (const query of ['action=user.deleted', 'actorId=nope', 'limit=0', 'limit=201', 'before=abc', 'from=yesterday', 'roomId=Bad%20Room', 'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z']) {
        const response = await t.http<HttpErrorBody>('GET', `/api/admin/audit?${query}`, { token: t.adminToken });
        expect([query, response.status, response.body.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
      }
    });

    it('should offer no route that changes or deletes an entry, and the table refuses both', async () => {
      const [entry] = (await audit({ limit: 1 })).entries;
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        expect((await t.http(method, `/api/admin/audit/${entry.id}`, { token: t.adminToken, body: method === 'DELETE' ? undefined : {} })).status).toBe(404);
        expect((await t.http(method, '/api/admin/audit', { token: t.adminToken, body: method === 'DELETE' ? undefined : {} })).status).toBe(404);
      }
      await expect(db.query(`UPDATE audit_log SET action = 'auth.login' WHERE id = $1`, [entry.id])).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM audit_log WHERE id = $1`, [entry.id])).rejects.toThrow(/append-only/);
      expect((await audit({ limit: 1 })).entries[0]).toEqual(entry satisfies AuditEntry);
    });
  });

  describe('retention', () => {
    it('should prune entries older than AUDIT_RETENTION_DAYS and keep the rest', async () => {
      const old = randomUUID();
      const recent = randomUUID();
      await db.query(`INSERT INTO audit_log (at, action, actor_username) VALUES (now() - interval '400 days', 'auth.login', $1), (now() - interval '300 days', 'auth.login', $2)`, [old, recent]);
      expect(await t.app.get(AuditService).prune()).toBeGreaterThanOrEqual(1);
      const left = (await db.query<{ actor_username: string }[]>(`SELECT actor_username FROM audit_log WHERE actor_username IN ($1, $2)`, [old, recent])).map((r) => r.actor_username);
      expect(left).toEqual([recent]);
    });

    it('should default AUDIT_RETENTION_DAYS to 365 and refuse a bad value naming it', () => {
      const base = { DATA_DIR: '/tmp/chat-audit-config-test', JWT_SECRET: 'x'.repeat(40) };
      expect(loadConfig(base).auditRetentionDays).toBe(365);
      expect(loadConfig({ ...base, AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays).toBe(30);
      for (const bad of ['0', 'ten', '-5']) expect(() => loadConfig({ ...base, AUDIT_RETENTION_DAYS: bad })).toThrow(/AUDIT_RETENTION_DAYS/);
    });
  });
});
