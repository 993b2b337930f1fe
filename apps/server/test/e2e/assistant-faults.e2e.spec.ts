import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@chat/contract';
import type { AiStreamStartPayload, ChatMessage, ErrorPayload } from '@chat/contract';
import { FakeOpenAiServer, FakeReply } from '@chat/server-testing';
import { joinRoom, ReplyLog, replyLog, replyStarted, replyEnded, send, storedRow, upstreamClosed } from '../support/assistant-helpers.js';
import { ChatClient, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

const TIMEOUT_MS = 400;
const MAX_RETRIES = 2;

describe('assistant: upstream faults', () => {
  let t: TestApp;
  const fake = new FakeOpenAiServer();
  let a: ChatClient;
  let b: ChatClient;

  beforeAll(async () => {
    const baseUrl = await fake.start();
    t = await startTestApp({
      OPENAI_BASE_URL: baseUrl,
      LLM_MODEL: 'fake-model',
      LLM_TIMEOUT_MS: String(TIMEOUT_MS),
      LLM_MAX_RETRIES: String(MAX_RETRIES),
      LLM_COALESCE_MS: '10',
    });
    const [alice, bob] = await Promise.all([t.createUser('staff', 'alice'), t.createUser('staff', 'bob')]);
    a = await t.connect(alice.token);
    b = await t.connect(bob.token);
    await joinRoom(a, 'general');
    await joinRoom(b, 'general');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  interface Outcome {
    question: ChatMessage;
    start: AiStreamStartPayload;
    reply: ChatMessage;
    /** Upstream requests made for this reply. */
    requests: typeof fake.requests;
    /** What the asker (alice) heard, and what bob heard. */
    askerLog: ReplyLog;
    otherLog: ReplyLog;
    askerError?: ErrorPayload;
  }

  /** Alice asks with the fake scripted as given; resolves when the reply has ended and the room is settled. */
  async function ask(...script: FakeReply[]): Promise<Outcome> {
    fake.enqueue(...script);
    const first = fake.requests.length;
    const askerLog = replyLog(a);
    const otherLog = replyLog(b);
    const question = await send(a, 'general', `@ai question ${randomUUID()}`);
    const start = await replyStarted(a, question);
    const reply = await replyEnded(a, start.messageId);
    // Bob's marker reaches alice after anything the server sent her before it (the error included).
    const marker = `marker-${randomUUID()}`;
    const arrivals = [nextEvent(a, 'new_message', (m) => m.content === marker), nextEvent(b, 'message_sent', (m) => m.content === marker)];
    await send(b, 'general', marker);
    await Promise.all(arrivals);
    const requests = fake.requests.slice(first);
    const errors = askerLog.errors();
    expect(errors.length).toBeLessThanOrEqual(1);
    expect(otherLog.errors()).toEqual([]);
    expect(askerLog.ends()).toEqual([reply]);
    expect(otherLog.ends()).toEqual([reply]);
    return { question, start, reply, requests, askerLog, otherLog, askerError: errors[0] };
  }

  /** A failed reply: stored as error with readable text, ended for the room, and the asker told the code. */
  async function expectFailure(outcome: Outcome, code: ErrorCode, partial: string, reason: string, extra: Partial<ErrorPayload> = {}): Promise<void> {
    const content = `${partial}${partial ? '\n\n' : ''}⚠️ ${reason}`;
    expect(outcome.reply).toMatchObject({ status: 'error', content, isAi: true });
    expect(outcome.reply.metadata?.errorCode).toBe(code);
    expect(outcome.askerError).toEqual({ code, message: reason, event: 'send_message', ...extra });
    expect(outcome.askerLog.text(outcome.start.messageId)).toBe(partial);
    expect(outcome.otherLog.text(outcome.start.messageId)).toBe(partial);
    expect(outcome.askerLog.timeline(outcome.start.messageId)).toEqual(
      partial ? ['ai_stream_start', 'ai_stream_delta', 'ai_stream_end', 'new_message'] : ['ai_stream_start', 'ai_stream_end', 'new_message'],
    );
    expect(await storedRow(t, outcome.start.messageId)).toMatchObject({ status: 'error', content });
  }

  it('should wait out Retry-After after a 429, then stream the reply from the second attempt', async () => {
    const outcome = await ask({ kind: 'status', status: 429, retryAfter: '1' }, { kind: 'stream', tokens: ['Second', ' time', ' lucky.'] });
    expect(outcome.requests).toHaveLength(2);
    expect(outcome.requests[1].receivedAt - outcome.requests[0].receivedAt).toBeGreaterThanOrEqual(1000);
    expect(outcome.requests[1].body.messages).toEqual(outcome.requests[0].body.messages);
    expect(outcome.reply).toMatchObject({ status: 'complete', content: 'Second time lucky.' });
    expect(outcome.askerError).toBeUndefined();
    expect(outcome.askerLog.starts().filter((s) => s.replyTo === outcome.question.id)).toHaveLength(1);
  });

  it('should give up with AI_UNAVAILABLE after LLM_MAX_RETRIES + 1 attempts when the upstream keeps failing with 500, backing off between them', async () => {
    const outcome = await ask({ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    expect(outcome.requests).toHaveLength(MAX_RETRIES + 1);
    await expectFailure(outcome, ErrorCode.AI_UNAVAILABLE, '', 'The model provider failed (HTTP 500)');
    const [first, second, third] = outcome.requests.map((r) => r.receivedAt);
    // Backoff without Retry-After: about 400 ms, then about 800 ms (±25 %).
    expect(second - first).toBeGreaterThanOrEqual(300);
    expect(third - second).toBeGreaterThanOrEqual(600);
  });

  it('should give up with AI_RATE_LIMITED when the upstream keeps answering 429', async () => {
    const outcome = await ask(...Array.from({ length: MAX_RETRIES + 1 }, (): FakeReply => ({ kind: 'status', status: 429, retryAfter: '0' })));
    expect(outcome.requests).toHaveLength(MAX_RETRIES + 1);
    await expectFailure(outcome, ErrorCode.AI_RATE_LIMITED, '', 'The model provider is rate-limiting requests', { retryAfterMs: 0 });
  });

  it('should not retry a request the upstream refuses (400)', async () => {
    const outcome = await ask({ kind: 'status', status: 400 });
    // Ended, so any retry would already have been made (and answered by the fake's default reply).
    expect(outcome.requests).toHaveLength(1);
    await expectFailure(outcome, ErrorCode.AI_UNAVAILABLE, '', 'The model provider refused the request (HTTP 400)');
  });

  it('should retry a connection dropped before the first token', async () => {
    const outcome = await ask({ kind: 'stream', tokens: ['lost'], cutAfter: 0 }, { kind: 'status', status: 503, retryAfter: '0' }, { kind: 'stream', tokens: ['Third', ' try.'] });
    expect(outcome.requests).toHaveLength(3);
    expect(outcome.reply).toMatchObject({ status: 'complete', content: 'Third try.' });
    expect(outcome.askerError).toBeUndefined();
  });

  it('should end with AI_TIMEOUT when no first token comes within LLM_TIMEOUT_MS, without retrying, and abort the upstream call', async () => {
    const outcome = await ask({ kind: 'hang' });
    expect(outcome.requests).toHaveLength(1);
    await expectFailure(outcome, ErrorCode.AI_TIMEOUT, '', 'The model did not answer within 0.4 s');
    expect((await upstreamClosed(fake, fake.requests.indexOf(outcome.requests[0]))).abandoned).toBe(true);
  });

  it('should end with AI_TIMEOUT and keep the partial text when the stream stalls mid-way', async () => {
    const outcome = await ask({ kind: 'stream', tokens: ['Half', ' an', ' answer', ' and', ' more'], delayMs: 30, stallAfter: 3 });
    expect(outcome.requests).toHaveLength(1);
    await expectFailure(outcome, ErrorCode.AI_TIMEOUT, 'Half an answer', 'The model did not answer within 0.4 s');
    expect((await upstreamClosed(fake, fake.requests.indexOf(outcome.requests[0]))).abandoned).toBe(true);
  });

  it('should end with AI_UNAVAILABLE and keep the partial text when the stream is cut, with no retry after the first token', async () => {
    const outcome = await ask({ kind: 'stream', tokens: ['Cut', ' off', ' right', ' here'], delayMs: 30, cutAfter: 2 });
    expect(outcome.requests).toHaveLength(1);
    await expectFailure(outcome, ErrorCode.AI_UNAVAILABLE, 'Cut off', 'The model provider broke off the reply');
  });

  it('should still answer normally after all of that', async () => {
    const outcome = await ask({ kind: 'stream', tokens: ['Still', ' here.'] });
    expect(outcome.reply).toMatchObject({ status: 'complete', content: 'Still here.' });
    expect(outcome.askerError).toBeUndefined();
    expect((await fetch(`${t.baseUrl}/health/ready`)).status).toBe(200);
  });
});
