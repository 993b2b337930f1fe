/**
 * `npm run bench`: the seed's bare Socket.IO server and the full stack (NestJS, auth, validation,
 * rate limits, Postgres) under the same load, in one process: servers on the main thread, clients on
 * a worker thread. Exits non-zero if any message was lost, duplicated or reordered, or if the
 * database does not hold every acknowledged message exactly once. Then the assistant's streaming
 * (ai-bench.ts): time to first token and gaps between tokens through the app against the same fake
 * upstream read directly; exits non-zero if any reply lost, repeated or reordered a token.
 * Then two instances through Redis against one (cluster-bench.ts).
 * Then idle connections held open (idle-bench.ts), each server in its own process, and pathological
 * uploads against a live chat (upload-bench.ts). Last, one table with every goal of the performance
 * issue (goals.ts). BENCH_ONLY=chat, ai, cluster, idle or uploads runs one part.
 */
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { MessageWriter } from '../../server/src/messages/message-writer.js';
import { aiFaults, measureAi, reportAi, type AiResults } from './ai-bench.js';
import { clusterFaults, measureCluster, reportCluster, type ClusterResults } from './cluster-bench.js';
import { startBareServer } from './bare-server.js';
import { reportGoals } from './goals.js';
import { measureIdle, reportIdle, type IdleResults } from './idle-bench.js';
import { othersShare, postgresCpuMeter } from './cpu.js';
import { createBenchDatabase, startFullStack, type FullStack } from './full-stack.js';
import { LoadDriver, loadTag, type LoadOutcome, type Measured } from './load-driver.js';
import type { Correctness, LoadResult, LoadSpec, RunSpec } from './load-protocol.js';
import { naiveInserts, type NaiveResult } from './naive-insert.js';
import { readOptions, type BenchOptions } from './options.js';
import { measureUploads, reportUploads, uploadFaults, type UploadResults } from './upload-bench.js';
import { formatTable, log, ms, num, ratio } from './report.js';

const ROOM_ID = 'general';

type Cleanup = { name: string; run: () => Promise<unknown> };

function loadSpec(options: BenchOptions, kind: LoadSpec['kind'], url: string, receiverTokens: (string | null)[], senderTokens: (string | null)[], runs: RunSpec[]): LoadSpec {
  return {
    kind,
    url,
    roomId: ROOM_ID,
    receiverTokens,
    senderTokens,
    warmupMessages: options.warmupMessages,
    runs,
    contentLength: options.contentLength,
    drainTimeoutMs: options.drainTimeoutMs,
    tag: loadTag(),
  };
}

function roomRuns(options: BenchOptions): RunSpec[] {
  return [
    { label: 'fan-out', senders: options.senders, window: options.window, messages: options.messages },
    { label: 'light', senders: 1, window: 1, messages: options.lightMessages },
    { label: `fan-out w${options.smallWindow}`, senders: options.senders, window: options.smallWindow, messages: options.messages },
  ];
}

function persistRuns(options: BenchOptions): RunSpec[] {
  return [{ label: 'persist', senders: options.persistSenders, window: options.persistWindow, messages: options.persistMessages }];
}

const nulls = (n: number): null[] => Array.from({ length: n }, () => null);

function versions(): string {
  const require = createRequire(import.meta.url);
  const version = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
  return `node ${process.version}, socket.io ${version('socket.io')}, socket.io-client ${version('socket.io-client')}, @nestjs/core ${version('@nestjs/core')}, pg ${version('pg')}`;
}

const loadText = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const faultText = (c: Correctness) =>
  `lost ${c.lost} dup ${c.duplicated} reordered ${c.reordered} seq-gaps ${c.seqGaps} stray ${c.stray} refused ${c.refused} unacked ${c.unacked} errors ${c.errorEvents} drops ${c.disconnects}`;

function logLoad(kind: string, outcome: LoadOutcome): void {
  log(`${kind}: ${outcome.result.runs[0].receivers} receivers + ${outcome.result.runs.reduce((max, r) => Math.max(max, r.senders), 0)} senders connected and joined in ${ms(outcome.result.setupMs)} ms`);
  for (const { run, server } of outcome.measured) {
    log(
      `${kind} ${run.label}: ${num(run.messages)} msgs from ${run.senders} senders x window ${run.window} in ${ms(run.deliverMs)} ms, ${num(run.deliveries)} deliveries; ` +
        `cpu ms: server thread ${ms(server.cpuMs)} (loop busy ${server.elu.toFixed(2)}), whole process ${ms(server.processCpuMs)} (client loop busy ${run.clientElu.toFixed(2)})` +
        (server.pgCpuMs !== null ? `, postgres ${ms(server.pgCpuMs)}` : '') +
        (server.machineBusyMs !== null ? `, other processes ${(othersShare(server) * 100).toFixed(0)}% of the machine` : '') +
        `; ${faultText(run.correctness)}`,
    );
  }
}

