/** Everything the bench can be told through the environment, with defaults sized for 2 cores and well under a minute. */
export interface BenchOptions {
  /** Sockets in the room that only listen. */
  receivers: number;
  /** Sockets that send (they are in the room too, as the seed's client is). */
  senders: number;
  /** Unacknowledged messages each sender keeps in flight. */
  window: number;
  /** Messages per measured fan-out run (all senders together). */
  messages: number;
  /** Messages sent and fully delivered before each measured run, not counted. */
  warmupMessages: number;
  /** Messages of the light-load run: one sender, window 1, same receivers (latency without queueing). */
  lightMessages: number;
  /** Full stack: receivers are spread over this many users (every user costs two scrypt hashes to set up); senders each get their own. */
  receiverUsers: number;
  persistSenders: number;
  persistWindow: number;
  persistMessages: number;
  /** Length of each message's content (the header with the send time plus padding). */
  contentLength: number;
  /** How long a run waits with no delivery progress before it counts the rest as lost. */
  drainTimeoutMs: number;
  /** Upper bound on the naive one-INSERT-at-a-time baseline, so a slow disk cannot blow the time budget. */
  naiveMaxSeconds: number;
  pgAdminUrl: string;
  /** Second fan-out run's window (the first uses `window`). */
  smallWindow: number;
  /** `chat`: only the message benchmarks; `ai`: only the assistant streaming one; `cluster`: only two instances through Redis; `idle`: only idle connections; `uploads`: only pathological uploads (upload-bench.ts); `all`: every one. */
  only: 'all' | 'chat' | 'ai' | 'cluster' | 'idle' | 'uploads';
  /** Idle sockets held in the first step of the idle part (the second holds twice as many), spread over `idleRooms` rooms. */
  idleSockets: number;
  idleRooms: number;
  /** join_room calls timed, one at a time, at each step of the idle part. */
  idleJoins: number;
  /** The Redis the two-instance run joins its instances through. */
  redisUrl: string;
  /** Assistant replies streaming at once in the concurrent runs (the other runs have one). */
  aiStreams: number;
  /** Tokens per reply from the fake upstream, and the pause before each after the first. */
  aiTokens: number;
  aiTokenMs: number;
  /** The fake upstream's pause before the first token. */
  aiFirstTokenMs: number;
  /** Replies one after another in the single-stream runs. */
  aiRepeats: number;
  /** Rounds of `aiStreams` replies in the concurrent runs. */
  aiRounds: number;
  /** The askers' users: the concurrent streams' rooms are spread over them (every user costs two scrypt hashes to set up). */
  aiUsers: number;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new Error(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function only(env: Env): BenchOptions['only'] {
  const raw = env['BENCH_ONLY']?.trim().toLowerCase() || 'all';
  if (raw !== 'all' && raw !== 'chat' && raw !== 'ai' && raw !== 'cluster' && raw !== 'idle' && raw !== 'uploads') {
    throw new Error(`BENCH_ONLY must be chat, ai, cluster, idle, uploads or all, got "${raw}"`);
  }
  return raw;
}

export function readOptions(env: Env = process.env): BenchOptions {
  const options: BenchOptions = {
    receivers: int(env, 'BENCH_RECEIVERS', 100, 1, 10_000),
    senders: int(env, 'BENCH_SENDERS', 4, 1, 1_000),
    window: int(env, 'BENCH_WINDOW', 16, 1, 10_000),
    smallWindow: int(env, 'BENCH_SMALL_WINDOW', 4, 1, 10_000),
    messages: int(env, 'BENCH_MESSAGES', 4000, 1, 10_000_000),
    warmupMessages: int(env, 'BENCH_WARMUP_MESSAGES', 400, 0, 10_000_000),
    lightMessages: int(env, 'BENCH_LIGHT_MESSAGES', 300, 1, 10_000_000),
    receiverUsers: int(env, 'BENCH_RECEIVER_USERS', 20, 1, 10_000),
    persistSenders: int(env, 'BENCH_PERSIST_SENDERS', 8, 1, 1_000),
    persistWindow: int(env, 'BENCH_PERSIST_WINDOW', 128, 1, 10_000),
    persistMessages: int(env, 'BENCH_PERSIST_MESSAGES', 16_000, 1, 10_000_000),
    contentLength: int(env, 'BENCH_CONTENT_LENGTH', 120, 48, 4000),
    drainTimeoutMs: int(env, 'BENCH_DRAIN_TIMEOUT_MS', 5000, 100, 600_000),
    naiveMaxSeconds: int(env, 'BENCH_NAIVE_MAX_SECONDS', 15, 1, 3600),
    pgAdminUrl: env['BENCH_PG_ADMIN_URL']?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres',
    only: only(env),
    idleSockets: int(env, 'BENCH_IDLE_SOCKETS', 5000, 1, 50_000),
    idleRooms: int(env, 'BENCH_IDLE_ROOMS', 50, 1, 1000),
    idleJoins: int(env, 'BENCH_IDLE_JOINS', 200, 1, 100_000),
    redisUrl: env['BENCH_REDIS_URL']?.trim() || 'redis://127.0.0.1:6379',
    aiStreams: int(env, 'BENCH_AI_STREAMS', 100, 1, 1000),
    aiTokens: int(env, 'BENCH_AI_TOKENS', 40, 2, 10_000),
    aiTokenMs: int(env, 'BENCH_AI_TOKEN_MS', 20, 0, 10_000),
    aiFirstTokenMs: int(env, 'BENCH_AI_FIRST_TOKEN_MS', 50, 0, 60_000),
    aiRepeats: int(env, 'BENCH_AI_REPEATS', 8, 1, 10_000),
    aiRounds: int(env, 'BENCH_AI_ROUNDS', 2, 1, 10_000),
    aiUsers: int(env, 'BENCH_AI_USERS', 10, 1, 1000),
  };
  if (options.messages < options.senders) throw new Error('BENCH_MESSAGES must be at least BENCH_SENDERS');
  if (options.persistMessages < options.persistSenders) throw new Error('BENCH_PERSIST_MESSAGES must be at least BENCH_PERSIST_SENDERS');
  return options;
}
