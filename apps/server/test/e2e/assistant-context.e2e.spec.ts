import { countTokens } from 'gpt-tokenizer';
import { DEFAULT_SYSTEM_PROMPT } from '../../src/llm/prompt-builder.js';
import { FakeOpenAiServer, RecordedRequest } from '@chat/server-testing';
import { askAndWait, createRoom, joinRoom, send } from '../support/assistant-helpers.js';
import { ChatClient, startTestApp, TestApp } from '../support/test-app.js';

const CONTEXT_TOKENS = 256;

describe('assistant: what the model is sent', () => {
  let t: TestApp;
  const fake = new FakeOpenAiServer();
  let owner: { token: string };
  let a: ChatClient;
  let b: ChatClient;

  /** Asks and returns what the upstream received for it. */
  async function ask(socket: ChatClient, roomId: string, content: string): Promise<{ request: RecordedRequest; reply: Awaited<ReturnType<typeof askAndWait>>['reply'] }> {
    const before = fake.requests.length;
    const { reply } = await askAndWait(socket, roomId, content, false);
    expect(fake.requests.length).toBe(before + 1);
    return { request: fake.requests[before], reply };
  }

  beforeAll(async () => {
    const baseUrl = await fake.start();
    t = await startTestApp({ OPENAI_BASE_URL: baseUrl, LLM_MODEL: 'fake-model', LLM_CONTEXT_TOKENS: String(CONTEXT_TOKENS), LLM_TIMEOUT_MS: '3000' });
    const [alice, bob] = await Promise.all([t.createUser('staff', 'alice'), t.createUser('staff', 'bob')]);
    owner = alice;
    a = await t.connect(alice.token);
    b = await t.connect(bob.token);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('should send the default system prompt in a room without its own', async () => {
    await joinRoom(a, 'general');
    fake.enqueue({ kind: 'stream', tokens: ['Hi.'] });
    const { request } = await ask(a, 'general', '@ai hello');
    expect(request.body.messages).toEqual([
      { role: 'system', content: DEFAULT_SYSTEM_PROMPT },
      { role: 'user', content: 'ALICE: @ai hello' },
    ]);
  });

  it("should send the room's system prompt, then history in order with people labelled by name and earlier answers as assistant turns", async () => {
    await createRoom(t, owner.token, { id: 'deploys', name: 'Deploys', visibility: 'public', systemPrompt: 'You are the deploy bot. Be brief.' });
    await joinRoom(a, 'deploys');
    await joinRoom(b, 'deploys');
    await send(a, 'deploys', 'Deploy is at 5?');
    await send(b, 'deploys', 'Yes, 5 pm, eu-west.');
    fake.enqueue({ kind: 'stream', tokens: ['Deploy', ' at', ' 5 pm.'] });
    const first = await ask(a, 'deploys', '@ai summarize');
    expect(first.request.body.messages).toEqual([
      { role: 'system', content: 'You are the deploy bot. Be brief.' },
      { role: 'user', content: 'ALICE: Deploy is at 5?' },
      { role: 'user', content: 'BOB: Yes, 5 pm, eu-west.' },
      { role: 'user', content: 'ALICE: @ai summarize' },
    ]);

    fake.enqueue({ kind: 'stream', tokens: ['eu-west.'] });
    const second = await ask(b, 'deploys', '@ai which region?');
    expect(second.request.body.messages).toEqual([
      { role: 'system', content: 'You are the deploy bot. Be brief.' },
      { role: 'user', content: 'ALICE: Deploy is at 5?' },
      { role: 'user', content: 'BOB: Yes, 5 pm, eu-west.' },
      { role: 'user', content: 'ALICE: @ai summarize' },
      { role: 'assistant', content: 'Deploy at 5 pm.' },
      { role: 'user', content: 'BOB: @ai which region?' },
    ]);
  });

  it('should use a changed system prompt from the next question on', async () => {
    const patched = await t.http('PATCH', '/api/rooms/deploys', { token: owner.token, body: { systemPrompt: 'Answer in French.' } });
    expect(patched.status).toBe(200);
    fake.enqueue({ kind: 'stream', tokens: ['Oui.'] });
    const { request } = await ask(a, 'deploys', '@ai ok?');
    expect(request.body.messages[0]).toEqual({ role: 'system', content: 'Answer in French.' });
  });

  it('should leave failed replies out of the history', async () => {
    await createRoom(t, owner.token, { id: 'flaky', name: 'Flaky', visibility: 'public', systemPrompt: 'S.' });
    await joinRoom(a, 'flaky');
    fake.enqueue({ kind: 'status', status: 400, message: 'bad request' });
    const failed = await ask(a, 'flaky', '@ai first try');
    expect(failed.reply.status).toBe('error');
    fake.enqueue({ kind: 'stream', tokens: ['Fine.'] });
    const { request } = await ask(a, 'flaky', '@ai second try');
    expect(request.body.messages).toEqual([
      { role: 'system', content: 'S.' },
      { role: 'user', content: 'ALICE: @ai first try' },
      { role: 'user', content: 'ALICE: @ai second try' },
    ]);
  });

  it('should fit the history to LLM_CONTEXT_TOKENS by dropping the oldest whole messages, keeping the order', async () => {
    const system = 'Be brief.';
    await createRoom(t, owner.token, { id: 'budget', name: 'Budget', visibility: 'public', systemPrompt: system });
    await joinRoom(a, 'budget');
    await joinRoom(b, 'budget');
    const lines: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const socket = i % 2 === 1 ? a : b;
      const content = `m${i} ${'alpha '.repeat(60).trim()}`;
      await send(socket, 'budget', content);
      lines.push(`${i % 2 === 1 ? 'ALICE' : 'BOB'}: ${content}`);
    }
    const question = 'ALICE: @ai what now?';
    // However a turn's framing is counted (0 to 6 tokens each), exactly the newest three fit.
    const fitting = (framing: number) => {
      let used = countTokens(system) + countTokens(question) + 2 * framing;
      let kept = 0;
      for (const line of [...lines].reverse()) {
        if (used + countTokens(line) + framing > CONTEXT_TOKENS) break;
        used += countTokens(line) + framing;
        kept++;
      }
      return kept;
    };
    for (let framing = 0; framing <= 6; framing++) expect(fitting(framing)).toBe(3);

    fake.enqueue({ kind: 'stream', tokens: ['Noted.'], usage: null });
    const { request, reply } = await ask(a, 'budget', '@ai what now?');
    expect(request.body.messages).toEqual([
      { role: 'system', content: system },
      { role: 'user', content: lines[3] },
      { role: 'user', content: lines[4] },
      { role: 'user', content: lines[5] },
      { role: 'user', content: question },
    ]);
    const sentTokens = request.body.messages.reduce((sum, m) => sum + countTokens(m.content), 0);
    expect(reply.metadata?.promptTokens).toBeGreaterThanOrEqual(sentTokens);
    expect(reply.metadata?.promptTokens).toBeLessThanOrEqual(CONTEXT_TOKENS);
  });
});
