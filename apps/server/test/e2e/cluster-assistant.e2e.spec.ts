import { FakeOpenAiServer } from '@chat/server-testing';
import { createRoom, found, joinRoom, replyEnded, replyLog, replyStarted, send, storedRow, upstreamClosed } from '../support/assistant-helpers.js';
import { startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import { ChatClient, emitWithAck } from '../support/test-app.js';

const ROOM = 'cluster-ai';
const TOKENS = Array.from({ length: 60 }, (_, i) => `t${i} `);

describe('two instances: the assistant', () => {
  let cluster: TestCluster;
  const fake = new FakeOpenAiServer();
  let askerOnA: ChatClient;
  let watcherOnB: ChatClient;
  let askerOnB: ChatClient;

  beforeAll(async () => {
    const baseUrl = await fake.start();
    cluster = await startTwoInstances('cluster-assistant', { OPENAI_BASE_URL: baseUrl, LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: '5000', LLM_COALESCE_MS: '20' });
    const asker = await cluster.a.createUser('staff', `asker_${Date.now()}`);
    const watcher = await cluster.a.createUser('staff', `watcher_${Date.now()}`);
    await createRoom(cluster.a, asker.token, { id: ROOM, name: 'AI across instances', visibility: 'public' });
    askerOnA = await cluster.a.connect(asker.token);
    askerOnB = await cluster.b.connect(asker.token);
    watcherOnB = await cluster.b.connect(watcher.token);
    for (const socket of [askerOnA, askerOnB, watcherOnB]) await joinRoom(socket, ROOM);
  });
  afterAll(async () => {
    await cluster.close();
    await fake.close();
  });

  it('should stream a reply running on one instance to clients on the other, the same deltas in order', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['Hello', ' from', ' instance', ' A'], delayMs: 20 });
    const logA = replyLog(askerOnA);
    const logB = replyLog(watcherOnB);
    const question = await send(askerOnA, ROOM, '@ai say hello');
    const start = await replyStarted(watcherOnB, question);
    const endedOnA = replyEnded(askerOnA, start.messageId);
    const ended = await replyEnded(watcherOnB, start.messageId);
    expect(await endedOnA).toEqual(ended);
    expect(ended).toMatchObject({ status: 'complete', content: 'Hello from instance A' });
    expect(logB.text(start.messageId)).toBe('Hello from instance A');
    expect(logB.deltas(start.messageId).map((d) => d.index)).toEqual(logA.deltas(start.messageId).map((d) => d.index));
    expect(logB.timeline(start.messageId)).toEqual(['ai_stream_start', 'ai_stream_delta', 'ai_stream_end', 'new_message']);
    expect(fake.requests).toHaveLength(1);
  });

  it('should stop a reply running on instance A within a second when ai_cancel reaches instance B', async () => {
    fake.enqueue({ kind: 'stream', tokens: TOKENS, delayMs: 50 });
    const request = fake.requests.length;
    const logB = replyLog(askerOnB);
    const question = await send(askerOnA, ROOM, '@ai a long story please');
    const start = await replyStarted(askerOnB, question);
    await found(() => logB.deltas(start.messageId), () => true);
    const ended = replyEnded(watcherOnB, start.messageId);

    const sent = Date.now();
    expect(await emitWithAck(askerOnB, 'ai_cancel', { messageId: start.messageId })).toEqual({ ok: true, messageId: start.messageId });
    const message = await ended;
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(message.status).toBe('cancelled');
    expect(message.content).not.toBe('');
    expect(TOKENS.join('').startsWith(message.content)).toBe(true);
    expect(message.content.length).toBeLessThan(TOKENS.join('').length);
    expect(await storedRow(cluster.a, start.messageId)).toMatchObject({ status: 'cancelled', content: message.content });
    expect((await upstreamClosed(fake, request)).abandoned).toBe(true);
  });
});
