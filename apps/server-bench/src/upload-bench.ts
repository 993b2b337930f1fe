/**
 * Pathological uploads against a live chat (issue 10, point 1): while each upload, scaled to the
 * upload limit, is parsed, a probe thread times `/health/live` and a chat message's send→delivery,
 * and the process's RSS is sampled. Goals: both latencies <= 100 ms at p99 and max; RSS peak over
 * the idle baseline <= the parse worker's heap limit + 256 MB (the upload's own buffers). Each
 * upload must be refused (413/422) with nothing stored.
 */
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { deepMarkdownOfSize, nestedHtmlOfSize, pdfBomb } from '@chat/server-testing';
import { createBenchDatabase, createRooms, startFullStack } from './full-stack.js';
import type { Percentiles } from './load-protocol.js';
import type { BenchOptions } from './options.js';
import { formatTable, log, ms, num } from './report.js';
import { percentiles } from './stats.js';
import type { FromProbe, ProbeResult, ProbeStart } from './upload-probe-worker.js';

type Cleanup = { name: string; run: () => Promise<unknown> };

const LATENCY_GOAL_MS = 100;
const UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
const PARSE_MEMORY_MB = 512;
const RSS_HEADROOM_MB = 256;
/** The stated bound (README, Security): growth over idle while a pathological upload is parsed. */
export const RSS_BOUND_MB = PARSE_MEMORY_MB + RSS_HEADROOM_MB;

interface Upload {
  name: string;
  bytes: number;
  send: (url: string, token: string, roomId: string) => Promise<{ status: number; code?: string; ms: number }>;
}

export interface UploadPhase {
  name: string;
  bytes: number;
  status: number | null;
  code?: string;
  uploadMs: number;
  health: Percentiles;
  healthFailures: number;
  delivery: Percentiles;
  undelivered: number;
  rssBaselineMb: number;
  rssPeakMb: number;
  /** The server thread's own event-loop delay: high latency with a low one is CPU contention, not a blocked loop. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  load1: number;
  storedAfter: number;
}

export interface UploadResults {
  phases: UploadPhase[];
  storedBefore: number;
}

async function timed(request: Promise<Response>): Promise<{ status: number; code?: string; ms: number }> {
  const t0 = performance.now();
  const response = await request;
  const body = (await response.json().catch(() => ({}))) as { code?: string };
  return { status: response.status, code: body.code, ms: performance.now() - t0 };
}

const jsonUpload = (name: string, contentType: string, content: string): Upload => ({
  name,
  bytes: Buffer.byteLength(content),
  send: (url, token, roomId) =>
    timed(
      fetch(`${url}/api/knowledge/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: name, content, contentType, roomId }),
      }),
    ),
});

const fileUpload = (name: string, type: string, content: Buffer): Upload => ({
  name,
  bytes: content.length,
  send: (url, token, roomId) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(content)], { type }), `${name}.pdf`);
    form.append('roomId', roomId);
    return timed(fetch(`${url}/api/knowledge/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form }));
  },
});

/** The probe thread for one phase: resolves once it is connected, `stop()` gives its numbers. */
function startProbe(start: Omit<ProbeStart, 'type'>): Promise<{ stop: () => Promise<ProbeResult> }> {
  const worker = new Worker(new URL('./upload-probe-worker.js', import.meta.url));
  return new Promise((resolveReady, rejectReady) => {
    let resolveResult: (r: ProbeResult) => void = () => undefined;
    let rejectResult: (e: Error) => void = () => undefined;
    const result = new Promise<ProbeResult>((resolve, reject) => ((resolveResult = resolve), (rejectResult = reject)));
    worker.on('message', (message: FromProbe) => {
      if (message.type === 'ready') resolveReady({ stop: () => (worker.postMessage({ type: 'stop' }), result.finally(() => worker.terminate())) });
      else if (message.type === 'result') resolveResult(message);
      else {
        rejectReady(new Error(message.message));
        rejectResult(new Error(message.message));
      }
    });
    worker.on('error', rejectReady);
    worker.postMessage({ type: 'start', ...start } satisfies ProbeStart);
  });
}

const rssMb = () => process.memoryUsage().rss / 1048576;

export async function measureUploads(options: BenchOptions, cleanups: Cleanup[]): Promise<UploadResults> {
  const room = 'uploads';
  const db = await createBenchDatabase(options.pgAdminUrl);
  cleanups.push({ name: `drop database ${db.name}`, run: () => db.drop() });
  const full = await startFullStack(db.url, 3, { KNOWLEDGE_MAX_UPLOAD_BYTES: String(UPLOAD_LIMIT_BYTES), KNOWLEDGE_PARSE_MEMORY_MB: String(PARSE_MEMORY_MB) });
  cleanups.push({ name: 'upload bench app', run: () => full.close() });
  const [{ roomId, token: ownerToken }] = await createRooms(full, room, 1);
  // The probes' two users join the owner's public room.
  const [, sender, receiver] = full.users;

  const size = UPLOAD_LIMIT_BYTES - 64 * 1024;
  log(`uploads: building the pathological documents, each just under ${num(UPLOAD_LIMIT_BYTES / 1048576)} MB`);
  const pdfPages = 9;
  const bomb = await pdfBomb(1024 * 1024 * 1024, pdfPages);
  const uploads: (Upload | null)[] = [
    null,
    jsonUpload('nested HTML', 'text/html', nestedHtmlOfSize(size)),
    jsonUpload('deep Markdown list', 'text/markdown', deepMarkdownOfSize(size)),
    fileUpload(`PDF bomb (${pdfPages} x 1 GB streams)`, 'application/pdf', bomb),
  ];

  const stored = async () => {
    const response = await fetch(`${full.url}/api/knowledge/documents?roomId=${roomId}`, { headers: { authorization: `Bearer ${ownerToken}` } });
    return ((await response.json()) as unknown[]).length;
  };
  const storedBefore = await stored();
  const phases: UploadPhase[] = [];
  for (const upload of uploads) {
    global.gc?.();
    const probe = await startProbe({ url: full.url, roomId, senderToken: sender.token, receiverToken: receiver.token, healthEveryMs: 10, messageEveryMs: 20 });
    // Idle baseline with the probes running, then the upload (or, for the baseline phase, 3 s of nothing).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rssBaselineMb = rssMb();
    let rssPeakMb = rssBaselineMb;
    const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb())), 5);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const answer = upload ? await upload.send(full.url, ownerToken, roomId) : (await new Promise((resolve) => setTimeout(resolve, 3000)), null);
    // The probes go on a little after the answer: a freeze right after it counts too.
    await new Promise((resolve) => setTimeout(resolve, 500));
    clearInterval(sampler);
    loop.disable();
    const result = await probe.stop();
    const phase: UploadPhase = {
      name: upload?.name ?? 'idle (no upload)',
      bytes: upload?.bytes ?? 0,
      status: answer?.status ?? null,
      code: answer?.code,
      uploadMs: answer?.ms ?? 0,
      health: percentiles(Float64Array.from(result.healthMs)),
      healthFailures: result.healthFailures,
      delivery: percentiles(Float64Array.from(result.deliveryMs)),
      undelivered: result.undelivered,
      rssBaselineMb,
      rssPeakMb,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
      load1: loadavg()[0],
      storedAfter: await stored(),
    };
    phases.push(phase);
    log(
      `uploads ${phase.name}: ${num(phase.bytes)} bytes -> ${phase.status ?? '-'} ${phase.code ?? ''} in ${ms(phase.uploadMs)} ms; ` +
        `health p99 ${ms(phase.health.p99)} max ${ms(phase.health.max)} ms (${phase.health.count}); delivery p99 ${ms(phase.delivery.p99)} max ${ms(phase.delivery.max)} ms (${phase.delivery.count}); ` +
        `RSS ${num(rssBaselineMb)} -> peak ${num(rssPeakMb)} MB; server loop delay p99 ${ms(phase.loopDelayP99Ms)} max ${ms(phase.loopDelayMaxMs)} ms; load ${phase.load1.toFixed(1)}`,
    );
  }
  await cleanups.pop()!.run();
  return { phases, storedBefore };
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

