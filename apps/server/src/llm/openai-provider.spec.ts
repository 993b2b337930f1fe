import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '@chat/contract';
import { loadConfig } from '../config/app-config.js';
import type { LlmConfig } from '../config/app-config.js';
import { FakeOpenAiServer } from '@chat/server-testing';
import { LlmChunk, LlmFailure } from './llm-provider.js';
import { OpenAiProvider } from './openai-provider.js';

const TURNS = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'ALICE: hi?' },
];

function llmConfig(env: Record<string, string>): LlmConfig {
  return loadConfig({ JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/chat-openai-provider-spec', ...env }).llm;
}

/** Everything the provider yields, and what it threw (if anything). */
async function run(provider: OpenAiProvider, signal = new AbortController().signal): Promise<{ chunks: LlmChunk[]; error?: unknown }> {
  const chunks: LlmChunk[] = [];
  try {
    for await (const chunk of provider.stream({ messages: TURNS, signal })) chunks.push(chunk);
    return { chunks };
  } catch (error) {
    return { chunks, error };
  }
}

function failure(outcome: { error?: unknown }): LlmFailure {
  expect(outcome.error).toBeInstanceOf(LlmFailure);
  return outcome.error as LlmFailure;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 250) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Until the fake has seen request `index` end (answered, cut or abandoned). */
const closed = (fake: FakeOpenAiServer, index: number) => waitFor(() => fake.requests[index]?.closedAt !== undefined);

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

describe(OpenAiProvider.name, () => {
  const fake = new FakeOpenAiServer();
  let provider: OpenAiProvider;

  beforeAll(async () => {
    const baseUrl = await fake.start();
    provider = new OpenAiProvider(
      llmConfig({ OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: 'sk-test-key', LLM_MODEL: 'fake-model', LLM_TEMPERATURE: '0.7', LLM_MAX_OUTPUT_TOKENS: '321' }),
    );
  });
  afterAll(() => fake.close());

  it('should send the chat completion request and yield text deltas, then the usage', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['Hel', 'lo', '!'], usage: { prompt_tokens: 17, completion_tokens: 3 } });
    const before = fake.requests.length;
    const outcome = await run(provider);
    expect(outcome.error).toBeUndefined();
    expect(outcome.chunks).toEqual([
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo' },
      { type: 'delta', text: '!' },
      { type: 'usage', promptTokens: 17, completionTokens: 3 },
    ]);
    const request = fake.requests[before];
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test-key');
    expect(request.body).toMatchObject({
      model: 'fake-model',
      messages: TURNS,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.7,
      max_tokens: 321,
    });
  });

  it('should yield no usage when the upstream reports none', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['a', 'b'], usage: null });
    const outcome = await run(provider);
    expect(outcome).toEqual({
      chunks: [
        { type: 'delta', text: 'a' },
        { type: 'delta', text: 'b' },
      ],
    });
  });

  it('should map 429 to a retryable AI_RATE_LIMITED carrying Retry-After in milliseconds', async () => {
    fake.enqueue({ kind: 'status', status: 429, retryAfter: '2' });
    const error = failure(await run(provider));
    expect(error.code).toBe(ErrorCode.AI_RATE_LIMITED);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(2000);
  });

  it('should read retry-after-ms, an HTTP date, and cap a very long Retry-After at 30 s', async () => {
    fake.enqueue({ kind: 'status', status: 429, retryAfter: '9', headers: { 'retry-after-ms': '250' } });
    expect(failure(await run(provider)).retryAfterMs).toBe(250);

    fake.enqueue({ kind: 'status', status: 429, retryAfter: new Date(Date.now() + 5000).toUTCString() });
    const dated = failure(await run(provider)).retryAfterMs;
    expect(dated).toBeGreaterThan(3000);
    expect(dated).toBeLessThanOrEqual(5000);

    fake.enqueue({ kind: 'status', status: 429, retryAfter: '3600' });
    expect(failure(await run(provider)).retryAfterMs).toBe(30_000);
  });

  it('should map 5xx to a retryable AI_UNAVAILABLE', async () => {
    fake.enqueue({ kind: 'status', status: 503 }, { kind: 'status', status: 500, retryAfter: '1' });
    const unavailable = failure(await run(provider));
    expect(unavailable.code).toBe(ErrorCode.AI_UNAVAILABLE);
    expect(unavailable.retryable).toBe(true);
    expect(unavailable.retryAfterMs).toBeUndefined();
    expect(unavailable.message).toBe('The model provider failed (HTTP 503)');

    const withHint = failure(await run(provider));
    expect(withHint.message).toBe('The model provider failed (HTTP 500)');
    expect(withHint.retryAfterMs).toBe(1000);
  });

  it('should map other refusals (400, 401, 404) to AI_UNAVAILABLE that is not retried', async () => {
    for (const status of [400, 401, 404]) {
      fake.enqueue({ kind: 'status', status });
      const error = failure(await run(provider));
      expect(error.code).toBe(ErrorCode.AI_UNAVAILABLE);
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(`The model provider refused the request (HTTP ${status})`);
    }
  });

  it('should map a connection that is refused, or dropped before any answer, to a retryable AI_UNAVAILABLE', async () => {
    const unreachable = new OpenAiProvider(llmConfig({ OPENAI_BASE_URL: await closedPortUrl() }));
    const refused = failure(await run(unreachable));
    expect(refused.code).toBe(ErrorCode.AI_UNAVAILABLE);
    expect(refused.retryable).toBe(true);
    expect(refused.message).toBe('The model provider could not be reached');

    fake.enqueue({ kind: 'stream', tokens: ['never'], cutAfter: 0 });
    const dropped = failure(await run(provider));
    expect(dropped.code).toBe(ErrorCode.AI_UNAVAILABLE);
    expect(dropped.retryable).toBe(true);
  });

  it('should yield the text that arrived and then fail with AI_UNAVAILABLE when the stream is cut', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['one', ' two', ' three', ' four'], delayMs: 30, cutAfter: 2 });
    const outcome = await run(provider);
    expect(outcome.chunks).toEqual([
      { type: 'delta', text: 'one' },
      { type: 'delta', text: ' two' },
    ]);
    const error = failure(outcome);
    expect(error.code).toBe(ErrorCode.AI_UNAVAILABLE);
    expect(error.message).toBe('The model provider broke off the reply');
  });

  it('should throw the abort reason when its signal is aborted mid-stream, and close the upstream request', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['a', 'b', 'c', 'd', 'e'], delayMs: 40 });
    const before = fake.requests.length;
    const controller = new AbortController();
    const reason = new Error('stopped by the test');
    const chunks: LlmChunk[] = [];
    let caught: unknown;
    try {
      for await (const chunk of provider.stream({ messages: TURNS, signal: controller.signal })) {
        chunks.push(chunk);
        if (chunks.length === 2) controller.abort(reason);
      }
    } catch (error) {
      caught = error;
    }
    expect(chunks).toEqual([
      { type: 'delta', text: 'a' },
      { type: 'delta', text: 'b' },
    ]);
    expect(caught).toBe(reason);
    await closed(fake, before);
    expect(fake.requests[before].abandoned).toBe(true);
  });

  it('should throw the abort reason when its signal is aborted before the upstream answers', async () => {
    fake.enqueue({ kind: 'hang' });
    const before = fake.requests.length;
    const controller = new AbortController();
    const reason = new Error('gave up waiting');
    const outcome = run(provider, controller.signal);
    await waitFor(() => fake.requests.length > before);
    controller.abort(reason);
    expect(await outcome).toEqual({ chunks: [], error: reason });
    await closed(fake, before);
    expect(fake.requests[before].abandoned).toBe(true);
  });
});
