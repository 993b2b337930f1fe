import { FakeOpenAiServer } from '@chat/server-testing';
import { collect, emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

describe('assistant (smoke)', () => {
  let t: TestApp;
  const fake = new FakeOpenAiServer();
  beforeAll(async () => {
    const baseUrl = await fake.start();
    t = await startTestApp({ OPENAI_BASE_URL: baseUrl, LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('should stream a reply to the room and store it', async () => {
    const alice = await t.createUser();
    const a = await t.connect(alice.token);
    await emitWithAck(a, 'join_room', 'general');
    const deltas = collect(a, 'ai_stream_delta');
    const start = nextEvent(a, 'ai_stream_start');
    const end = nextEvent(a, 'ai_stream_end');
    const final = nextEvent(a, 'new_message', (m) => m.isAi);
    await emitWithAck(a, 'send_message', { roomId: 'general', content: 'What is up?', useAi: true });
    const started = await start;
    const ended = await end;
    expect(ended.message.status).toBe('complete');
    expect(ended.message.content).toBe('Hello from the fake model.');
    expect(deltas.items.map((d) => d.delta).join('')).toBe('Hello from the fake model.');
    expect(deltas.items.map((d) => d.index)).toEqual(deltas.items.map((_, i) => i));
    expect((await final).id).toBe(started.messageId);
    expect(fake.requests[0].body.messages.at(-1)?.content).toContain('What is up?');
  });
});
