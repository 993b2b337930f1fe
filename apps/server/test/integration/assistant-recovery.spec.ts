import { DataSource } from 'typeorm';
import { createApp } from '../../src/app/create-app.js';
import { ReplyHousekeeping } from '../../src/llm/reply-housekeeping.js';
import { MessageWriter } from '../../src/messages/message-writer.js';
import { FakeOpenAiServer } from '@chat/server-testing';
import { emitWithAck, eventually, startTestApp, TestApp } from '../support/test-app.js';

describe('abandoned assistant replies', () => {
  let t: TestApp;
  let db: DataSource;
  const fake = new FakeOpenAiServer();
  beforeAll(async () => {
    t = await startTestApp({ OPENAI_BASE_URL: await fake.start(), LLM_TIMEOUT_MS: '60000' });
    db = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  /** A reply stored as streaming, as an instance that then died would leave it. */
  async function streamingReply(content: string, ageSeconds: number): Promise<string> {
    const { message } = await t.app.get(MessageWriter).write({
      roomId: 'general',
      userId: null,
      username: 'assistant',
      displayName: 'AI Assistant',
      content,
      isAi: true,
      status: 'streaming',
      metadata: { model: 'gone' },
    });
    await db.query(`UPDATE messages SET created_at = now() - make_interval(secs => $2), updated_at = NULL WHERE id = $1`, [message.id, ageSeconds]);
    return message.id;
  }

  const row = async (id: string) =>
    (await db.query<{ status: string; content: string; metadata: { errorCode?: string } }[]>(`SELECT status, content, metadata FROM messages WHERE id = $1`, [id]))[0];

  it('should end replies nobody keeps alive, keeping their text, and leave fresh ones alone', async () => {
    const abandoned = await streamingReply('Half an ans', 120);
    const empty = await streamingReply('', 120);
    const fresh = await streamingReply('Still going', 5);

    expect(await t.app.get(ReplyHousekeeping).recoverAbandonedReplies()).toBe(2);

    expect(await row(abandoned)).toMatchObject({
      status: 'error',
      content: 'Half an ans\n\n⚠️ The server stopped before this answer was finished.',
      metadata: { model: 'gone', errorCode: 'AI_UNAVAILABLE' },
    });
    expect((await row(empty)).content).toBe('⚠️ The server stopped before this answer was finished.');
    expect((await row(fresh)).status).toBe('streaming');
  });

  it("should keep this instance's running replies alive so no other instance ends them", async () => {
    fake.enqueue({ kind: 'hang' });
    const alice = await t.createUser();
    const socket = await t.connect(alice.token);
    await emitWithAck(socket, 'send_message', { roomId: 'general', content: 'a slow one', useAi: true });
    let replyId = '';
    await eventually(async () => {
      const rows = await db.query<{ id: string }[]>(`SELECT id FROM messages WHERE status = 'streaming' AND metadata->>'requestedBy' = $1`, [alice.user.id]);
      replyId = rows[0]?.id ?? '';
      return replyId !== '';
    });
    // Pretend the last heartbeat was long ago, as it would look to another instance.
    await db.query(`UPDATE messages SET created_at = now() - interval '5 minutes', updated_at = now() - interval '5 minutes' WHERE id = $1`, [replyId]);

    await t.app.get(ReplyHousekeeping).keepRepliesAlive();

    const [{ status, fresh }] = await db.query<{ status: string; fresh: boolean }[]>(
      `SELECT status, updated_at > now() - interval '10 seconds' AS fresh FROM messages WHERE id = $1`,
      [replyId],
    );
    expect({ status, fresh }).toEqual({ status: 'streaming', fresh: true });
  });

  it('should do it when an instance starts', async () => {
    const abandoned = await streamingReply('Cut off', 300);
    const second = await createApp(t.config);
    try {
      await second.init();
      expect((await row(abandoned)).status).toBe('error');
    } finally {
      await second.close();
    }
  });
});
