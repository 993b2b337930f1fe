/**
 * The assistant streaming benchmark: the time to first token and the gaps between tokens of the
 * whole path (socket → gateway → upstream → socket) against the same fake upstream read directly,
 * at 1 and `aiStreams` replies at once. The app runs twice, each time on a fresh database: with
 * LLM_COALESCE_MS=0 (every upstream token is one delta, so gaps compare token for token) and with
 * the default coalescing window (fewer, larger deltas). Every reply is checked token by token.
 */
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../../server/src/config/app-config.js';
import { replyTokens, type AiLoadSpec, type AiRunResult, type AiRunSpec, type StreamFaults } from './ai-protocol.js';
import { othersShare, postgresCpuMeter } from './cpu.js';
import type { FakeUpstreamData, FromFake, ToFake } from './fake-upstream-worker.js';
import { createBenchDatabase, createRooms, startFullStack } from './full-stack.js';
import { loadTag, type AiMeasured, type AiOutcome, type LoadDriver } from './load-driver.js';
import type { Percentiles } from './load-protocol.js';
import type { BenchOptions } from './options.js';
import { formatTable, log, ms, num, ratio } from './report.js';

const MODEL = 'bench-fake-model';

type UpstreamStats = Omit<Extract<FromFake, { type: 'stats' }>, 'type'>;

/** The fake OpenAI-compatible server on its own thread (fake-upstream-worker.ts). */
class FakeUpstream {
  private constructor(
    private readonly worker: Worker,
    readonly url: string,
  ) {}

