import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MESSAGE_MAX_LENGTH_DEFAULT, PASSWORD_MIN_LENGTH } from '@chat/contract';
import { DEFAULT_SCRYPT_PARAMS, meetsOwaspMinimum } from '../auth/password-hasher.js';
import type { ScryptParams } from '../auth/password-hasher.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'verbose';
const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug', 'verbose'];
export type LogFormat = 'json' | 'pretty';
const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** The whole validated configuration; read once at start-up from the environment. */
export interface AppConfig {
  nodeEnv: string;
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  jwtSecret: string;
  jwtExpiresInSeconds: number;
  /** Other origins allowed to call REST and Socket.IO from a browser; empty: same origin only. */
  corsOrigins: string[];
  /** Serve the OpenAPI docs at /api/docs. */
  apiDocs: boolean;
  /** Express's `trust proxy` (hops, or addresses/subnets); false: not behind a proxy, no HSTS. */
  trustProxy: false | number | string[];
  adminUsername: string;
  adminPassword: string | null;
  rateLimitMessagesPerMinute: number;
  rateLimitTypingPerMinute: number;
  rateLimitRestPerMinute: number;
  rateLimitLoginPerMinute: number;
  /** Login attempts per address (all usernames together) per minute. */
  rateLimitLoginPerAddressPerMinute: number;
  /** Password hashes computed at once for logins; beyond it a login is refused with 429 at once. */
  loginMaxConcurrentHashes: number;
  /** scrypt cost of new hashes; older hashes are rehashed at the next login. */
  passwordHash: ScryptParams;
  /** join_room + leave_room per user per minute. */
  rateLimitJoinsPerMinute: number;
  rateLimitAiCancelPerMinute: number;
  /** Edits, deletes and reaction changes per user per minute (socket and REST together). */
  rateLimitChangesPerMinute: number;
  /** mark_read / PUT read per user per minute. */
  rateLimitReadsPerMinute: number;
  /** Message searches per user per minute. */
  rateLimitSearchPerMinute: number;
  /** Most messages a join's catch-up sends over the socket; beyond, the client pages through REST. */
  joinCatchUpMax: number;
  socketsPerUser: number;
  socketsPerAddress: number;
  /** An engine.io session that has not authenticated (Socket.IO connect) within this long is closed. */
  handshakeTimeoutMs: number;
  /** Failed handshakes per address per minute before further ones are refused as RATE_LIMITED. */
  failedHandshakesPerMinute: number;
  messageMaxLength: number;
  /** Socket.IO's per-frame ceiling, so a huge frame is refused before it is buffered. */
  socketMaxFrameBytes: number;
  typingTtlMs: number;
  logLevel: LogLevel;
  /** JSON lines for collectors, or readable lines for a terminal. */
  logFormat: LogFormat;
  /** Bearer token `/metrics` asks for; null leaves it open. */
  metricsToken: string | null;
  /** Audit entries older than this are pruned. */
  auditRetentionDays: number;
  /** At debug, log the assistant's full prompts (private history and documents); otherwise only their sizes. */
  logPrompts: boolean;
  /** Where the built console lives; served at `/` when present. */
  webRoot: string;
  llm: LlmConfig;
  knowledge: KnowledgeConfig;
  /** Null: one instance, everything in memory. */
  redis: RedisConfig | null;
}

export interface RedisConfig {
  url: string;
  /** Prepended to every key and channel, so deployments can share one Redis. */
  keyPrefix: string;
  /** Each instance renews its entry this often; one silent for three periods is dead and its sockets leave presence. */
  heartbeatMs: number;
}

export interface LlmConfig {
  provider: 'openai' | 'offline';
  apiKey: string | null;
  baseUrl: string | null;
  model: string;
  temperature: number;
  maxOutputTokens: number;
  contextTokens: number;
  /** No first token, or no next token, within this long ends the reply. */
  timeoutMs: number;
  maxConcurrency: number;
  /** Replies waiting for a free upstream slot; beyond this the asker gets AI_BUSY. */
  queueSize: number;
  /** Places (running + waiting) one user may hold, so one user cannot fill the whole line. */
  userShare: number;
  maxRetries: number;
  requestsPerMinute: number;
  /** Knowledge-base passages in the prompt take at most this many tokens (they come before history). */
  sourceTokens: number;
  /** At most one delta per window (the first goes out at once), so a fast model is not one socket frame per token. */
  coalesceMs: number;
}

