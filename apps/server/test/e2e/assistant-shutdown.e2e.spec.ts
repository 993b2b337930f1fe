import pg from 'pg';
import { ErrorCode } from '@chat/contract';
import { FakeOpenAiServer } from '@chat/server-testing';
import { found, joinRoom, replyLog, replyStarted, send, upstreamReceived } from '../support/assistant-helpers.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const TOKENS = Array.from({ length: 100 }, (_, i) => `s${i} `);
const RESTARTED = '⚠️ The server restarted while answering';

describe('assistant: shutdown while replies stream', () => {
  let t: TestApp;
  const fake = new FakeOpenAiServer();

  beforeAll(async () => {
    const baseUrl = await fake.start();
    t = await startTestApp({ OPENAI_BASE_URL: baseUrl, LLM_MODEL: 'fake-model', LLM_MAX_CONCURRENCY: '2', LLM_QUEUE_SIZE: '2', LLM_USER_SHARE: '4', LLM_TIMEOUT_MS: '10000' });
  });
  afterAll(async () => {
    await t.database.drop();
    await fake.close();
  });

  it('should end running, waiting and queued replies as error with their partial text saved, none left streaming', async () => {
    const { token } = await t.createUser();
    const socket = await t.connect(token);
    await joinRoom(socket, 'general');
    const log = replyLog(socket);
    fake.enqueue({ kind: 'stream', tokens: TOKENS, delayMs: 40 }, { kind: 'hang' });

    const streamingQ = await send(socket, 'general', '@ai talk for a while');
    const streaming = await replyStarted(socket, streamingQ);
    await found(() => log.deltas(streaming.messageId), (d) => d.index >= 1);
    const hangingQ = await send(socket, 'general', '@ai this one hangs');
    const hanging = await replyStarted(socket, hangingQ);
    await upstreamReceived(fake, 2);
    const queuedQ = await send(socket, 'general', '@ai and this one waits');
    const queued = await replyStarted(socket, queuedQ);
    const seen = log.text(streaming.messageId);

    await t.app.close();

    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; status: string; content: string; metadata: { errorCode?: string } }>(
        `SELECT id, status, content, metadata FROM messages WHERE is_ai ORDER BY seq`,
      );
      expect(rows.map((r) => [r.id, r.status])).toEqual([
        [streaming.messageId, 'error'],
        [hanging.messageId, 'error'],
        [queued.messageId, 'error'],
      ]);
      const [first, second, third] = rows;
      expect(first.content.endsWith(`\n\n${RESTARTED}`)).toBe(true);
      const partial = first.content.slice(0, -`\n\n${RESTARTED}`.length);
      expect(partial.startsWith(seen)).toBe(true);
      expect(seen.length).toBeGreaterThan(0);
      expect(TOKENS.join('').startsWith(partial)).toBe(true);
      expect(partial.length).toBeLessThan(TOKENS.join('').length);
      expect(second.content).toBe(RESTARTED);
      expect(third.content).toBe(RESTARTED);
      for (const row of rows) expect(row.metadata.errorCode).toBe(ErrorCode.AI_UNAVAILABLE);
    } finally {
      await client.end();
    }
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests.every((r) => r.abandoned === true)).toBe(true);
  });
});
