import { ConfigError, loadConfig } from '../config/app-config.js';

const llm = (env: Record<string, string>) => loadConfig({ JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/chat-llm-config-spec', ...env }).llm;

describe('LLM configuration', () => {
  it('should choose the openai provider when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline', () => {
    expect(llm({}).provider).toBe('offline');
    expect(llm({ OPENAI_API_KEY: 'sk-1' }).provider).toBe('openai');
    expect(llm({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).provider).toBe('openai');
    expect(llm({ OPENAI_API_KEY: '  ' }).provider).toBe('offline');
    expect(llm({ OPENAI_API_KEY: 'sk-1', LLM_PROVIDER: 'offline' }).provider).toBe('offline');
    expect(llm({ LLM_PROVIDER: 'openai' }).provider).toBe('openai');
  });

  it('should have the documented defaults', () => {
    expect(llm({})).toEqual({
      provider: 'offline',
      apiKey: null,
      baseUrl: null,
      model: 'gpt-4o-mini',
      temperature: 0.3,
      maxOutputTokens: 1024,
      contextTokens: 8000,
      timeoutMs: 30_000,
      maxConcurrency: 4,
      queueSize: 16,
      userShare: 5,
      maxRetries: 2,
      requestsPerMinute: 10,
      coalesceMs: 30,
      sourceTokens: 2000,
    });
  });

  it('should read every variable', () => {
    expect(
      llm({
        OPENAI_API_KEY: 'sk-2',
        OPENAI_BASE_URL: 'https://llm.example.com/v1',
        LLM_MODEL: 'llama3.1',
        LLM_TEMPERATURE: '1.5',
        LLM_MAX_OUTPUT_TOKENS: '300',
        LLM_CONTEXT_TOKENS: '4096',
        LLM_TIMEOUT_MS: '1500',
        LLM_MAX_CONCURRENCY: '2',
        LLM_QUEUE_SIZE: '0',
        LLM_USER_SHARE: '1',
        LLM_MAX_RETRIES: '5',
        RATE_LIMIT_AI_PER_MINUTE: '60',
        LLM_COALESCE_MS: '0',
        LLM_SOURCE_TOKENS: '700',
      }),
    ).toEqual({
      provider: 'openai',
      apiKey: 'sk-2',
      baseUrl: 'https://llm.example.com/v1',
      model: 'llama3.1',
      temperature: 1.5,
      maxOutputTokens: 300,
      contextTokens: 4096,
      timeoutMs: 1500,
      maxConcurrency: 2,
      queueSize: 0,
      userShare: 1,
      maxRetries: 5,
      requestsPerMinute: 60,
      coalesceMs: 0,
      sourceTokens: 700,
    });
    expect(llm({ LLM_MAX_CONCURRENCY: '3' }).queueSize).toBe(12);
  });

  it.each([
    ['LLM_PROVIDER', 'anthropic'],
    ['OPENAI_BASE_URL', 'ftp://example.com'],
    ['OPENAI_BASE_URL', 'not a url'],
    ['LLM_TEMPERATURE', '3'],
    ['LLM_TEMPERATURE', 'warm'],
    ['LLM_CONTEXT_TOKENS', '100'],
    ['LLM_TIMEOUT_MS', '10'],
    ['LLM_MAX_CONCURRENCY', '0'],
    ['LLM_MAX_RETRIES', '11'],
    ['RATE_LIMIT_AI_PER_MINUTE', '1.5'],
  ])('should refuse %s=%s naming the variable', (variable, value) => {
    expect(() => llm({ [variable]: value })).toThrow(ConfigError);
    expect(() => llm({ [variable]: value })).toThrow(variable);
  });
});