function faults(name: string, outcome: LoadOutcome): string[] {
  const sets: [string, Correctness][] = [
    ['warm-up', outcome.result.warmup],
    ['between runs', outcome.result.outside],
    ...outcome.result.runs.map((r): [string, Correctness] => [r.label, r.correctness]),
  ];
  return sets.flatMap(([where, c]) => (Object.keys(c) as (keyof Correctness)[]).filter((k) => c[k] !== 0).map((k) => `${name} ${where}: ${k} = ${c[k]}`));
}

const acceptedSends = (r: LoadResult) => r.sent - [r.warmup, r.outside, ...r.runs.map((x) => x.correctness)].reduce((sum, c) => sum + c.refused + c.unacked, 0);

interface RowCheck {
  name: string;
  expected: number;
  rows: number;
  distinctIds: number;
  /** Transactions that inserted them: rows written by one transaction share its xmin. */
  commits: number;
  maxBatch: number;
}

async function checkRows(db: pg.Client, sets: { name: string; tag: string; expected: number }[]): Promise<{ checks: RowCheck[]; seq: { rows: number; min: number; max: number; lastSeq: number } }> {
  const checks: RowCheck[] = [];
  for (const { name, tag, expected } of sets) {
    const { rows } = await db.query<{ rows: number; distinct_ids: number; commits: number; max_batch: number }>(
      `SELECT coalesce(sum(n), 0)::int AS rows, coalesce(sum(ids), 0)::int AS distinct_ids, count(*)::int AS commits, coalesce(max(n), 0)::int AS max_batch
       FROM (SELECT xmin::text, count(*) AS n, count(DISTINCT client_message_id) AS ids FROM messages WHERE client_message_id LIKE $1 GROUP BY 1) per_commit`,
      [`${tag}:%`],
    );
    const r = rows[0];
    checks.push({ name, expected, rows: r.rows, distinctIds: r.distinct_ids, commits: r.commits, maxBatch: r.max_batch });
  }
  const { rows } = await db.query<{ rows: number; min: number; max: number; last_seq: number }>(
    `SELECT count(*)::int AS rows, coalesce(min(seq), 0)::int AS min, coalesce(max(seq), 0)::int AS max,
            (SELECT last_seq FROM rooms WHERE id = $1)::int AS last_seq
     FROM messages WHERE room_id = $1`,
    [ROOM_ID],
  );
  return { checks, seq: { rows: rows[0].rows, min: rows[0].min, max: rows[0].max, lastSeq: rows[0].last_seq } };
}

interface WriterResult {
  tag: string;
  rows: number;
  ms: number;
  perSecond: number;
}

/**
 * The storage path alone: `rows` drafts handed to the app's MessageWriter at once, no sockets, no
 * Nest pipeline, no delivery. What the group commit does when nothing in front of it is the limit.
 */
async function writerOnly(full: FullStack, rows: number, contentLength: number): Promise<WriterResult> {
  const writer = full.app.get(MessageWriter);
  const user = full.users[0];
  const tag = loadTag();
  const padding = 'x'.repeat(contentLength);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: rows }, (_, n) => {
      const header = `0|0|${n}|${performance.now().toFixed(3)}|`;
      return writer.write({
        roomId: ROOM_ID,
        userId: user.id,
        username: user.username,
        displayName: user.username,
        content: header + padding.slice(header.length),
        isAi: false,
        clientMessageId: `${tag}:${n}`,
        status: 'complete',
      });
    }),
  );
  const ms = performance.now() - start;
  return { tag, rows, ms, perSecond: (rows / ms) * 1000 };
}

interface Results {
  bareRoom: LoadOutcome;
  barePersist: LoadOutcome;
  fullRoom: LoadOutcome;
  fullPersist: LoadOutcome;
  writer: WriterResult;
  rows: Awaited<ReturnType<typeof checkRows>>;
  naive: NaiveResult;
  naivePool: NaiveResult;
}