export interface KnowledgeConfig {
  /** A Postgres text search configuration (`english`, `german`, `simple`, ...): stemming and stop words. */
  language: string;
  /** Target size of a chunk, and how much of the previous chunk the next one repeats (tokens). */
  chunkTokens: number;
  chunkOverlapTokens: number;
  maxUploadBytes: number;
  /** Worker threads that parse uploads, each's heap limit, and how long one document may take. */
  parseThreads: number;
  parseMemoryMb: number;
  parseTimeoutMs: number;
  uploadsPerMinute: number;
  /** Embeddings model on the assistant's OpenAI-compatible endpoint; null: full-text search only. */
  embeddingsModel: string | null;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid configuration: ${variable} ${detail}`);
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Accepts seconds ("3600") or a number with a unit ("15m", "12h", "7d"). */
export function parseDurationSeconds(name: string, raw: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!match) throw new ConfigError(name, `must be seconds or a duration like 15m, 12h, 7d; got "${raw}"`);
  const seconds = Number(match[1]) * DURATION_UNITS[match[2] || 's'];
  if (seconds < 10) throw new ConfigError(name, 'must be at least 10 seconds');
  return seconds;
}

function corsOrigins(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  return origins.map((origin) => {
    // "*" with credentials would let any site act for a signed-in user: the origins must be named.
    if (origin === '*' || origin === 'null') throw new ConfigError('CORS_ORIGINS', `must list origins (https://host[:port]), "${origin}" is not allowed`);
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError('CORS_ORIGINS', `must be a comma-separated list of origins, got "${origin}"`);
    }
    if (url.origin === 'null' || url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError('CORS_ORIGINS', `must be origins only (scheme://host[:port]), got "${origin}"`);
    }
    return url.origin;
  });
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

/** `true` (one proxy hop), a hop count, or addresses/subnets (`loopback`, `10.0.0.0/8`, …) of the proxies. */
function trustProxy(raw: string | undefined): false | number | string[] {
  const value = raw?.trim() ?? '';
  if (value === '' || value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return 1;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10) throw new ConfigError('TRUST_PROXY', `must be between 1 and 10 hops, got ${hops}`);
    return hops;
  }
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    if (!/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(entry)) {
      throw new ConfigError('TRUST_PROXY', `must be true, false, a hop count or proxy addresses/subnets, got "${entry}"`);
    }
  }
  return entries;
}

/** `N,r,p`; below OWASP's minimum only in tests (NODE_ENV=test), where hashing speed is set-up time. */
function passwordHashParams(env: Env, nodeEnv: string): ScryptParams {
  const raw = env['PASSWORD_HASH_COST']?.trim();
  if (!raw) return DEFAULT_SCRYPT_PARAMS;
  const match = /^(\d+)\s*,\s*(\d+)\s*,\s*(\d+)$/.exec(raw);
  const [N, r, p] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  if (!match || N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16) {
    throw new ConfigError('PASSWORD_HASH_COST', `must be "N,r,p" with N a power of two up to 2^20, r 1-32, p 1-16; got "${raw}"`);
  }
  const params = { N, r, p };
  if (!meetsOwaspMinimum(params) && nodeEnv !== 'test') {
    throw new ConfigError('PASSWORD_HASH_COST', `is below OWASP's minimum (e.g. 131072,8,1 or 32768,8,3); got "${raw}"`);
  }
  return params;
}

function databaseUrl(raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === '') return null;
  try {
    const url = new URL(raw);
    if (!['postgres:', 'postgresql:'].includes(url.protocol)) throw new Error('protocol');
  } catch {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }
  return raw.trim();
}

