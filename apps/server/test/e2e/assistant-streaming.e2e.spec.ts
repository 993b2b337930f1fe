import { FRESH_MESSAGE_STATE } from '@chat/contract';
import { countTokens } from 'gpt-tokenizer';
import { DataSource } from 'typeorm';
import { ErrorCode } from '@chat/contract';
import type { ChatMessage } from '@chat/contract';
import { FakeOpenAiServer } from '@chat/server-testing';
import {
  aiRepliesTo,
  askAndWait,
  collect,
  createRoom,
  found,
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

/** Sends a marker and waits until every receiver has it: whatever the server sent them before has arrived too. */
async function settle(sender: ChatClient, roomId: string, receivers: ChatClient[]): Promise<void> {
  const content = `marker-${Math.random().toString(36).slice(2)}`;
  const arrivals = receivers.map((r) => nextEvent(r, r === sender ? 'message_sent' : 'new_message', (m) => m.content === content));
  await send(sender, roomId, content);
  await Promise.all(arrivals);
}

describe('assistant: triggering and streaming', () => {
  let t: TestApp;
  const fake = new FakeOpenAiServer();
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let a: ChatClient;
  let b: ChatClient;

  beforeAll(async () => {
    const baseUrl = await fake.start();
    t = await startTestApp({
      OPENAI_BASE_URL: baseUrl,
      OPENAI_API_KEY: 'sk-e2e-key',
      LLM_MODEL: 'fake-model',
      LLM_TEMPERATURE: '0.5',
      LLM_MAX_OUTPUT_TOKENS: '200',
      LLM_TIMEOUT_MS: '3000',
      LLM_COALESCE_MS: '40',
    });
    const [createdAlice, createdBob] = await Promise.all([t.createUser('staff', 'alice'), t.createUser('staff', 'bob')]);
    alice = { id: createdAlice.user.id, token: createdAlice.token };
    bob = { id: createdBob.user.id, token: createdBob.token };
    a = await t.connect(alice.token);
    b = await t.connect(bob.token);
    await joinRoom(a, 'general');
    await joinRoom(b, 'general');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('should stream a useAi reply as start, contiguous deltas, end, then new_message to everyone, and store it with upstream usage', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['The', ' answer', ' is', ' 42', '.'], delayMs: 60, usage: { prompt_tokens: 55, completion_tokens: 5 } });
    const before = fake.requests.length;
    const aliceLog = replyLog(a);
    const bobLog = replyLog(b);

    const { question, start, reply } = await askAndWait(a, 'general', 'What is the answer?');
    await settle(a, 'general', [a, b]);

    expect(start).toEqual({ messageId: reply.id, roomId: 'general', seq: question.seq + 1, replyTo: question.id, content: '', nextIndex: 0 });
    expect(reply).toEqual({
      id: start.messageId,
      roomId: 'general',
      seq: question.seq + 1,
      userId: null,
      username: 'assistant',
      displayName: 'AI Assistant',
      content: 'The answer is 42.',
      timestamp: expect.any(String),
      isAi: true,
      status: 'complete',
      ...FRESH_MESSAGE_STATE,
      metadata: {
        replyTo: question.id,
        requestedBy: alice.id,
        model: 'fake-model',
        promptTokens: 55,
        completionTokens: 5,
        tokensEstimated: false,
        firstTokenMs: expect.any(Number),
        durationMs: expect.any(Number),
      },
    });

    for (const log of [aliceLog, bobLog]) {
      const deltas = log.deltas(reply.id);
      expect(deltas.map((d) => d.index)).toEqual(deltas.map((_, i) => i));
      expect(deltas.every((d) => d.roomId === 'general' && d.delta !== '')).toBe(true);
      expect(log.text(reply.id)).toBe('The answer is 42.');
      expect(log.timeline(reply.id)).toEqual(['ai_stream_start', 'ai_stream_delta', 'ai_stream_end', 'new_message']);
      expect(log.errors()).toEqual([]);
      // The final message as new_message, once, to the asker too.
      const finals = log.items.filter(([event, m]) => event === 'new_message' && (m as ChatMessage).id === reply.id).map(([, m]) => m);
      expect(finals).toEqual([reply]);
    }
    // The question reaches the room before its answer starts.
    const bobEvents = bobLog.items.map(([event, payload]) => [event, (payload as { id?: string; messageId?: string }).id ?? (payload as { messageId?: string }).messageId]);
    expect(bobEvents.findIndex(([e, id]) => e === 'new_message' && id === question.id)).toBeLessThan(
      bobEvents.findIndex(([e, id]) => e === 'ai_stream_start' && id === reply.id),
    );
    expect(aliceLog.timeline(question.id)).toEqual(['message_sent']);

    const stored = (await history(t, 'general')).find((m) => m.id === reply.id);
    expect(stored).toEqual(reply);

    expect(fake.requests.length).toBe(before + 1);
    const request = fake.requests[before];
    expect(request.headers.authorization).toBe('Bearer sk-e2e-key');
    expect(request.body).toMatchObject({ model: 'fake-model', stream: true, temperature: 0.5, max_tokens: 200 });
    expect(request.body.messages.at(-1)).toEqual({ role: 'user', content: 'ALICE: What is the answer?' });
  });

  it('should answer a message that mentions @ai, without useAi', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['Pong', '.'] });
    const before = fake.requests.length;
    const { question, reply } = await askAndWait(b, 'general', 'ping @AI, are you there?', false);
    expect(reply.status).toBe('complete');
    expect(reply.content).toBe('Pong.');
    expect(reply.metadata?.requestedBy).toBe(bob.id);
    expect(reply.metadata?.replyTo).toBe(question.id);
    expect(fake.requests.length).toBe(before + 1);
    expect(fake.requests[before].body.messages.at(-1)?.content).toBe('BOB: ping @AI, are you there?');
  });

  it('should answer an @ai mention posted over REST like one sent over the socket', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['Via', ' REST.'] });
    const ended = collect(b, 'ai_stream_end');
    const posted = await t.http<ChatMessage>('POST', '/api/rooms/general/messages', { token: alice.token, body: { content: '@ai from a script' } });
    expect(posted.status).toBe(201);
    const { message: reply } = await found(ended.items, (e) => e.message.metadata?.replyTo === posted.body.id);
    ended.stop();
    expect(reply).toMatchObject({ status: 'complete', content: 'Via REST.', metadata: { requestedBy: alice.id } });
  });

  it('should not answer messages without useAi or a real @ai mention', async () => {
    const before = fake.requests.length;
    const aliceLog = replyLog(a);
    const bobLog = replyLog(b);
    const questions = [
      await send(a, 'general', 'hello everyone'),
      await send(a, 'general', 'write to ops@ai.example.com'),
      await send(a, 'general', 'ask @aide or @ai_team'),
      await send(a, 'general', 'the AI said so'),
    ];
    // A real question afterwards: had any of the above triggered, its reply would have started first.
    fake.enqueue({ kind: 'stream', tokens: ['Only', ' this.'] });
    const control = await askAndWait(a, 'general', 'and now @ai', false);
    await settle(a, 'general', [a, b]);
    expect(aliceLog.starts().map((s) => s.replyTo)).toEqual([control.question.id]);
    expect(bobLog.starts().map((s) => s.replyTo)).toEqual([control.question.id]);
    expect(fake.requests.length).toBe(before + 1);
    expect(fake.requests[before].body.messages.at(-1)?.content).toBe('ALICE: and now @ai');
    for (const question of questions) expect(await aiRepliesTo(t, question.id)).toEqual([]);
  });

  it('should refuse with AI_UNAVAILABLE in a room with the assistant off, store nothing for it, and deliver the question as usual', async () => {
    await createRoom(t, alice.token, { id: 'quiet', name: 'Quiet', visibility: 'public', aiEnabled: false });
    await joinRoom(a, 'quiet');
    await joinRoom(b, 'quiet');
    const before = fake.requests.length;
    const aliceLog = replyLog(a);
    const bobLog = replyLog(b);
    const error = nextEvent(a, 'error');
    const delivered = nextEvent(b, 'new_message', (m) => m.content === '@ai anyone?');

    const question = await send(a, 'quiet', '@ai anyone?', true);
    expect(await error).toEqual({ code: ErrorCode.AI_UNAVAILABLE, message: expect.any(String), event: 'send_message' });
    expect((await delivered).id).toBe(question.id);
    await settle(a, 'quiet', [a, b]);

    expect(aliceLog.starts()).toEqual([]);
    expect(bobLog.starts()).toEqual([]);
    expect(bobLog.errors()).toEqual([]);
    expect(fake.requests.length).toBe(before);
    const stored = await history(t, 'quiet');
    expect(stored.map((m) => m.content)).toEqual(['@ai anyone?', expect.stringMatching(/^marker-/)]);
    expect(stored.some((m) => m.isAi)).toBe(false);
  });

  it('should store the reply as streaming before the upstream answers, with a seq between the question and later messages', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['Slow', ' but', ' sure.'], firstDelayMs: 700, delayMs: 50 });
    const before = fake.requests.length;
    const question = await send(a, 'general', '@ai take your time');
    const start = await nextEvent(b, 'ai_stream_start', (s) => s.replyTo === question.id);
    await upstreamReceived(fake, before + 1);

    const placeholder = await storedRow(t, start.messageId);
    expect(placeholder).toMatchObject({ seq: question.seq + 1, content: '', status: 'streaming', is_ai: true });
    expect(placeholder.metadata).toMatchObject({ replyTo: question.id, requestedBy: alice.id, model: 'fake-model' });
    expect((await history(t, 'general')).find((m) => m.id === start.messageId)?.status).toBe('streaming');

    const later = await send(b, 'general', 'meanwhile, lunch?');
    expect(later.seq).toBe(start.seq + 1);
    expect((await storedRow(t, start.messageId)).status).toBe('streaming');

    const reply = await replyEnded(a, start.messageId);
    expect(reply.content).toBe('Slow but sure.');
    const tail = (await history(t, 'general')).filter((m) => m.seq >= question.seq).slice(0, 3);
    expect(tail.map((m) => [m.seq, m.id, m.status])).toEqual([
      [question.seq, question.id, 'complete'],
      [question.seq + 1, start.messageId, 'complete'],
      [question.seq + 2, later.id, 'complete'],
    ]);
  });

  it('should give a seed-style client, listening only to new_message, the question and the final answer', async () => {
    const seed = await t.connect(bob.token);
    const received: ChatMessage[] = [];
    seed.on('new_message', (m) => received.push(m));
    await emitWithAck(seed, 'join_room', 'general');
    fake.enqueue({ kind: 'stream', tokens: ['Seed', 's ', 'see', ' this.'], delayMs: 30 });

    const { question, reply } = await askAndWait(a, 'general', 'can seed clients see answers?');
    await settle(a, 'general', [a, seed]);
    const relevant = received.filter((m) => m.id === question.id || m.id === reply.id);
    expect(relevant).toEqual([question, reply]);
    expect(relevant[1]).toMatchObject({ isAi: true, status: 'complete', content: 'Seeds see this.' });
    expect(received.some((m) => m.status === 'streaming')).toBe(false);
    seed.disconnect();
  });

  it('should count tokens with a real tokenizer when the upstream reports no usage', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['Counting', ' tokens', ' here', ', honestly.'], usage: null });
    const before = fake.requests.length;
    const { reply } = await askAndWait(a, 'general', '@ai count please', false);
    expect(reply.content).toBe('Counting tokens here, honestly.');
    expect(reply.metadata?.tokensEstimated).toBe(true);
    expect(reply.metadata?.completionTokens).toBe(countTokens('Counting tokens here, honestly.'));
    const sent = fake.requests[before].body.messages;
    const textTokens = sent.reduce((sum, m) => sum + countTokens(m.content), 0);
    expect(reply.metadata?.promptTokens).toBeGreaterThanOrEqual(textTokens);
    expect(reply.metadata?.promptTokens).toBeLessThanOrEqual(textTokens + 8 * sent.length);
    expect((await storedRow(t, reply.id)).metadata).toMatchObject({ tokensEstimated: true, completionTokens: reply.metadata?.completionTokens });
  });

  it('should coalesce a burst of tokens into a few deltas and write the reply to the database once', async () => {
    const tokens = Array.from({ length: 40 }, (_, i) => `t${i} `);
    fake.enqueue({ kind: 'stream', tokens });
    const dataSource = t.app.get(DataSource);
    const original = dataSource.query.bind(dataSource);
    const writes: string[] = [];
    dataSource.query = ((sql: string, parameters?: unknown[]) => {
      if (/^\s*(UPDATE|INSERT)\b/i.test(sql) && /messages/i.test(sql)) writes.push(sql);
      return original(sql, parameters);
    }) as typeof dataSource.query;
    const deltas = collect(a, 'ai_stream_delta');
    try {
      const { reply } = await askAndWait(a, 'general', '@ai burst', false);
      const mine = deltas.items.filter((d) => d.messageId === reply.id);
      expect(mine.map((d) => d.delta).join('')).toBe(tokens.join(''));
      expect(mine.map((d) => d.index)).toEqual(mine.map((_, i) => i));
      expect(mine.length).toBeLessThan(tokens.length / 4);
      expect(writes.filter((sql) => /^\s*UPDATE messages/i.test(sql))).toHaveLength(1);
    } finally {
      dataSource.query = original;
      deltas.stop();
    }
  });

  it('should stream replies to two rooms at once, each to its own room only', async () => {
    await createRoom(t, bob.token, { id: 'side', name: 'Side', visibility: 'public' });
    const c = await t.connect(bob.token);
    await joinRoom(c, 'side');
    fake.enqueue(
      { kind: 'stream', tokens: ['general', ' one', ' two'], delayMs: 40 },
      { kind: 'stream', tokens: ['side', ' uno', ' dos'], delayMs: 40 },
    );
    const cLog = replyLog(c);
    const [inGeneral, inSide] = await Promise.all([askAndWait(a, 'general', '@ai in general', false), askAndWait(c, 'side', '@ai in side', false)]);
    expect(new Set([inGeneral.reply.content, inSide.reply.content])).toEqual(new Set(['general one two', 'side uno dos']));
    expect(inGeneral.reply.roomId).toBe('general');
    expect(inSide.reply.roomId).toBe('side');
    expect(cLog.deltas(inGeneral.reply.id)).toEqual([]);
    expect(cLog.text(inSide.reply.id)).toBe(inSide.reply.content);
    c.disconnect();
  });

  it('should give a client that catches up mid-reply the text so far in ai_stream_start, then the remaining deltas', async () => {
    const tokens = Array.from({ length: 12 }, (_, i) => `part${i} `);
    fake.enqueue({ kind: 'stream', tokens, delayMs: 60 });
    const aliceLog = replyLog(a);
    const question = await send(a, 'general', '@ai a longer one');
    const start = await replyStarted(a, question);
    await found(() => aliceLog.deltas(start.messageId), (d) => d.index >= 2);

    const late = await t.connect(bob.token);
    const lateLog = replyLog(late);
    await emitWithAck(late, 'join_room', { roomId: 'general', lastSeq: question.seq });
    const reply = await replyEnded(late, start.messageId);
    expect(reply.content).toBe(tokens.join(''));

    const [caughtUp] = lateLog.starts();
    expect(caughtUp).toMatchObject({ messageId: start.messageId, seq: start.seq, replyTo: question.id });
    expect(caughtUp.content).not.toBe('');
    const rest = lateLog.deltas(start.messageId);
    expect(rest.length).toBeGreaterThan(0);
    // Indexes carry on from where the text so far ends (the start says which comes next), and together they make the whole reply.
    expect(rest[0].index).toBe(caughtUp.nextIndex);
    expect(rest.map((d) => d.index)).toEqual(rest.map((_, i) => rest[0].index + i));
    expect(caughtUp.content).toBe(aliceLog.deltas(start.messageId).slice(0, rest[0].index).map((d) => d.delta).join(''));
    expect(caughtUp.content + lateLog.text(start.messageId)).toBe(reply.content);
    late.disconnect();
  });

  it('should include the reply in REST history and catch-up once complete', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['Stored', '.'] });
    const { question, reply } = await askAndWait(a, 'general', '@ai store this', false);
    const late = await t.connect(bob.token);
    const caughtUp = collect(late, 'new_message');
    await emitWithAck(late, 'join_room', { roomId: 'general', lastSeq: question.seq - 1 });
    const got = await found(caughtUp.items, (m) => m.id === reply.id);
    expect(got).toEqual(reply);
    expect(caughtUp.items.slice(0, 2).map((m) => m.id)).toEqual([question.id, reply.id]);
    late.disconnect();
  });
});
