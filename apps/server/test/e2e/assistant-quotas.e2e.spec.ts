import type { NestExpressApplication } from '@nestjs/platform-express';
import { io } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { ErrorCode } from '@chat/contract';
import type { ErrorPayload, HttpErrorBody, MeResponse, QuotasView, UserAdminView } from '@chat/contract';
import { FakeOpenAiServer } from '@chat/server-testing';
import { createApp } from '../../src/app/create-app.js';
import { budgetPeriods } from '../../src/quotas/quotas.service.js';
import { askAndWait, joinRoom, replyEnded, replyStarted, send, upstreamReceived } from '../support/assistant-helpers.js';
import { ISO_8601 } from '../support/patterns.js';
import { ChatClient, nextEvent, startTestApp, TestApp } from '../support/test-app.js';
import { testConfig } from '../support/test-config.js';

/** Every fake reply reports this usage: 30 prompt + 20 completion tokens. */
const REPLY_TOKENS = 50;
const USAGE = { prompt_tokens: 30, completion_tokens: 20 };

describe('assistant: token quotas', () => {
  let t: TestApp;
  let db: DataSource;
  let fakeUrl: string;
  const fake = new FakeOpenAiServer();
  const people: { user: UserAdminView; token: string }[] = [];

  async function person(): Promise<{ user: UserAdminView; token: string; socket: ChatClient }> {
    const next = people.shift();
    if (!next) throw new Error('create more people in beforeAll');
    const socket = await t.connect(next.token);
    await joinRoom(socket, 'general');
    return { ...next, socket };
  }

  const putUser = (userId: string, dailyTokens: number | null, monthlyTokens: number | null) =>
    t.http('PUT', `/api/admin/quotas/users/${userId}`, { token: t.adminToken, body: { dailyTokens, monthlyTokens } });
  const putRole = (role: string, dailyTokens: number | null, monthlyTokens: number | null) =>
    t.http('PUT', `/api/admin/quotas/roles/${role}`, { token: t.adminToken, body: { dailyTokens, monthlyTokens } });
  const me = async (token: string) => (await t.http<MeResponse>('GET', '/api/auth/me', { token })).body;

  /** Asks and expects the refusal: no reply, no upstream call, the coded error to the asker. */
  async function refused(socket: ChatClient): Promise<ErrorPayload> {
    const upstreamBefore = fake.requests.length;
    const error = nextEvent(socket, 'error', (e) => e.code === ErrorCode.AI_QUOTA_EXCEEDED);
    const starts: unknown[] = [];
    socket.on('ai_stream_start', (s) => starts.push(s));
    await send(socket, 'general', '@ai one more question');
    const payload = await error;
    expect(starts).toEqual([]);
    expect(fake.requests.length).toBe(upstreamBefore);
    return payload;
  }

  beforeAll(async () => {
    fakeUrl = await fake.start();
    t = await startTestApp({ OPENAI_BASE_URL: fakeUrl, LLM_MODEL: 'fake-model', LLM_COALESCE_MS: '0', RATE_LIMIT_AI_PER_MINUTE: '1000' });
    db = t.app.get(DataSource);
    people.push(...(await Promise.all(Array.from({ length: 7 }, () => t.createUser('staff')))));
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  describe('admin API', () => {
    it('should list every role (unlimited by default) and the users with their own budget', async () => {
      const { user } = people[people.length - 1];
      expect((await t.http<QuotasView>('GET', '/api/admin/quotas', { token: t.adminToken })).body).toEqual({
        roles: [
          { role: 'admin', dailyTokens: null, monthlyTokens: null },
          { role: 'staff', dailyTokens: null, monthlyTokens: null },
          { role: 'service', dailyTokens: null, monthlyTokens: null },
        ],
        users: [],
      });
      expect((await putRole('admin', 1_000_000, null)).body).toEqual({ role: 'admin', dailyTokens: 1_000_000, monthlyTokens: null });
      expect((await putUser(user.id, 10, 100)).body).toEqual({ userId: user.id, username: user.username, displayName: user.displayName, dailyTokens: 10, monthlyTokens: 100 });
      const view = (await t.http<QuotasView>('GET', '/api/admin/quotas', { token: t.adminToken })).body;
      expect(view.roles).toContainEqual({ role: 'admin', dailyTokens: 1_000_000, monthlyTokens: null });
      expect(view.users).toEqual([{ userId: user.id, username: user.username, displayName: user.displayName, dailyTokens: 10, monthlyTokens: 100 }]);
      expect((await t.http('DELETE', `/api/admin/quotas/users/${user.id}`, { token: t.adminToken })).status).toBe(204);
      expect((await t.http('DELETE', `/api/admin/quotas/users/${user.id}`, { token: t.adminToken })).status).toBe(404);
      expect(await putRole('admin', null, null)).toMatchObject({ status: 200 });
    });

    it('should refuse bad budgets with 400, unknown users with 404 and staff with 403', async () => {
      const { user, token } = people[people.length - 1];
      for (const body of [{ dailyTokens: 10 }, { monthlyTokens: 10 }, { dailyTokens: -1, monthlyTokens: null }, { dailyTokens: 1.5, monthlyTokens: null }, { dailyTokens: '10', monthlyTokens: null }, { dailyTokens: null, monthlyTokens: null, extra: 1 }]) {
        const response = await t.http<HttpErrorBody>('PUT', `/api/admin/quotas/users/${user.id}`, { token: t.adminToken, body });
        expect([body, response.status, response.body.code]).toEqual([body, 400, 'VALIDATION_FAILED']);
      }
      expect((await t.http<HttpErrorBody>('PUT', '/api/admin/quotas/roles/owner', { token: t.adminToken, body: { dailyTokens: 1, monthlyTokens: 1 } })).body.code).toBe('VALIDATION_FAILED');
      expect((await putUser('00000000-0000-4000-8000-000000000000', 1, 1)).status).toBe(404);
      expect((await t.http('GET', '/api/admin/quotas', { token })).status).toBe(403);
      expect((await t.http('PUT', '/api/admin/quotas/roles/staff', { token, body: { dailyTokens: 1, monthlyTokens: 1 } })).status).toBe(403);
    });
  });

  describe('refusal and reset', () => {
    it('should refuse with AI_QUOTA_EXCEEDED and retryAfterMs until UTC midnight once the daily budget is used, before any upstream call', async () => {
      const { user, token, socket } = await person();
      expect((await putUser(user.id, REPLY_TOKENS, null)).status).toBe(200);
      fake.enqueue({ kind: 'stream', tokens: ['fine'], usage: USAGE });
      expect((await askAndWait(socket, 'general', 'first question')).reply.status).toBe('complete');

      const before = Date.now();
      const error = await refused(socket);
      const untilMidnight = budgetPeriods(new Date(before)).dayEnd.getTime() - before;
      expect(error).toMatchObject({ code: 'AI_QUOTA_EXCEEDED', event: 'send_message', message: expect.stringContaining('daily') });
      expect(error.retryAfterMs).toBeLessThanOrEqual(untilMidnight);
      expect(error.retryAfterMs).toBeGreaterThan(untilMidnight - 10_000);

      const quota = (await me(token)).quota;
      expect(quota).toEqual({
        daily: { limit: REPLY_TOKENS, used: REPLY_TOKENS, resetsAt: budgetPeriods(new Date()).dayEnd.toISOString() },
        monthly: { limit: null, used: REPLY_TOKENS, resetsAt: expect.stringMatching(ISO_8601) },
      });

      // The next UTC day: yesterday's replies no longer count.
      await db.query(`UPDATE messages SET created_at = created_at - interval '1 day' WHERE is_ai AND metadata->>'requestedBy' = $1`, [user.id]);
      expect((await me(token)).quota.daily.used).toBe(0);
      fake.enqueue({ kind: 'stream', tokens: ['again'], usage: USAGE });
      expect((await askAndWait(socket, 'general', 'a new day')).reply.status).toBe('complete');
    });

    it('should refuse until the first of next month when the monthly budget is used, and reset with the month', async () => {
      const { user, token, socket } = await person();
      expect((await putUser(user.id, null, REPLY_TOKENS)).status).toBe(200);
      fake.enqueue({ kind: 'stream', tokens: ['fine'], usage: USAGE });
      await askAndWait(socket, 'general', 'first question');
      const before = Date.now();
      const error = await refused(socket);
      const untilMonthEnd = budgetPeriods(new Date(before)).monthEnd.getTime() - before;
      expect(error.message).toContain('monthly');
      expect(error.retryAfterMs).toBeLessThanOrEqual(untilMonthEnd);
      expect(error.retryAfterMs).toBeGreaterThan(untilMonthEnd - 10_000);
      expect((await me(token)).quota.monthly).toEqual({ limit: REPLY_TOKENS, used: REPLY_TOKENS, resetsAt: budgetPeriods(new Date()).monthEnd.toISOString() });

      await db.query(`UPDATE messages SET created_at = date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 hour' WHERE is_ai AND metadata->>'requestedBy' = $1`, [user.id]);
      fake.enqueue({ kind: 'stream', tokens: ['again'], usage: USAGE });
      expect((await askAndWait(socket, 'general', 'a new month')).reply.status).toBe('complete');
    });

    it("should apply the role's budget, and let a user's own setting win over it", async () => {
      const { user, socket } = await person();
      const other = await person();
      expect((await putRole('staff', 0, null)).status).toBe(200);
      try {
        expect((await refused(socket)).code).toBe('AI_QUOTA_EXCEEDED');
        expect((await refused(other.socket)).code).toBe('AI_QUOTA_EXCEEDED');
        // Unlimited on their own, whatever the role says.
        expect((await putUser(user.id, null, null)).status).toBe(200);
        fake.enqueue({ kind: 'stream', tokens: ['yes'], usage: USAGE });
        expect((await askAndWait(socket, 'general', 'may I?')).reply.status).toBe('complete');
      } finally {
        await putRole('staff', null, null);
      }
    });
  });

  describe('near the limit', () => {
    it('should let questions in while the budget is not used up, overshooting by at most the replies already running, then refuse', async () => {
      const { user, token, socket } = await person();
      const limit = REPLY_TOKENS + 10;
      expect((await putUser(user.id, limit, null)).status).toBe(200);
      fake.enqueue({ kind: 'stream', tokens: ['warm', ' up'], usage: USAGE });
      await askAndWait(socket, 'general', 'warm up');
      // 50 of 60 used: still under. Three questions at once all start; none has finished, so none counts yet.
      const upstreamBefore = fake.requests.length;
      fake.enqueue(...[1, 2, 3].map(() => ({ kind: 'stream' as const, tokens: ['slow', ' answer'], firstDelayMs: 300, usage: USAGE })));
      const questions = await Promise.all([1, 2, 3].map((n) => send(socket, 'general', `@ai question ${n}`)));
      const starts = await Promise.all(questions.map((q) => replyStarted(socket, q)));
      await upstreamReceived(fake, upstreamBefore + 3);
      const ends = await Promise.all(starts.map((s) => replyEnded(socket, s.messageId)));
      expect(ends.map((m) => m.status)).toEqual(['complete', 'complete', 'complete']);

      const used = (await me(token)).quota.daily.used;
      expect(used).toBe(4 * REPLY_TOKENS);
      // The overshoot is what the three replies running at the time used, no more.
      expect(used - limit).toBeLessThanOrEqual(3 * REPLY_TOKENS);
      expect((await refused(socket)).code).toBe('AI_QUOTA_EXCEEDED');
    });
  });

  describe('across instances', () => {
    let second: NestExpressApplication;
    beforeAll(async () => {
      second = await createApp(testConfig(t.database.url, { OPENAI_BASE_URL: fakeUrl, LLM_MODEL: 'fake-model', RATE_LIMIT_AI_PER_MINUTE: '1000' }));
      await second.listen(0, '127.0.0.1');
    });
    afterAll(async () => {
      await second.close();
    });

    it('should hold a budget used on one instance on the other one', async () => {
      const { user, socket, token } = await person();
      expect((await putUser(user.id, REPLY_TOKENS, null)).status).toBe(200);
      fake.enqueue({ kind: 'stream', tokens: ['first'], usage: USAGE });
      await askAndWait(socket, 'general', 'on the first instance');

      const { port } = second.getHttpServer().address() as { port: number };
      const elsewhere: ChatClient = io(`http://127.0.0.1:${port}`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
      try {
        await new Promise<void>((resolve, reject) => (elsewhere.once('connect', () => resolve()), elsewhere.once('connect_error', reject)));
        await joinRoom(elsewhere, 'general');
        expect((await refused(elsewhere)).code).toBe('AI_QUOTA_EXCEEDED');
      } finally {
        elsewhere.disconnect();
      }
    });
  });
});