/** The app's connection pool size (pg's default is 10), for the concurrent naive baseline. */
function poolSize(full: FullStack): number {
  const extra = (full.app.get(DataSource).options as { extra?: { max?: unknown } }).extra;
  return typeof extra?.max === 'number' ? extra.max : 10;
}

async function measureAll(options: BenchOptions, driver: LoadDriver, cleanups: Cleanup[]): Promise<Results> {
  // 1. The seed's bare broadcast server.
  const bare = await startBareServer();
  cleanups.push({ name: 'bare server', run: () => bare.close() });
  log(`bare server on ${bare.url}`);
  const bareRoom = await driver.load(loadSpec(options, 'bare', bare.url, nulls(options.receivers), nulls(options.senders), roomRuns(options)), null);
  logLoad('bare', bareRoom);
  const barePersist = await driver.load(loadSpec(options, 'bare', bare.url, [], nulls(options.persistSenders), persistRuns(options)), null);
  logLoad('bare', barePersist);
  await cleanups.pop()!.run();

  // 2. The full stack on a fresh database.
  const db = await createBenchDatabase(options.pgAdminUrl);
  cleanups.push({ name: `drop database ${db.name}`, run: () => db.drop() });
  log(`database ${db.name} created`);
  // Receiver users first: the persist senders are taken from them, so their rate-limit windows start empty.
  const receiverUsers = Math.min(options.receivers, options.receiverUsers);
  const userCount = Math.max(receiverUsers + options.senders, options.persistSenders);
  const full = await startFullStack(db.url, userCount);
  cleanups.push({ name: 'app', run: () => full.close() });
  log(`app on ${full.url}; ${userCount} users created and logged in through the REST API`);
  const monitor = new pg.Client({ connectionString: db.url, application_name: 'chat-bench-monitor' });
  await monitor.connect();
  cleanups.push({ name: 'monitor connection', run: () => monitor.end() });
  const settings = await monitor.query<{ pid: number; version: string; sync: string }>(
    `SELECT pg_backend_pid() AS pid, current_setting('server_version') AS version, current_setting('synchronous_commit') AS sync`,
  );
  const pgCpu = postgresCpuMeter(settings.rows[0].pid, db.name);
  log(`PostgreSQL ${settings.rows[0].version}, synchronous_commit=${settings.rows[0].sync}${pgCpu ? '' : ' (not on this machine: no postgres CPU figures)'}`);

  const tokens = full.users.map((u) => u.token);
  const receiverTokens = Array.from({ length: options.receivers }, (_, r) => tokens[r % receiverUsers]);
  const senderTokens = tokens.slice(receiverUsers, receiverUsers + options.senders);
  const fullRoom = await driver.load(loadSpec(options, 'full', full.url, receiverTokens, senderTokens, roomRuns(options)), pgCpu);
  logLoad('full', fullRoom);
  const fullPersist = await driver.load(loadSpec(options, 'full', full.url, [], tokens.slice(0, options.persistSenders), persistRuns(options)), pgCpu);
  logLoad('full', fullPersist);
  const writer = await writerOnly(full, options.persistMessages, options.contentLength);
  log(`writer only: ${num(writer.rows)} drafts straight into MessageWriter stored in ${ms(writer.ms)} ms`);
  const rows = await checkRows(monitor, [
    { name: 'full fan-out + light (warm-up incl.)', tag: fullRoom.tag, expected: acceptedSends(fullRoom.result) },
    { name: 'full persist (warm-up incl.)', tag: fullPersist.tag, expected: acceptedSends(fullPersist.result) },
    { name: 'writer only', tag: writer.tag, expected: writer.rows },
  ]);

  const connections = poolSize(full);

  // The app goes before the naive baseline, so nothing else uses the database meanwhile.
  await cleanups.pop()!.run(); // monitor
  await cleanups.pop()!.run(); // app
  log('app closed');
  const sample = { roomId: ROOM_ID, userId: full.users[0].id, contentLength: options.contentLength };
  const naive = await naiveInserts(db.url, options.persistMessages, options.naiveMaxSeconds, sample, 1);
  log(`naive baseline: ${num(naive.rows)} autocommit INSERTs one at a time in ${ms(naive.ms)} ms${naive.capped ? ` (stopped at the ${options.naiveMaxSeconds} s cap)` : ''}`);
  const naivePool = await naiveInserts(db.url, options.persistMessages, options.naiveMaxSeconds, sample, connections);
  log(`naive baseline: ${num(naivePool.rows)} autocommit INSERTs on ${connections} connections (the app's pool size) in ${ms(naivePool.ms)} ms${naivePool.capped ? ' (capped)' : ''}`);
  return { bareRoom, barePersist, fullRoom, fullPersist, writer, rows, naive, naivePool };
}