export function reportUploads(results: UploadResults): void {
  console.log(
    `\n== Pathological uploads (issue 10 point 1): /health/live and a chat message's send->delivery while each is parsed; goals <= ${LATENCY_GOAL_MS} ms p99 and max, RSS peak <= idle + ${RSS_BOUND_MB} MB (parse heap ${PARSE_MEMORY_MB} + ${RSS_HEADROOM_MB}) ==`,
  );
  console.log(
    formatTable(
      ['upload', 'bytes', 'answer', 'upload ms', 'health p99/max ms', 'delivery p99/max ms', 'server loop delay p99/max ms', 'load avg', 'RSS idle -> peak MB', 'latency goal', 'RSS goal'],
      results.phases.map((p) => {
        const latencyOk =
          p.health.count > 0 && p.delivery.count > 0 && p.healthFailures === 0 && p.undelivered === 0 && Math.max(p.health.p99, p.health.max, p.delivery.p99, p.delivery.max) <= LATENCY_GOAL_MS;
        return [
          p.name,
          num(p.bytes),
          p.status === null ? '-' : `${p.status} ${p.code ?? ''}`.trim(),
          ms(p.uploadMs),
          `${ms(p.health.p99)} / ${ms(p.health.max)} (n ${p.health.count}${p.healthFailures ? `, ${p.healthFailures} failed` : ''})`,
          `${ms(p.delivery.p99)} / ${ms(p.delivery.max)} (n ${p.delivery.count}${p.undelivered ? `, ${p.undelivered} lost` : ''})`,
          `${ms(p.loopDelayP99Ms)} / ${ms(p.loopDelayMaxMs)}`,
          p.load1.toFixed(1),
          `${num(p.rssBaselineMb)} -> ${num(p.rssPeakMb)} (+${num(p.rssPeakMb - p.rssBaselineMb)})`,
          verdict(latencyOk),
          verdict(p.rssPeakMb - p.rssBaselineMb <= RSS_BOUND_MB),
        ];
      }),
    ),
  );
  console.log(
    `Probes on their own thread, parsing on the pool's: a load average above the ${availableParallelism()} CPUs means other processes took CPU time that the latencies show too (compare the idle row and the server loop's own delay).`,
  );
}

/** Correctness, not speed: every pathological upload refused with 413/422 and nothing stored. */
export function uploadFaults(results: UploadResults): string[] {
  const failures: string[] = [];
  for (const p of results.phases) {
    if (p.status !== null && p.status !== 413 && p.status !== 422) failures.push(`uploads ${p.name}: answered ${p.status} ${p.code ?? ''}, not 413/422`);
    if (p.storedAfter !== results.storedBefore) failures.push(`uploads ${p.name}: ${p.storedAfter - results.storedBefore} documents stored`);
    if (p.undelivered > 0) failures.push(`uploads ${p.name}: ${p.undelivered} probe messages never delivered`);
  }
  return failures;
}
