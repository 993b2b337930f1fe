import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@chat/contract';
import { AssistantService } from '../../src/llm/assistant.service.js';
import { FakeOpenAiServer } from '@chat/server-testing';
import {
  aiRepliesTo,
  askAndWait,
  createRoom,
  history,
  joinRoom,
  replyEnded,
  replyLog,
  replyStarted,
  send,
  storedRow,
  upstreamReceived,
} from '../support/assistant-helpers.js';
import { ChatClient, emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

const AI_PER_MINUTE = 3;

describe('assistant: concurrency, queue and rate limits', () => {
  let t: TestApp;
  const fake = new FakeOpenAiServer();
  /** Staff members created up front (in parallel: hashing passwords is slow), each used by one test. */
  const tokens: string[] = [];

  /** A staff member nobody has used yet, connected and in `general`. */
  async function member(): Promise<ChatClient> {
    const token = tokens.shift();
    if (!token) throw new Error('create more members in beforeAll');
    const socket = await t.connect(token);
    await joinRoom(socket, 'general');
    return socket;
  }

  beforeAll(async () => {
    const baseUrl = await fake.start();
    t = await startTestApp({
      OPENAI_BASE_URL: baseUrl,
      LLM_MODEL: 'fake-model',
      LLM_MAX_CONCURRENCY: '1',
      LLM_QUEUE_SIZE: '1',
      RATE_LIMIT_AI_PER_MINUTE: String(AI_PER_MINUTE),
      LLM_TIMEOUT_MS: '5000',
    });
    tokens.push(...(await Promise.all(Array.from({ length: 11 }, () => t.createUser()))).map((u) => u.token));
    // Eleven accounts are 22 scrypt runs; on a loaded shared machine that alone outlasts the default 30 s.
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('should run one upstream call at a time, queue one more, and refuse a third with AI_BUSY', async () => {
    const [u1, u2, u3, watcher] = [await member(), await member(), await member(), await member()];
    fake.enqueue(
      { kind: 'stream', tokens: ['first', ' reply'], firstDelayMs: 300, delayMs: 50 },
      { kind: 'stream', tokens: ['second', ' reply'], firstDelayMs: 100, delayMs: 50 },
    );
    const before = fake.requests.length;
    const watcherLog = replyLog(watcher);

    const q1 = await send(u1, 'general', '@ai first');
    const s1 = await replyStarted(u1, q1);
    const e1 = replyEnded(u1, s1.messageId);
    await upstreamReceived(fake, before + 1);

    const q2 = await send(u2, 'general', '@ai second');
    // Queued: stored and started for the room, but not sent upstream while the first runs.
    const s2 = await replyStarted(u2, q2);
    const e2 = replyEnded(u2, s2.messageId);
    expect((await storedRow(t, s2.messageId)).status).toBe('streaming');
    expect(t.app.get(AssistantService).load()).toEqual({ running: 1, waiting: 1 });

    const busy = nextEvent(u3, 'error');
    const q3 = await send(u3, 'general', '@ai third');
    expect(await busy).toEqual({ code: ErrorCode.AI_BUSY, message: expect.any(String), event: 'send_message' });
    expect(fake.requests.length).toBe(before + 1);

    const [r1, r2] = await Promise.all([e1, e2]);
    expect(r1).toMatchObject({ status: 'complete', content: 'first reply' });
    expect(r2).toMatchObject({ status: 'complete', content: 'second reply' });

    const [first, second] = fake.requests.slice(before);
    expect(fake.requests.length).toBe(before + 2);
    expect(first.body.messages.at(-1)?.content).toMatch(/: @ai first$/);
    expect(second.body.messages.at(-1)?.content).toMatch(/: @ai second$/);
    expect(second.receivedAt).toBeGreaterThanOrEqual(first.closedAt!);

    // The refused question was stored and delivered; no reply to it exists.
    expect((await history(t, 'general')).find((m) => m.id === q3.id)?.content).toBe('@ai third');
    expect(await aiRepliesTo(t, q3.id)).toEqual([]);
    expect(watcherLog.starts().map((s) => s.replyTo)).toEqual([q1.id, q2.id]);
    expect(t.app.get(AssistantService).load()).toEqual({ running: 0, waiting: 0 });
  });

  it('should let a queued reply be cancelled without ever reaching the upstream', async () => {
    const [u1, u2] = [await member(), await member()];
    fake.enqueue({ kind: 'hang' });
    const before = fake.requests.length;
    const q1 = await send(u1, 'general', '@ai hang on');
    const s1 = await replyStarted(u1, q1);
    await upstreamReceived(fake, before + 1);
    const q2 = await send(u2, 'general', '@ai me too');
    const s2 = await replyStarted(u2, q2);

    const e2 = replyEnded(u2, s2.messageId);
    expect(await emitWithAck(u2, 'ai_cancel', { messageId: s2.messageId })).toEqual({ ok: true, messageId: s2.messageId });
    expect(await e2).toMatchObject({ status: 'cancelled', content: '' });
    expect(t.app.get(AssistantService).load()).toEqual({ running: 1, waiting: 0 });

    const e1 = replyEnded(u1, s1.messageId);
    expect(await emitWithAck(u1, 'ai_cancel', { messageId: s1.messageId })).toEqual({ ok: true, messageId: s1.messageId });
    expect((await e1).status).toBe('cancelled');
    expect(fake.requests.length).toBe(before + 1);
    expect(t.app.get(AssistantService).load()).toEqual({ running: 0, waiting: 0 });

    // The slot is free again.
    fake.enqueue({ kind: 'stream', tokens: ['free', ' again'] });
    expect((await askAndWait(u1, 'general', '@ai again?', false)).reply.content).toBe('free again');
  });

  it("should keep other rooms' chat flowing while a reply hangs on the only upstream slot", async () => {
    const asker = await member();
    const [bob, carol] = [await member(), await member()];
    await createRoom(t, t.adminToken, { id: 'elsewhere', name: 'Elsewhere', visibility: 'public' });
    await joinRoom(bob, 'elsewhere');
    await joinRoom(carol, 'elsewhere');
    fake.enqueue({ kind: 'hang' });
    const before = fake.requests.length;
    const question = await send(asker, 'general', '@ai this will hang');
    const start = await replyStarted(asker, question);
    await upstreamReceived(fake, before + 1);

    for (let i = 0; i < 10; i++) {
      const [from, to] = i % 2 === 0 ? [bob, carol] : [carol, bob];
      const content = `chat ${i} ${randomUUID()}`;
      const arrived = nextEvent(to, 'new_message', (m) => m.content === content);
      await send(from, 'elsewhere', content);
      expect((await arrived).roomId).toBe('elsewhere');
    }
    expect((await fetch(`${t.baseUrl}/health/live`)).status).toBe(200);
    expect((await storedRow(t, start.messageId)).status).toBe('streaming');

    const ended = replyEnded(asker, start.messageId);
    await emitWithAck(asker, 'ai_cancel', { messageId: start.messageId });
    expect((await ended).status).toBe('cancelled');
  });

  it('should refuse a user who asks more than RATE_LIMIT_AI_PER_MINUTE times with AI_RATE_LIMITED, but still deliver the message', async () => {
    const [eager, calm] = [await member(), await member()];
    for (let i = 0; i < AI_PER_MINUTE; i++) {
      fake.enqueue({ kind: 'stream', tokens: [`answer ${i}`] });
      expect((await askAndWait(eager, 'general', `@ai number ${i}`, false)).reply.content).toBe(`answer ${i}`);
    }
    const before = fake.requests.length;
    const refused = nextEvent(eager, 'error');
    const delivered = nextEvent(calm, 'new_message', (m) => m.content === '@ai one more');
    const question = await send(eager, 'general', '@ai one more');
    const error = await refused;
    expect(error).toEqual({ code: ErrorCode.AI_RATE_LIMITED, message: expect.any(String), event: 'send_message', retryAfterMs: expect.any(Number) });
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect((await delivered).id).toBe(question.id);
    expect(await aiRepliesTo(t, question.id)).toEqual([]);
    expect(fake.requests.length).toBe(before);

    // The limit is per user.
    fake.enqueue({ kind: 'stream', tokens: ['your turn'] });
    expect((await askAndWait(calm, 'general', '@ai may I?', false)).reply.content).toBe('your turn');
  });

  it('should never have had more than LLM_MAX_CONCURRENCY upstream calls in flight', () => {
    expect(fake.requests.length).toBeGreaterThanOrEqual(8);
    expect(fake.maxInFlight).toBe(1);
  });
});
