import { ErrorCode } from '@chat/contract';
import { loadConfig } from '../config/app-config.js';
import { FakeOpenAiServer } from '@chat/server-testing';
import { LlmFailure, ReplyStopped } from './llm-provider.js';
import { OpenAiProvider } from './openai-provider.js';
import { backoffMs, RelayResult, StreamRelay } from './stream-relay.js';

const TURNS = [{ role: 'user' as const, content: 'ALICE: hi?' }];

describe(StreamRelay.name, () => {
  const fake = new FakeOpenAiServer();
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await fake.start();
  });
  afterAll(() => fake.close());

  /** A relay over the real OpenAI client talking to the fake, with these LLM_* settings. */
  function relayWith(env: Record<string, string> = {}): StreamRelay {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/chat-stream-relay-spec', OPENAI_BASE_URL: baseUrl, LLM_MODEL: 'fake-model', ...env });
    return new StreamRelay(new OpenAiProvider(config.llm), config);
  }

  async function run(relay: StreamRelay, signal = new AbortController().signal): Promise<{ texts: string[]; result?: RelayResult; error?: unknown }> {
    const texts: string[] = [];
    try {
      const result = await relay.relay({ messages: TURNS, sources: [], signal, onText: (text) => texts.push(text) });
      return { texts, result };
    } catch (error) {
      return { texts, error };
    }
  }

  function failure(outcome: { error?: unknown }): LlmFailure {
    expect(outcome.error).toBeInstanceOf(LlmFailure);
    return outcome.error as LlmFailure;
  }

  it('should relay the text in order and return the usage the upstream reported', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['Hel', 'lo'], usage: { prompt_tokens: 9, completion_tokens: 2 } });
    const outcome = await run(relayWith());
    expect(outcome.error).toBeUndefined();
    expect(outcome.texts).toEqual(['Hel', 'lo']);
    expect(outcome.result).toEqual({ usage: { type: 'usage', promptTokens: 9, completionTokens: 2 } });
  });

  it('should end with AI_TIMEOUT when the first token is later than LLM_TIMEOUT_MS', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['late'], firstDelayMs: 3000 });
    const outcome = await run(relayWith({ LLM_TIMEOUT_MS: '300', LLM_MAX_RETRIES: '0' }));
    expect(failure(outcome).code).toBe(ErrorCode.AI_TIMEOUT);
    expect(failure(outcome).message).toBe('The model did not answer within 0.3 s');
    expect(outcome.texts).toEqual([]);
  });

  it('should end with AI_TIMEOUT when the next token stalls, keeping what was relayed, and not retry', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['one', ' two', ' three'], stallAfter: 1 });
    const before = fake.requests.length;
    const outcome = await run(relayWith({ LLM_TIMEOUT_MS: '300', LLM_MAX_RETRIES: '2' }));
    expect(failure(outcome).code).toBe(ErrorCode.AI_TIMEOUT);
    expect(outcome.texts).toEqual(['one']);
    expect(fake.requests.length - before).toBe(1);
  });

  it('should retry a retryable failure before the first token and then relay the answer', async () => {
    fake.enqueue({ kind: 'status', status: 503 }, { kind: 'stream', tokens: ['ok'] });
    const before = fake.requests.length;
    const outcome = await run(relayWith({ LLM_MAX_RETRIES: '2' }));
    expect(outcome.error).toBeUndefined();
    expect(outcome.texts).toEqual(['ok']);
    expect(fake.requests.length - before).toBe(2);
  });

  it('should wait as long as Retry-After says before retrying', async () => {
    fake.enqueue({ kind: 'status', status: 429, retryAfter: '1' }, { kind: 'stream', tokens: ['after the wait'] });
    const before = fake.requests.length;
    const outcome = await run(relayWith({ LLM_MAX_RETRIES: '1' }));
    expect(outcome.texts).toEqual(['after the wait']);
    const [first, second] = fake.requests.slice(before);
    // Never sooner than asked (a little slack for clock granularity).
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('should give up after LLM_MAX_RETRIES retries with the last failure', async () => {
    fake.enqueue({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const before = fake.requests.length;
    const outcome = await run(relayWith({ LLM_MAX_RETRIES: '1' }));
    expect(failure(outcome).code).toBe(ErrorCode.AI_UNAVAILABLE);
    expect(fake.requests.length - before).toBe(2);
  });

  it('should not retry once text was relayed (a retry would repeat it)', async () => {
    fake.enqueue({ kind: 'stream', tokens: ['partial', ' more'], cutAfter: 1, delayMs: 200 });
    const before = fake.requests.length;
    const outcome = await run(relayWith({ LLM_MAX_RETRIES: '2' }));
    expect(outcome.error).toBeDefined();
    expect(outcome.texts).toEqual(['partial']);
    expect(fake.requests.length - before).toBe(1);
  });

  it('should stop waiting for a retry at once when the reply is stopped, with the stop as the reason', async () => {
    fake.enqueue({ kind: 'status', status: 429, retryAfter: '30' });
    const controller = new AbortController();
    const before = fake.requests.length;
    const running = run(relayWith({ LLM_MAX_RETRIES: '1' }), controller.signal);
    await waitFor(() => fake.requests.length > before && fake.requests[before].closedAt !== undefined);
    const stop = new ReplyStopped('user');
    controller.abort(stop);
    const outcome = await running;
    expect(outcome.error).toBe(stop);
    expect(fake.requests.length - before).toBe(1);
  });

  it('should back off exponentially with jitter, capped, unless Retry-After is given', () => {
    expect(backoffMs(0, 1234)).toBe(1234);
    for (let attempt = 0; attempt < 6; attempt++) {
      const base = Math.min(8000, 400 * 2 ** attempt);
      const delay = backoffMs(attempt, undefined);
      expect(delay).toBeGreaterThanOrEqual(base * 0.75);
      expect(delay).toBeLessThanOrEqual(base * 1.25);
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 500) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