function report(options: BenchOptions, { bareRoom, barePersist, fullRoom, fullPersist, writer, rows, naive, naivePool }: Results): void {
  const [bf, bl, bs] = bareRoom.measured;
  const [ff, fl, fs] = fullRoom.measured;
  const [bp] = barePersist.measured;
  const [fp] = fullPersist.measured;
  const deliveriesPerSec = (m: Measured) => (m.run.deliveries / m.run.deliverMs) * 1000;
  const msgsPerSec = (m: Measured) => (m.run.messages / m.run.sendMs) * 1000;
  const cpuPerMsg = (m: Measured) => (m.server.cpuMs * 1000) / m.run.messages;
  const processPerMsg = (m: Measured) => (m.server.processCpuMs * 1000) / m.run.messages;
  const pgPerMsg = (m: Measured) => (m.server.pgCpuMs === null ? NaN : (m.server.pgCpuMs * 1000) / m.run.messages);
  const busy = (m: Measured) => `${m.server.elu.toFixed(2)} / ${m.run.clientElu.toFixed(2)}`;
  const bad = (m: Measured) => `${m.run.correctness.lost}/${m.run.correctness.duplicated}/${m.run.correctness.reordered}/${m.run.correctness.seqGaps}`;
  const lat = (m: Measured, k: 'p50' | 'p90' | 'p99' | 'max') => m.run.latencyMs?.[k] ?? NaN;
  const row = (label: string, b: number, f: number, fmt: (v: number) => string = ms): string[] => [label, fmt(b), fmt(f), ratio(f, b)];
  const header = ['', 'bare (seed)', 'full stack', 'full/bare'];

  console.log(`\n== Fan-out: ${options.receivers} receivers, ${options.senders} senders x window ${options.window}, ${num(options.messages)} messages = ${num(options.messages * options.receivers)} deliveries ==`);
  console.log(
    formatTable(header, [
      row('deliveries/s', deliveriesPerSec(bf), deliveriesPerSec(ff), num),
      row('messages/s (acked)', msgsPerSec(bf), msgsPerSec(ff), num),
      row('latency p50 ms (send -> new_message)', lat(bf, 'p50'), lat(ff, 'p50')),
      row('latency p90 ms', lat(bf, 'p90'), lat(ff, 'p90')),
      row('latency p99 ms', lat(bf, 'p99'), lat(ff, 'p99')),
      row('latency max ms', lat(bf, 'max'), lat(ff, 'max')),
      row('ack p50 ms (bare: message_sent)', bf.run.ackLatencyMs.p50, ff.run.ackLatencyMs.p50),
      row('ack p99 ms', bf.run.ackLatencyMs.p99, ff.run.ackLatencyMs.p99),
      row('server thread CPU us/message', cpuPerMsg(bf), cpuPerMsg(ff)),
      row('whole process CPU us/message (+ clients)', processPerMsg(bf), processPerMsg(ff)),
      ['postgres backends CPU us/message', '-', ms(pgPerMsg(ff)), ''],
      ['busy: server / client event loop', busy(bf), busy(ff), ''],
      ['lost/dup/reordered/seq-gaps', bad(bf), bad(ff), ''],
      [`same senders x window ${bs.run.window}:`, '', '', ''],
      row('  deliveries/s', deliveriesPerSec(bs), deliveriesPerSec(fs), num),
      row('  latency p50 ms', lat(bs, 'p50'), lat(fs, 'p50')),
      row('  latency p99 ms', lat(bs, 'p99'), lat(fs, 'p99')),
      row('  server thread CPU us/message', cpuPerMsg(bs), cpuPerMsg(fs)),
      ['  lost/dup/reordered/seq-gaps', bad(bs), bad(fs), ''],
    ]),
  );

  console.log(`\n== Light load: same ${options.receivers} receivers, 1 sender, window 1, ${num(options.lightMessages)} messages (latency without queueing) ==`);
  console.log(
    formatTable(header, [
      row('latency p50 ms (send -> new_message)', lat(bl, 'p50'), lat(fl, 'p50')),
      row('latency p99 ms', lat(bl, 'p99'), lat(fl, 'p99')),
      row('ack p50 ms', bl.run.ackLatencyMs.p50, fl.run.ackLatencyMs.p50),
      row('ack p99 ms', bl.run.ackLatencyMs.p99, fl.run.ackLatencyMs.p99),
      row('messages/s', msgsPerSec(bl), msgsPerSec(fl), num),
      row('server thread CPU us/message', cpuPerMsg(bl), cpuPerMsg(fl)),
      row('whole process CPU us/message (+ clients)', processPerMsg(bl), processPerMsg(fl)),
      ['postgres backends CPU us/message', '-', ms(pgPerMsg(fl)), ''],
      ['lost/dup/reordered/seq-gaps', bad(bl), bad(fl), ''],
    ]),
  );

  console.log(`\n== Persist: ${options.persistSenders} senders x window ${options.persistWindow}, ${num(options.persistMessages)} messages, no other receivers (senders are in the room: each message also reaches the other ${options.persistSenders - 1}) ==`);
  console.log(
    formatTable(header, [
      row('messages/s acked (full: ack = stored)', msgsPerSec(bp), msgsPerSec(fp), num),
      row('ack p50 ms', bp.run.ackLatencyMs.p50, fp.run.ackLatencyMs.p50),
      row('ack p99 ms', bp.run.ackLatencyMs.p99, fp.run.ackLatencyMs.p99),
      row('server thread CPU us/message', cpuPerMsg(bp), cpuPerMsg(fp)),
      row('whole process CPU us/message (+ clients)', processPerMsg(bp), processPerMsg(fp)),
      ['postgres backends CPU us/message', '-', ms(pgPerMsg(fp)), ''],
      ['busy: server / client event loop', busy(bp), busy(fp), ''],
      ['refused/errors/drops', `${bp.run.correctness.refused}/${bp.run.correctness.errorEvents}/${bp.run.correctness.disconnects}`, `${fp.run.correctness.refused}/${fp.run.correctness.errorEvents}/${fp.run.correctness.disconnects}`, ''],
    ]),
  );

  const contended = [bf, bl, bs, bp, ff, fl, fs, fp]
    .map((m, i) => ({ name: ['bare fan-out', 'bare light', 'bare fan-out small window', 'bare persist', 'full fan-out', 'full light', 'full fan-out small window', 'full persist'][i], share: othersShare(m.server) }))
    .filter((x) => x.share > 0.1);
  if (contended.length > 0) {
    console.log(
      `\nNOTE: other processes on this machine used ${contended.map((x) => `${(x.share * 100).toFixed(0)}% (${x.name})`).join(', ')} of the CPUs during measured runs: ` +
        'the per-second and latency figures are squeezed by that; the CPU-per-message rows are the comparable ones.',
    );
  }

  console.log('\n== Storage ==');
  for (const c of rows.checks) {
    console.log(
      `${c.name}: ${num(c.rows)} rows for ${num(c.expected)} acked messages, ${num(c.distinctIds)} distinct clientMessageIds; ` +
        `${num(c.commits)} commits (${(c.rows / Math.max(1, c.commits)).toFixed(1)} rows each on average, ${c.maxBatch} at most)`,
    );
  }
  console.log(`room "${ROOM_ID}": ${num(rows.seq.rows)} rows, seq ${rows.seq.min}..${rows.seq.max}, rooms.last_seq ${rows.seq.lastSeq}`);
  const persisted = msgsPerSec(fp);
  const perCommit = (c: RowCheck) => (c.rows / Math.max(1, c.commits)).toFixed(0);
  const capped = (r: NaiveResult) => (r.capped ? ', capped' : '');
  console.log(
    '\n' +
      formatTable(
        ['stored messages', 'rows/s', 'vs naive'],
        [
          [`full stack persist run: sockets, acked (~${perCommit(rows.checks[1])} rows/commit)`, num(persisted), ratio(persisted, naive.perSecond)],
          [`MessageWriter alone, ${num(writer.rows)} drafts at once (~${perCommit(rows.checks[2])} rows/commit)`, num(writer.perSecond), ratio(writer.perSecond, naive.perSecond)],
          [`naive: one autocommit INSERT at a time (${num(naive.rows)} rows${capped(naive)})`, num(naive.perSecond), '1.00'],
          [`naive on ${naivePool.connections} connections at once (${num(naivePool.rows)} rows${capped(naivePool)})`, num(naivePool.perSecond), ratio(naivePool.perSecond, naive.perSecond)],
        ],
      ),
  );
}

