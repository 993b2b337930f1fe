import { countTokens } from 'gpt-tokenizer';
import { LlmProvider } from '../../src/llm/llm-provider.js';
import { OFFLINE_NOTHING_FOUND } from '../../src/llm/offline-provider.js';
import { FakeOpenAiServer } from '@chat/server-testing';
import { askAndWait, joinRoom, replyLog } from '../support/assistant-helpers.js';
import { startTestApp, TestApp } from '../support/test-app.js';

describe('assistant: no model configured', () => {
  let t: TestApp | undefined;
  const fake = new FakeOpenAiServer();
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  afterAll(() => fake.close());

  it('should stream an honest "no model is configured" answer when no OPENAI_* variable is set', async () => {
    t = await startTestApp();
    expect(t.config.llm.provider).toBe('offline');
    const { token } = await t.createUser();
    const socket = await t.connect(token);
    await joinRoom(socket, 'general');
    const log = replyLog(socket);

    const { reply } = await askAndWait(socket, 'general', '@ai what is our refund policy?', false);
    expect(OFFLINE_NOTHING_FOUND).toMatch(/^No language model is configured on this server/);
    expect(OFFLINE_NOTHING_FOUND).toContain('OPENAI_BASE_URL');
    expect(reply).toMatchObject({ status: 'complete', content: OFFLINE_NOTHING_FOUND, isAi: true });
    expect(reply.metadata).toMatchObject({ model: 'offline', tokensEstimated: true, completionTokens: countTokens(OFFLINE_NOTHING_FOUND) });
    const deltas = log.deltas(reply.id);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.index)).toEqual(deltas.map((_, i) => i));
    expect(log.text(reply.id)).toBe(OFFLINE_NOTHING_FOUND);
    expect(log.errors()).toEqual([]);
  });

  it('should answer offline when LLM_PROVIDER=offline even with an endpoint configured, and never call it', async () => {
    const baseUrl = await fake.start();
    t = await startTestApp({ LLM_PROVIDER: 'offline', OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: 'sk-unused' });
    expect(t.app.get(LlmProvider).name).toBe('offline');
    const { token } = await t.createUser();
    const socket = await t.connect(token);
    await joinRoom(socket, 'general');
    const { reply } = await askAndWait(socket, 'general', 'hello', true);
    expect(reply.content).toBe(OFFLINE_NOTHING_FOUND);
    expect(fake.requests).toEqual([]);
  });
});
