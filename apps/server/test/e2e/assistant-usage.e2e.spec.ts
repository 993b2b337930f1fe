import { DataSource } from 'typeorm';
import { ErrorCode } from '@chat/contract';
import type { ChatMessage, HttpErrorBody, UsageReport, UsageRow } from '@chat/contract';
import { FakeOpenAiServer } from '@chat/server-testing';
import { askAndWait, createRoom, joinRoom, replyEnded, replyStarted, send, storedRow, upstreamReceived } from '../support/assistant-helpers.js';
import { ChatClient, emitWithAck, startTestApp, TestApp } from '../support/test-app.js';

const DAY_MS = 86_400_000;
const utcDay = (date: Date) => date.toISOString().slice(0, 10);

describe('assistant: usage report', () => {
  let t: TestApp;
  const fake = new FakeOpenAiServer();
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let a: ChatClient;
  let b: ChatClient;
  let replies: { alice: ChatMessage[]; bob: ChatMessage[] };
  /** The error reply's tokens, counted by the server (no upstream usage). */
  let errorPrompt: number;
  const now = new Date();
  const twoDaysAgo = new Date(now.getTime() - 2 * DAY_MS);

  const usage = (query: string, token = t.adminToken) => t.http<UsageReport>('GET', `/api/admin/usage${query}`, { token });
  const sortRows = (rows: UsageRow[]) => [...rows].sort((x, y) => x.key.localeCompare(y.key));

  beforeAll(async () => {
    const baseUrl = await fake.start();
    t = await startTestApp({ OPENAI_BASE_URL: baseUrl, LLM_MODEL: 'fake-model', LLM_MAX_RETRIES: '0', LLM_TIMEOUT_MS: '5000' });
    const [createdAlice, createdBob] = await Promise.all([t.createUser('staff', 'alice'), t.createUser('staff', 'bob')]);
    alice = { id: createdAlice.user.id, token: createdAlice.token };
    bob = { id: createdBob.user.id, token: createdBob.token };
    await createRoom(t, alice.token, { id: 'ops', name: 'Ops', visibility: 'public' });
    a = await t.connect(alice.token);
    b = await t.connect(bob.token);
    for (const socket of [a, b]) {
      await joinRoom(socket, 'general');
      await joinRoom(socket, 'ops');
    }

    fake.enqueue(
      { kind: 'stream', tokens: ['a1'], usage: { prompt_tokens: 100, completion_tokens: 20 } },
      { kind: 'stream', tokens: ['b1'], usage: { prompt_tokens: 50, completion_tokens: 5 } },
      { kind: 'stream', tokens: ['a2'], usage: { prompt_tokens: 7, completion_tokens: 3 } },
      { kind: 'status', status: 400 },
    );
    const aliceGeneral = (await askAndWait(a, 'general', '@ai one', false)).reply;
    const bobGeneral = (await askAndWait(b, 'general', '@ai two', false)).reply;
    const aliceOps = (await askAndWait(a, 'ops', '@ai three', false)).reply;
    const bobOps = (await askAndWait(b, 'ops', '@ai four', false)).reply;
    expect(bobOps.status).toBe('error');
    expect(bobOps.metadata?.completionTokens).toBe(0);
    errorPrompt = bobOps.metadata!.promptTokens!;
    expect(errorPrompt).toBeGreaterThan(0);
    replies = { alice: [aliceGeneral, aliceOps], bob: [bobGeneral, bobOps] };
    // Alice's ops reply is from two days ago.
    await t.app.get(DataSource).query(`UPDATE messages SET created_at = $2 WHERE id = $1`, [aliceOps.id, twoDaysAgo.toISOString()]);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('should sum requests and tokens per user', async () => {
    const { status, body } = await usage('?groupBy=user');
    expect(status).toBe(200);
    expect(body.groupBy).toBe('user');
    expect(sortRows(body.rows)).toEqual(
      sortRows([
        { key: alice.id, label: 'alice', requests: 2, promptTokens: 107, completionTokens: 23 },
        { key: bob.id, label: 'bob', requests: 2, promptTokens: 50 + errorPrompt, completionTokens: 5 },
      ]),
    );
    expect(body.totals).toEqual({ requests: 4, promptTokens: 157 + errorPrompt, completionTokens: 28 });
  });

  it('should sum requests and tokens per room', async () => {
    const { status, body } = await usage('?groupBy=room');
    expect(status).toBe(200);
    expect(sortRows(body.rows)).toEqual(
      sortRows([
        { key: 'general', label: 'General', requests: 2, promptTokens: 150, completionTokens: 25 },
        { key: 'ops', label: 'Ops', requests: 2, promptTokens: 7 + errorPrompt, completionTokens: 3 },
      ]),
    );
  });

  it('should sum per UTC day, by day when no groupBy is given, over the last 30 days by default', async () => {
    const byDay = await usage('?groupBy=day');
    const byDefault = await usage('');
    expect(byDay.status).toBe(200);
    expect(byDefault.body.groupBy).toBe('day');
    expect(byDefault.body.rows).toEqual(byDay.body.rows);
    expect(byDay.body.rows).toEqual([
      { key: utcDay(twoDaysAgo), label: null, requests: 1, promptTokens: 7, completionTokens: 3 },
      { key: utcDay(new Date(replies.alice[0].timestamp)), label: null, requests: 3, promptTokens: 150 + errorPrompt, completionTokens: 25 },
    ]);
    expect(new Date(byDefault.body.to).getTime() - new Date(byDefault.body.from).getTime()).toBe(30 * DAY_MS);
  });

  it('should count only replies from `from` (inclusive) to `to` (exclusive)', async () => {
    const from = new Date(twoDaysAgo.getTime() - 1000).toISOString();
    const to = new Date(twoDaysAgo.getTime() + 1000).toISOString();
    const { status, body } = await usage(`?groupBy=user&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      from,
      to,
      groupBy: 'user',
      rows: [{ key: alice.id, label: 'alice', requests: 1, promptTokens: 7, completionTokens: 3 }],
      totals: { requests: 1, promptTokens: 7, completionTokens: 3 },
    });
    const exclusive = await usage(`?groupBy=user&from=${encodeURIComponent(from)}&to=${encodeURIComponent(twoDaysAgo.toISOString())}`);
    expect(exclusive.body.rows).toEqual([]);
    expect(exclusive.body.totals).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0 });
  });

  it('should leave a reply out while it streams and count it once it has ended', async () => {
    fake.enqueue({ kind: 'hang' });
    const before = fake.requests.length;
    const question = await send(a, 'general', '@ai hold on');
    const start = await replyStarted(a, question);
    await upstreamReceived(fake, before + 1);
    expect((await storedRow(t, start.messageId)).status).toBe('streaming');
    expect((await usage('?groupBy=room')).body.totals.requests).toBe(4);

    const ended = replyEnded(a, start.messageId);
    await emitWithAck(a, 'ai_cancel', { messageId: start.messageId });
    const cancelled = await ended;
    const after = await usage('?groupBy=room');
    expect(after.body.totals).toEqual({ requests: 5, promptTokens: 157 + errorPrompt + cancelled.metadata!.promptTokens!, completionTokens: 28 });
  });

  it('should refuse staff with 403, anonymous callers with 401, and bad parameters with 400', async () => {
    const forbidden = await t.http<HttpErrorBody>('GET', '/api/admin/usage', { token: alice.token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe(ErrorCode.FORBIDDEN);
    expect((await t.http('GET', '/api/admin/usage')).status).toBe(401);
    for (const query of ['?groupBy=week', '?from=yesterday', `?from=${now.toISOString()}&to=${twoDaysAgo.toISOString()}`]) {
      const bad = await t.http<HttpErrorBody>('GET', `/api/admin/usage${query}`, { token: t.adminToken });
      expect([query, bad.status, bad.body.code]).toEqual([query, 400, ErrorCode.VALIDATION_FAILED]);
    }
  });

  it('should report what each reply stored', () => {
    expect(replies.alice.map((m) => [m.metadata?.promptTokens, m.metadata?.completionTokens, m.metadata?.tokensEstimated])).toEqual([
      [100, 20, false],
      [7, 3, false],
    ]);
    expect(replies.bob[0].metadata).toMatchObject({ promptTokens: 50, completionTokens: 5, tokensEstimated: false });
    expect(replies.bob[1].metadata).toMatchObject({ completionTokens: 0, tokensEstimated: true, errorCode: ErrorCode.AI_UNAVAILABLE });
  });
});