  static async start(data: FakeUpstreamData): Promise<FakeUpstream> {
    const worker = new Worker(new URL('./fake-upstream-worker.js', import.meta.url), { workerData: data });
    const url = await new Promise<string>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (message: FromFake) => (message.type === 'ready' ? resolve(message.url) : reject(new Error('fake upstream did not start'))));
    });
    return new FakeUpstream(worker, url);
  }

  /** What the fake saw since the last call. */
  stats(): Promise<UpstreamStats> {
    return new Promise((resolve) => {
      this.worker.once('message', (message: FromFake) => {
        if (message.type === 'stats') resolve({ requests: message.requests, maxInFlight: message.maxInFlight, abandoned: message.abandoned });
      });
      this.worker.postMessage({ type: 'stats' } satisfies ToFake);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

export interface AiPath {
  name: string;
  coalesceMs: number;
  outcome: AiOutcome;
  upstream: UpstreamStats;
}

export interface AiResults {
  tokens: number;
  streams: number;
  /** Replies each load asked for: warm-up included. */
  expectedRequests: number;
  direct: AiPath;
  /** LLM_COALESCE_MS=0, then the app's default. */
  full: [AiPath, AiPath];
}

const faultText = (f: StreamFaults) =>
  `lost ${f.lost} reordered ${f.reordered} dup ${f.duplicated} stray ${f.stray} index-gaps ${f.indexGaps} wrong-replyTo ${f.wrongReplyTo} bad-end ${f.badEnd} failed ${f.failed} errors ${f.errorEvents} drops ${f.disconnects}`;

function logPath(path: AiPath): void {
  const { result, measured } = path.outcome;
  log(`ai ${path.name}: set up in ${ms(result.setupMs)} ms; upstream answered ${path.upstream.requests} requests, at most ${path.upstream.maxInFlight} at once, ${path.upstream.abandoned} abandoned`);
  for (const { run, server } of measured) {
    log(
      `ai ${path.name} ${run.label}: ${run.replies} replies (${run.streams} at once x ${run.rounds}) in ${ms(run.wallMs)} ms; ` +
        `TTFT p50 ${ms(run.ttftMs.p50)} p99 ${ms(run.ttftMs.p99)} ms, gap p50 ${ms(run.gapMs.p50)} p99 ${ms(run.gapMs.p99)} ms, ${ms(run.framesPerReply.mean)} frames/reply; ` +
        `cpu ms: server thread ${ms(server.cpuMs)}, whole process ${ms(server.processCpuMs)} (client loop busy ${run.clientElu.toFixed(2)})` +
        (server.pgCpuMs !== null ? `, postgres ${ms(server.pgCpuMs)}` : '') +
        (server.machineBusyMs !== null ? `, other processes ${(othersShare(server) * 100).toFixed(0)}% of the machine` : '') +
        `; ${faultText(run.faults)}`,
    );
  }
}

export async function measureAi(options: BenchOptions, driver: LoadDriver, cleanups: { name: string; run: () => Promise<unknown> }[]): Promise<AiResults> {
  const tokens = replyTokens(options.aiTokens);
  const fake = await FakeUpstream.start({ tokens, firstDelayMs: options.aiFirstTokenMs, delayMs: options.aiTokenMs });
  cleanups.push({ name: 'fake upstream', run: () => fake.close() });
  log(`fake upstream on ${fake.url}, on its own thread`);

  const runs: AiRunSpec[] = [
    { label: '1 stream', streams: 1, rounds: options.aiRepeats },
    { label: `${options.aiStreams} stream${options.aiStreams === 1 ? '' : 's'}`, streams: options.aiStreams, rounds: options.aiRounds },
  ];
  const warmupStreams = Math.min(10, options.aiStreams);
  const spec = (kind: AiLoadSpec['kind'], url: string, askers: AiLoadSpec['askers']): AiLoadSpec => ({
    kind,
    url,
    model: MODEL,
    askers,
    tokens,
    warmupStreams,
    runs,
    replyTimeoutMs: options.aiFirstTokenMs + options.aiTokens * options.aiTokenMs + 15_000,
    tag: loadTag(),
  });

  // 1. The baseline: the clients' thread reads the fake itself.
  const directOutcome = await driver.ai(spec('direct', fake.url, []), null);
  const direct: AiPath = { name: 'direct', coalesceMs: 0, outcome: directOutcome, upstream: await fake.stats() };
  logPath(direct);

  // 2. The whole path, each setting on its own app and database.
  const full: AiPath[] = [];
  for (const coalesce of ['0', undefined]) {
    const db = await createBenchDatabase(options.pgAdminUrl);
    cleanups.push({ name: `drop database ${db.name}`, run: () => db.drop() });
    const app = await startFullStack(db.url, options.aiUsers, {
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.url,
      LLM_MODEL: MODEL,
      // Every stream of the concurrent run goes upstream at once; none waits in the line or is refused.
      LLM_MAX_CONCURRENCY: String(options.aiStreams),
      LLM_QUEUE_SIZE: String(options.aiStreams),
      RATE_LIMIT_AI_PER_MINUTE: '100000',
      // A failure shows as one, not as a retried (slower) success.
      LLM_MAX_RETRIES: '0',
      ...(coalesce === undefined ? {} : { LLM_COALESCE_MS: coalesce }),
    });
    cleanups.push({ name: 'app', run: () => app.close() });
    const coalesceMs = app.app.get<AppConfig>(APP_CONFIG).llm.coalesceMs;
    const name = `full (coalesce ${coalesceMs} ms)`;
    const rooms = await createRooms(app, 'ai', options.aiStreams);
    log(`${name}: app on ${app.url} (database ${db.name}); ${options.aiUsers} users, ${rooms.length} rooms, one asker socket in each`);
    const monitor = new pg.Client({ connectionString: db.url, application_name: 'chat-bench-monitor' });
    await monitor.connect();
    cleanups.push({ name: 'monitor connection', run: () => monitor.end() });
    const { rows } = await monitor.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const outcome = await driver.ai(spec('socket', app.url, rooms), postgresCpuMeter(rows[0].pid, db.name));
    const path: AiPath = { name, coalesceMs, outcome, upstream: await fake.stats() };
    logPath(path);
    full.push(path);
    await cleanups.pop()!.run(); // monitor
    await cleanups.pop()!.run(); // app
  }
  // The fake and the databases go with the bench's other leftovers at the end.
  return {
    tokens: options.aiTokens,
    streams: options.aiStreams,
    expectedRequests: warmupStreams + runs.reduce((sum, r) => sum + r.streams * r.rounds, 0),
    direct,
    full: [full[0], full[1]],
  };
}

/** Everything that must be 0, and the upstream must have answered every reply asked for, never abandoned. */
export function aiFaults(results: AiResults): string[] {
  const failures: string[] = [];
  for (const path of [results.direct, ...results.full]) {
    const { result } = path.outcome;
    const sets: [string, StreamFaults][] = [['warm-up', result.warmup], ['between runs', result.outside], ...result.runs.map((r): [string, StreamFaults] => [r.label, r.faults])];
    for (const [where, f] of sets) {
      for (const key of Object.keys(f) as (keyof StreamFaults)[]) if (f[key] !== 0) failures.push(`ai ${path.name} ${where}: ${key} = ${f[key]}`);
    }
    if (path.upstream.requests !== results.expectedRequests) failures.push(`ai ${path.name}: the upstream answered ${path.upstream.requests} requests for ${results.expectedRequests} replies`);
    if (path.upstream.abandoned !== 0) failures.push(`ai ${path.name}: ${path.upstream.abandoned} upstream requests abandoned by the client`);
  }
  return failures;
}

export function reportAi(options: BenchOptions, results: AiResults): void {
  const { direct, full } = results;
  const [zero, coalesced] = full;
  const tokenCount = options.aiTokens;
  const at = (k: 'p50' | 'p99' | 'mean', pick: (run: AiRunResult) => Percentiles | null) => (m: AiMeasured) => pick(m.run)?.[k] ?? NaN;
  const cpuPerReply = (m: AiMeasured) => m.server.cpuMs / m.run.replies;
  const bad = (m: AiMeasured) => `${m.run.faults.lost}/${m.run.faults.reordered}/${m.run.faults.duplicated}/${m.run.faults.indexGaps}`;

  console.log(
    `\n== Assistant streaming: the fake upstream (own thread) sends ${tokenCount} tokens, ${options.aiTokenMs} ms apart, the first ${options.aiFirstTokenMs} ms after the request ` +
      `(${num(options.aiFirstTokenMs + (tokenCount - 1) * options.aiTokenMs)} ms a reply at best) ==`,
  );
  console.log(
    'direct: the openai package streaming from the fake on the clients\' thread (TTFT: request -> first content chunk). ' +
      'full: socket.io-client (websocket) send_message {useAi} -> gateway -> assistant -> node:http + eventsource-parser -> fake -> ai_stream_delta (TTFT: emit -> first delta). ' +
      `${options.aiStreams} streams: ${options.aiStreams} sockets, each alone in its room, ${options.aiUsers} users; LLM_MAX_CONCURRENCY=${options.aiStreams}.`,
  );
  const header = ['', 'direct', `full, coalesce ${zero.coalesceMs} ms`, 'added', 'full/direct', `full, coalesce ${coalesced.coalesceMs} ms`, 'added', 'full/direct'];
  const rows: string[][] = [];
  for (let i = 0; i < direct.outcome.measured.length; i++) {
    const d = direct.outcome.measured[i];
    const z = zero.outcome.measured[i];
    const c = coalesced.outcome.measured[i];
    const compare = (label: string, value: (m: AiMeasured) => number, fmt: (v: number) => string = ms) => [
      `  ${label}`,
      fmt(value(d)),
      fmt(value(z)),
      ms(value(z) - value(d)),
      ratio(value(z), value(d)),
      fmt(value(c)),
      ms(value(c) - value(d)),
      ratio(value(c), value(d)),
    ];
    const only = (label: string, value: (m: AiMeasured) => number, fmt: (v: number) => string = ms) => [`  ${label}`, '-', fmt(value(z)), '', '', fmt(value(c)), '', ''];
    const n = d.run.streams === 1 ? `${d.run.rounds} replies one after another` : `${d.run.rounds} rounds of ${d.run.streams} at once`;
    rows.push(
      [`${d.run.label} (${n})`, '', '', '', '', '', '', ''],
      compare('TTFT p50 ms', at('p50', (r) => r.ttftMs)),
      compare('TTFT p99 ms', at('p99', (r) => r.ttftMs)),
      compare('gap p50 ms', at('p50', (r) => r.gapMs)),
      compare('gap p99 ms', at('p99', (r) => r.gapMs)),
      compare('to last token p50 ms', at('p50', (r) => r.lastTokenMs)),
      compare('frames per reply (mean)', at('mean', (r) => r.framesPerReply), (v) => v.toFixed(1)),
      only('emit -> ack p50 ms (question stored)', at('p50', (r) => r.ackMs)),
      only('emit -> ai_stream_start p50 ms (reply stored)', at('p50', (r) => r.startMs)),
      only('server firstTokenMs p50 (reply start -> token)', at('p50', (r) => r.serverFirstTokenMs)),
      only(`server thread CPU ms per reply (${tokenCount} tokens)`, cpuPerReply),
      [`  lost/reordered/dup/index-gaps`, bad(d), bad(z), '', '', bad(c), '', ''],
    );
  }
  console.log(formatTable(header, rows));
  console.log(
    'TTFT and gaps are percentiles over every reply (gaps: every pair of consecutive tokens or deltas of a reply); added = full - direct, ms. ' +
      `With coalescing, a delta carries the tokens of a window, so its gaps are between frames, not tokens. Upstream requests per load: ${num(results.expectedRequests)} (warm-up included).`,
  );

  const notes: string[] = [];
  for (const path of [direct, zero, coalesced]) {
    const peak = path.upstream.maxInFlight;
    if (peak < results.streams) notes.push(`${path.name}: the fake never had more than ${peak} of the ${results.streams} streams open at once`);
    for (const m of path.outcome.measured) {
      const share = othersShare(m.server);
      if (share > 0.1) notes.push(`other processes used ${(share * 100).toFixed(0)}% of the CPUs during ${path.name} ${m.run.label}`);
    }
  }
  for (const m of zero.outcome.measured) {
    if (m.run.framesPerReply.mean !== tokenCount) notes.push(`${zero.name} ${m.run.label}: ${ms(m.run.framesPerReply.mean)} deltas per reply for ${tokenCount} tokens, so its gaps are not token for token`);
  }
  if (notes.length > 0) console.log(`\nNOTE: ${notes.join('; ')}.`);
}
