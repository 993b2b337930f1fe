import { randomUUID } from 'node:crypto';
import { countTokens } from 'gpt-tokenizer';
import { ErrorCode } from '@chat/contract';
import type { AiStreamStartPayload, ChatMessage } from '@chat/contract';
import { FakeOpenAiServer } from '@chat/server-testing';
import {
  createRoom,
  found,
  joinRoom,
  replyEnded,
  ReplyLog,
  replyLog,
  replyStarted,
  send,
  storedRow,
  upstreamClosed,
  upstreamReceived,
} from '../support/assistant-helpers.js';
import { ChatClient, emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

const ROOM = 'cancel-room';
const LONG = Array.from({ length: 40 }, (_, i) => `w${i} `);

describe('assistant: cancelling a reply', () => {
  let t: TestApp;
  const fake = new FakeOpenAiServer();
  let owner: ChatClient;
  let asker: ChatClient;
  let other: ChatClient;
  let admin: ChatClient;

  beforeAll(async () => {
    const baseUrl = await fake.start();
    t = await startTestApp({ OPENAI_BASE_URL: baseUrl, LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: '5000', LLM_COALESCE_MS: '20' });
    const [ownerUser, askerUser, otherUser] = await Promise.all(['owner', 'asker', 'other'].map((name) => t.createUser('staff', name)));
    await createRoom(t, ownerUser.token, { id: ROOM, name: 'Cancel room', visibility: 'public' });
    owner = await t.connect(ownerUser.token);
    asker = await t.connect(askerUser.token);
    other = await t.connect(otherUser.token);
    admin = await t.connect(t.adminToken);
    for (const socket of [owner, asker, other, admin]) await joinRoom(socket, ROOM);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  /** The asker asks; resolves once the reply has streamed its first text (or, with `hold`, once the upstream has the request). */
  async function streamingReply(hold = false): Promise<{ question: ChatMessage; start: AiStreamStartPayload; log: ReplyLog; request: number }> {
    fake.enqueue(hold ? { kind: 'stream', tokens: ['late'], firstDelayMs: 4000 } : { kind: 'stream', tokens: LONG, delayMs: 40 });
    const request = fake.requests.length;
    const log = replyLog(asker);
    const question = await send(asker, ROOM, '@ai tell me a long story');
    const start = await replyStarted(asker, question);
    if (hold) await upstreamReceived(fake, request + 1);
    else await found(() => log.deltas(start.messageId), () => true);
    return { question, start, log, request };
  }

  /** Nothing more about the reply reaches these sockets: a marker sent after it arrives first. */
  async function settle(sockets: ChatClient[]): Promise<void> {
    const content = `marker-${randomUUID()}`;
    const arrivals = sockets.map((s) => nextEvent(s, s === owner ? 'message_sent' : 'new_message', (m) => m.content === content));
    await send(owner, ROOM, content);
    await Promise.all(arrivals);
  }

  it.each([
    ['the asker', () => asker],
    ['the room owner', () => owner],
    ['an admin', () => admin],
  ])('should stop the reply when %s cancels, keeping the partial text as cancelled', async (_who, canceller) => {
    const { start, log, request } = await streamingReply();
    const otherLog = replyLog(other);
    const ended = replyEnded(other, start.messageId);

    const ack = await emitWithAck(canceller(), 'ai_cancel', { messageId: start.messageId });
    expect(ack).toEqual({ ok: true, messageId: start.messageId });
    const message = await ended;
    await settle([asker, other]);

    const partial = log.text(start.messageId);
    expect(partial).not.toBe('');
    expect(LONG.join('').startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(LONG.join('').length);
    expect(message).toMatchObject({ id: start.messageId, status: 'cancelled', content: partial, isAi: true });
    expect(message.metadata).toMatchObject({ completionTokens: countTokens(partial), tokensEstimated: true });
    expect(message.metadata?.errorCode).toBeUndefined();
    expect(log.ends()).toEqual([message]);
    expect(otherLog.ends()).toEqual([message]);
    expect(log.timeline(start.messageId)).toEqual(['ai_stream_start', 'ai_stream_delta', 'ai_stream_end', 'new_message']);
    expect(log.errors()).toEqual([]);

    const stored = await storedRow(t, start.messageId);
    expect(stored).toMatchObject({ status: 'cancelled', content: partial });
    const upstream = await upstreamClosed(fake, request);
    expect(upstream.abandoned).toBe(true);
  });

  it('should refuse FORBIDDEN to another staff member and let the reply finish', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['not', ' yours', ' to', ' stop'], delayMs: 60 });
    const question = await send(asker, ROOM, '@ai short one');
    const start = await replyStarted(asker, question);
    const ended = replyEnded(asker, start.messageId);
    const error = nextEvent(other, 'error');

    const ack = await emitWithAck(other, 'ai_cancel', { messageId: start.messageId });
    expect(ack).toEqual({ ok: false, error: { code: ErrorCode.FORBIDDEN, message: expect.any(String), event: 'ai_cancel' } });
    expect((await error).code).toBe(ErrorCode.FORBIDDEN);
    expect(await ended).toMatchObject({ status: 'complete', content: 'not yours to stop' });
  });

  it('should answer NOT_FOUND for an unknown id or a message that is not a reply, and VALIDATION_FAILED for a malformed id', async () => {
    const question = await send(asker, ROOM, 'just chatting');
    for (const messageId of [randomUUID(), question.id]) {
      const ack = await emitWithAck(asker, 'ai_cancel', { messageId });
      expect(ack).toEqual({ ok: false, error: { code: ErrorCode.NOT_FOUND, message: expect.any(String), event: 'ai_cancel' } });
    }
    const malformed = await emitWithAck(asker, 'ai_cancel', { messageId: 'not-an-id' });
    expect(malformed).toMatchObject({ ok: false, error: { code: ErrorCode.VALIDATION_FAILED, event: 'ai_cancel' } });
  });

  it('should stop a reply before its first token, leaving it cancelled and empty', async () => {
    const { start, log, request } = await streamingReply(true);
    const ended = replyEnded(asker, start.messageId);
    expect(await emitWithAck(asker, 'ai_cancel', { messageId: start.messageId })).toEqual({ ok: true, messageId: start.messageId });
    const message = await ended;
    expect(message).toMatchObject({ status: 'cancelled', content: '' });
    expect(log.deltas(start.messageId)).toEqual([]);
    expect((await storedRow(t, start.messageId)).status).toBe('cancelled');
    expect((await upstreamClosed(fake, request)).abandoned).toBe(true);
  });

  it('should leave a finished reply as it is when it is cancelled afterwards', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['done', '.'] });
    const question = await send(asker, ROOM, '@ai quick');
    const start = await replyStarted(asker, question);
    const message = await replyEnded(asker, start.messageId);
    expect(message.status).toBe('complete');
    const log = replyLog(asker);
    expect(await emitWithAck(asker, 'ai_cancel', { messageId: start.messageId })).toEqual({ ok: true, messageId: start.messageId });
    await settle([asker]);
    expect(log.ends()).toEqual([]);
    expect(await storedRow(t, start.messageId)).toMatchObject({ status: 'complete', content: 'done.' });
  });
});