function chatFaults(results: Results): string[] {
  const failures = [...faults('bare', results.bareRoom), ...faults('bare', results.barePersist), ...faults('full', results.fullRoom), ...faults('full', results.fullPersist)];
  for (const c of results.rows.checks) {
    if (c.rows !== c.expected || c.distinctIds !== c.rows) failures.push(`${c.name}: ${c.rows} rows (${c.distinctIds} distinct clientMessageIds) for ${c.expected} acknowledged messages`);
  }
  const { seq } = results.rows;
  if (seq.min !== 1 || seq.max !== seq.rows || seq.lastSeq !== seq.max) failures.push(`room seqs not gap-free: ${seq.rows} rows, seq ${seq.min}..${seq.max}, last_seq ${seq.lastSeq}`);
  return failures;
}

async function main(): Promise<number> {
  const options = readOptions();
  const chat = options.only === 'all' || options.only === 'chat';
  const ai = options.only === 'all' || options.only === 'ai';
  const cluster = options.only === 'all' || options.only === 'cluster';
  const idle = options.only === 'all' || options.only === 'idle';
  const uploads = options.only === 'all' || options.only === 'uploads';
  console.log(`Chat server benchmark: ${versions()}, ${availableParallelism()} CPUs, load average ${loadText()} at start`);
  console.log('servers on the main thread, clients on a worker thread, PostgreSQL in its own processes: all on the same CPUs');
  if (chat) {
    console.log(
      `room "${ROOM_ID}": ${options.receivers} receivers; fan-out ${options.senders} senders x window ${options.window}, ${num(options.messages)} msgs; ` +
        `light 1 sender x window 1, ${num(options.lightMessages)} msgs; persist ${options.persistSenders} senders x window ${options.persistWindow}, ${num(options.persistMessages)} msgs; ` +
        `${num(options.warmupMessages)} warm-up msgs per load; content ${options.contentLength} chars`,
    );
  }
  if (ai) {
    console.log(
      `assistant: fake upstream on its own thread, ${options.aiTokens} tokens ${options.aiTokenMs} ms apart, first after ${options.aiFirstTokenMs} ms; ` +
        `1 stream x ${options.aiRepeats} replies, ${options.aiStreams} streams x ${options.aiRounds} rounds; direct, then the app with LLM_COALESCE_MS=0 and with its default`,
    );
  }

  const cleanups: Cleanup[] = [];
  const failures: string[] = [];
  let results: Results | undefined;
  let aiResults: AiResults | undefined;
  let clusterResults: ClusterResults | null = null;
  let idleResults: IdleResults | undefined;
  let uploadResults: UploadResults | undefined;
  try {
    const driver = new LoadDriver();
    cleanups.push({ name: 'load worker', run: () => driver.close() });
    if (chat) results = await measureAll(options, driver, cleanups);
    if (ai) aiResults = await measureAi(options, driver, cleanups);
    if (cluster) clusterResults = await measureCluster(options, driver, cleanups);
    if (idle) idleResults = await measureIdle(options, cleanups);
    if (uploads) uploadResults = await measureUploads(options, cleanups);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup.run().catch((error: unknown) => failures.push(`closing ${cleanup.name} failed: ${String(error)}`));
    }
    log(`everything closed; load average ${loadText()}`);
  }

  if (results) {
    failures.push(...chatFaults(results));
    report(options, results);
  }
  if (aiResults) {
    failures.push(...aiFaults(aiResults));
    reportAi(options, aiResults);
  }
  if (clusterResults) {
    failures.push(...clusterFaults(clusterResults));
    reportCluster(options, clusterResults);
  }
  if (idleResults) reportIdle(options, idleResults);
  if (uploadResults) {
    failures.push(...uploadFaults(uploadResults));
    reportUploads(uploadResults);
  }
  reportGoals({ chat: results, ai: aiResults, cluster: cluster ? clusterResults : undefined, idle: idleResults });
  if (failures.length > 0) {
    console.log('\nFAILED:');
    for (const failure of failures) console.log(`  - ${failure}`);
    return 1;
  }
  const ok: string[] = [];
  if (results) ok.push('nothing lost, duplicated or reordered; every acknowledged message stored exactly once, seqs gap-free');
  if (aiResults) ok.push('every assistant reply complete, no token lost, duplicated or reordered, delta indexes contiguous');
  if (clusterResults) ok.push('two instances: nothing lost, duplicated or reordered on either');
  if (idleResults) ok.push('every idle socket connected and joined');
  if (uploadResults) ok.push('every pathological upload refused with nothing stored');
  console.log(`\nOK: ${ok.join('; ')}.`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