/** Production must be given a secret; elsewhere one is generated once and kept in the data directory. */
function jwtSecret(env: Env, nodeEnv: string, dataDir: string): string {
  const given = env['JWT_SECRET'];
  if (given !== undefined && given !== '') {
    if (given.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
    return given;
  }
  if (nodeEnv === 'production') throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new ConfigError(name, `must be a number between ${min} and ${max}, got "${raw}"`);
  return value;
}

function llmConfig(env: Env): LlmConfig {
  const apiKey = env['OPENAI_API_KEY']?.trim() || null;
  const baseUrlRaw = env['OPENAI_BASE_URL']?.trim() || null;
  if (baseUrlRaw !== null) {
    try {
      const url = new URL(baseUrlRaw);
      if (!['http:', 'https:'].includes(url.protocol)) throw new Error('protocol');
    } catch {
      throw new ConfigError('OPENAI_BASE_URL', `must be an http(s) URL, got "${baseUrlRaw}"`);
    }
  }
  const providerRaw = env['LLM_PROVIDER']?.trim() || (apiKey || baseUrlRaw ? 'openai' : 'offline');
  if (providerRaw !== 'openai' && providerRaw !== 'offline') throw new ConfigError('LLM_PROVIDER', `must be "openai" or "offline", got "${providerRaw}"`);
  const maxConcurrency = int(env, 'LLM_MAX_CONCURRENCY', 4, 1, 1000);
  const queueSize = int(env, 'LLM_QUEUE_SIZE', maxConcurrency * 4, 0, 100_000);
  return {
    provider: providerRaw,
    apiKey,
    baseUrl: baseUrlRaw,
    model: env['LLM_MODEL']?.trim() || 'gpt-4o-mini',
    temperature: decimal(env, 'LLM_TEMPERATURE', 0.3, 0, 2),
    maxOutputTokens: int(env, 'LLM_MAX_OUTPUT_TOKENS', 1024, 1, 1_000_000),
    contextTokens: int(env, 'LLM_CONTEXT_TOKENS', 8000, 256, 10_000_000),
    timeoutMs: int(env, 'LLM_TIMEOUT_MS', 30_000, 100, 3_600_000),
    maxConcurrency,
    queueSize,
    userShare: int(env, 'LLM_USER_SHARE', Math.max(2, Math.ceil((maxConcurrency + queueSize) / 4)), 1, 100_000),
    maxRetries: int(env, 'LLM_MAX_RETRIES', 2, 0, 10),
    requestsPerMinute: int(env, 'RATE_LIMIT_AI_PER_MINUTE', 10, 1, 100_000),
    coalesceMs: int(env, 'LLM_COALESCE_MS', 30, 0, 1000),
    sourceTokens: int(env, 'LLM_SOURCE_TOKENS', 2000, 0, 10_000_000),
  };
}

function knowledgeConfig(env: Env): KnowledgeConfig {
  const language = env['KNOWLEDGE_LANGUAGE']?.trim().toLowerCase() || 'english';
  // Checked against pg_ts_config at start-up; here only its shape, since it ends up in a regconfig cast.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(language)) throw new ConfigError('KNOWLEDGE_LANGUAGE', `must be a text search configuration name such as english, got "${language}"`);
  const chunkTokens = int(env, 'KNOWLEDGE_CHUNK_TOKENS', 300, 50, 8000);
  const chunkOverlapTokens = int(env, 'KNOWLEDGE_CHUNK_OVERLAP_TOKENS', Math.min(50, Math.floor(chunkTokens / 4)), 0, 4000);
  if (chunkOverlapTokens > chunkTokens / 2) {
    throw new ConfigError('KNOWLEDGE_CHUNK_OVERLAP_TOKENS', `must be at most half of KNOWLEDGE_CHUNK_TOKENS (${chunkTokens}), got ${chunkOverlapTokens}`);
  }
  const embeddingsModel = env['EMBEDDINGS_MODEL']?.trim() || null;
  if (embeddingsModel && !env['OPENAI_BASE_URL']?.trim() && !env['OPENAI_API_KEY']?.trim()) {
    throw new ConfigError('EMBEDDINGS_MODEL', 'needs OPENAI_BASE_URL or OPENAI_API_KEY (embeddings use the assistant\'s endpoint)');
  }
  return {
    language,
    chunkTokens,
    chunkOverlapTokens,
    maxUploadBytes: int(env, 'KNOWLEDGE_MAX_UPLOAD_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    parseThreads: int(env, 'KNOWLEDGE_PARSE_THREADS', 1, 1, 64),
    parseMemoryMb: int(env, 'KNOWLEDGE_PARSE_MEMORY_MB', 512, 64, 16_384),
    parseTimeoutMs: int(env, 'KNOWLEDGE_PARSE_TIMEOUT_MS', 20_000, 100, 600_000),
    uploadsPerMinute: int(env, 'RATE_LIMIT_UPLOADS_PER_MINUTE', 60, 1, 100_000),
    embeddingsModel,
  };
}

function redisConfig(env: Env): RedisConfig | null {
  const raw = env['REDIS_URL']?.trim();
  if (!raw) return null;
  try {
    const url = new URL(raw);
    if (!['redis:', 'rediss:'].includes(url.protocol)) throw new Error('protocol');
    if (url.pathname.length > 1 && !/^\/\d{1,2}$/.test(url.pathname)) throw new Error('db');
  } catch {
    throw new ConfigError('REDIS_URL', `must be a redis:// or rediss:// URL (optional password and /db number), got "${raw}"`);
  }
  const keyPrefix = env['REDIS_KEY_PREFIX'] ?? 'chat:';
  if (!/^[A-Za-z0-9_:.{}-]{0,64}$/.test(keyPrefix)) throw new ConfigError('REDIS_KEY_PREFIX', 'must be at most 64 letters, digits or _ : . - { }');
  return { url: raw, keyPrefix, heartbeatMs: int(env, 'INSTANCE_HEARTBEAT_MS', 5000, 100, 60_000) };
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = env['NODE_ENV']?.trim() || 'development';
  const dataDir = resolve(env['DATA_DIR']?.trim() || './.data');
  const logLevel = (env['LOG_LEVEL']?.trim() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (env['LOG_FORMAT']?.trim() || (nodeEnv === 'development' ? 'pretty' : 'json')) as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new ConfigError('LOG_FORMAT', `must be one of ${LOG_FORMATS.join(', ')}`);
  const metricsToken = env['METRICS_TOKEN']?.trim() || null;
  if (metricsToken !== null && metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters');
  const adminUsername = env['ADMIN_USERNAME']?.trim() || 'admin';
  if (!/^[a-zA-Z0-9_.-]{3,64}$/.test(adminUsername)) {
    throw new ConfigError('ADMIN_USERNAME', 'must be 3-64 letters, digits, dots, dashes or underscores');
  }
  const adminPassword = env['ADMIN_PASSWORD'] || null;
  if (adminPassword !== null && [...adminPassword].length < PASSWORD_MIN_LENGTH) {
    throw new ConfigError('ADMIN_PASSWORD', `must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  return {
    nodeEnv,
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env['HOST']?.trim() || '0.0.0.0',
    databaseUrl: databaseUrl(env['DATABASE_URL']),
    dataDir,
    jwtSecret: jwtSecret(env, nodeEnv, dataDir),
    jwtExpiresInSeconds: parseDurationSeconds('JWT_EXPIRES_IN', env['JWT_EXPIRES_IN'] || '12h'),
    corsOrigins: corsOrigins(env['CORS_ORIGINS']),
    apiDocs: bool(env, 'API_DOCS', nodeEnv !== 'production'),
    trustProxy: trustProxy(env['TRUST_PROXY']),
    adminUsername,
    adminPassword,
    rateLimitMessagesPerMinute: int(env, 'RATE_LIMIT_MESSAGES_PER_MINUTE', 30, 1, 100_000),
    rateLimitTypingPerMinute: int(env, 'RATE_LIMIT_TYPING_PER_MINUTE', 120, 1, 100_000),
    rateLimitRestPerMinute: int(env, 'RATE_LIMIT_REST_PER_MINUTE', 600, 1, 1_000_000),
    rateLimitLoginPerMinute: int(env, 'RATE_LIMIT_LOGIN_PER_MINUTE', 10, 1, 10_000),
    rateLimitLoginPerAddressPerMinute: int(env, 'RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE', 30, 1, 100_000),
    loginMaxConcurrentHashes: int(env, 'LOGIN_MAX_CONCURRENT_HASHES', 16, 1, 256),
    passwordHash: passwordHashParams(env, nodeEnv),
    rateLimitJoinsPerMinute: int(env, 'RATE_LIMIT_JOINS_PER_MINUTE', 60, 1, 100_000),
    rateLimitAiCancelPerMinute: int(env, 'RATE_LIMIT_AI_CANCEL_PER_MINUTE', 30, 1, 100_000),
    rateLimitChangesPerMinute: int(env, 'RATE_LIMIT_CHANGES_PER_MINUTE', 120, 1, 100_000),
    rateLimitReadsPerMinute: int(env, 'RATE_LIMIT_READS_PER_MINUTE', 240, 1, 100_000),
    rateLimitSearchPerMinute: int(env, 'RATE_LIMIT_SEARCH_PER_MINUTE', 60, 1, 100_000),
    joinCatchUpMax: int(env, 'JOIN_CATCH_UP_MAX', 500, 1, 100_000),
    socketsPerUser: int(env, 'SOCKETS_PER_USER', 20, 1, 100_000),
    socketsPerAddress: int(env, 'SOCKETS_PER_ADDRESS', 200, 1, 1_000_000),
    handshakeTimeoutMs: int(env, 'HANDSHAKE_TIMEOUT_MS', 5000, 500, 120_000),
    failedHandshakesPerMinute: int(env, 'RATE_LIMIT_FAILED_HANDSHAKES_PER_MINUTE', 30, 1, 100_000),
    messageMaxLength: int(env, 'MESSAGE_MAX_LENGTH', MESSAGE_MAX_LENGTH_DEFAULT, 1, 100_000),
    socketMaxFrameBytes: int(env, 'SOCKET_MAX_FRAME_BYTES', 1_000_000, 1024, 100_000_000),
    typingTtlMs: int(env, 'TYPING_TTL_MS', 6000, 500, 600_000),
    logLevel,
    logFormat,
    metricsToken,
    auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 365, 1, 36_500),
    logPrompts: bool(env, 'LOG_PROMPTS', false),
    webRoot: resolve(env['WEB_ROOT']?.trim() || 'dist/apps/web/browser'),
    llm: llmConfig(env),
    knowledge: knowledgeConfig(env),
    redis: redisConfig(env),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
