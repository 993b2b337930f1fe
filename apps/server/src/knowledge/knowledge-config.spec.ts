import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config/app-config.js';

const base = { DATA_DIR: mkdtempSync(join(tmpdir(), 'knowledge-config-')), JWT_SECRET: 'x'.repeat(40) };
const knowledge = (env: Record<string, string>) => loadConfig({ ...base, ...env }).knowledge;

describe('knowledge configuration', () => {
  it('should default to English, 300-token chunks overlapping by 50, 10 MB uploads and no embeddings', () => {
    expect(knowledge({})).toEqual({ language: 'english', chunkTokens: 300, chunkOverlapTokens: 50, maxUploadBytes: 10 * 1024 * 1024, parseThreads: 1, parseMemoryMb: 512, parseTimeoutMs: 20_000, uploadsPerMinute: 60, embeddingsModel: null });
  });

  it('should read every KNOWLEDGE_* variable and EMBEDDINGS_MODEL', () => {
    expect(
      knowledge({
        KNOWLEDGE_LANGUAGE: 'German',
        KNOWLEDGE_CHUNK_TOKENS: '500',
        KNOWLEDGE_CHUNK_OVERLAP_TOKENS: '80',
        KNOWLEDGE_MAX_UPLOAD_BYTES: '2048',
        KNOWLEDGE_PARSE_THREADS: '2',
        KNOWLEDGE_PARSE_MEMORY_MB: '256',
        KNOWLEDGE_PARSE_TIMEOUT_MS: '5000',
        RATE_LIMIT_UPLOADS_PER_MINUTE: '7',
        EMBEDDINGS_MODEL: 'text-embedding-3-small',
        OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      }),
    ).toEqual({ language: 'german', chunkTokens: 500, chunkOverlapTokens: 80, maxUploadBytes: 2048, parseThreads: 2, parseMemoryMb: 256, parseTimeoutMs: 5000, uploadsPerMinute: 7, embeddingsModel: 'text-embedding-3-small' });
    // A small chunk size brings the default overlap down with it.
    expect(knowledge({ KNOWLEDGE_CHUNK_TOKENS: '100' }).chunkOverlapTokens).toBe(25);
  });

  it.each([
    [{ KNOWLEDGE_LANGUAGE: "english'; drop table x" }, 'KNOWLEDGE_LANGUAGE'],
    [{ KNOWLEDGE_CHUNK_TOKENS: '10' }, 'KNOWLEDGE_CHUNK_TOKENS'],
    [{ KNOWLEDGE_CHUNK_TOKENS: 'lots' }, 'KNOWLEDGE_CHUNK_TOKENS'],
    [{ KNOWLEDGE_CHUNK_TOKENS: '200', KNOWLEDGE_CHUNK_OVERLAP_TOKENS: '150' }, 'KNOWLEDGE_CHUNK_OVERLAP_TOKENS'],
    [{ KNOWLEDGE_MAX_UPLOAD_BYTES: '10' }, 'KNOWLEDGE_MAX_UPLOAD_BYTES'],
    [{ EMBEDDINGS_MODEL: 'text-embedding-3-small' }, 'EMBEDDINGS_MODEL'],
  ])('should stop at start-up on %j, naming %s', (env, variable) => {
    expect(() => knowledge(env)).toThrow(ConfigError);
    expect(() => knowledge(env)).toThrow(`Invalid configuration: ${variable}`);
  });
});
