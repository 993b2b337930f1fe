/**
 * The clients, on their own thread: the servers keep the main thread, so on 2 cores the two sides
 * do not share an event loop. Real socket.io-client sockets, websocket transport only.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { aiLoad } from './ai-clients.js';
import { noFaults, type Correctness, type FromWorker, type LoadResult, type LoadSpec, type RunResult, type ToWorker } from './load-protocol.js';
import { connect, inBatches, join, type AckAnswer } from './sockets.js';
import { percentiles } from './stats.js';

interface Delivered {
  content: string;
  seq?: number;
}

/** One phase's bookkeeping at the receivers. Message `n` of sender `s` is number `base[s] + n` of the phase. */
interface Tracker {
  phase: number;
  total: number;
  senders: number;
  base: Int32Array;
  seen: Uint8Array;
  lastN: Int32Array;
  received: Int32Array;
  complete: number;
  deliveries: number;
  latencies: Float64Array | null;
  latencyCount: number;
  /** Per receiver URL (several instances), the same latencies split by where the receiver is. */
  byUrl: { latencies: Float64Array; count: number }[] | null;
  lastDeliveryAt: number;
  onComplete?: () => void;
}

interface Context {
  spec: LoadSpec;
  receivers: Socket[];
  senders: Socket[];
  tracker: Tracker | null;
  /** Per receiver, the seq of its last message (full stack), to check the room's stream is gap-free. */
  lastSeq: Float64Array;
  /** Where faults are counted right now: the warm-up's, a run's, or outside any. */
  faults: Correctness;
  /** Bare server: `message_sent` ends a send; routed to the phase running now. */
  onSent: ((sender: number, content: string) => void) | null;
}

const port = parentPort;
if (!port) throw new Error('load-worker must run as a worker thread');
const post = (message: FromWorker) => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  const fail = (error: unknown) => post({ type: 'error', id: message.id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  if (message.type === 'load') {
    load(message.id, message.spec).then((result) => post({ type: 'result', id: message.id, result }), fail);
  } else if (message.type === 'ai') {
    const mark = (run: number, edge: 'start' | 'end') => post({ type: 'mark', id: message.id, run, edge });
    aiLoad(message.spec, mark).then((result) => post({ type: 'ai-result', id: message.id, result }), fail);
  }
});

/** Content is `phase|sender|n|sentAt|` and padding; the receiver needs nothing else. */
function parseHeader(content: string): { phase: number; sender: number; n: number; sentAt: number } | null {
  const a = content.indexOf('|');
  const b = content.indexOf('|', a + 1);
  const c = content.indexOf('|', b + 1);
  const d = content.indexOf('|', c + 1);
  if (a < 0 || b < 0 || c < 0 || d < 0) return null;
  return { phase: Number(content.slice(0, a)), sender: Number(content.slice(a + 1, b)), n: Number(content.slice(b + 1, c)), sentAt: Number(content.slice(c + 1, d)) };
}

function onDelivery(ctx: Context, receiver: number, message: Delivered): void {
  const now = performance.now();
  if (typeof message.seq === 'number') {
    const last = ctx.lastSeq[receiver];
    if (last >= 0 && message.seq !== last + 1) ctx.faults.seqGaps++;
    ctx.lastSeq[receiver] = message.seq;
  }
  const t = ctx.tracker;
  const header = parseHeader(message.content);
  if (!t || !header || header.phase !== t.phase || !(header.sender < t.senders)) {
    ctx.faults.stray++;
    return;
  }
  const slot = receiver * t.total + t.base[header.sender] + header.n;
  if (t.seen[slot]) {
    ctx.faults.duplicated++;
    return;
  }
  t.seen[slot] = 1;
  const order = receiver * t.senders + header.sender;
  if (header.n < t.lastN[order]) ctx.faults.reordered++;
  else t.lastN[order] = header.n;
  t.deliveries++;
  t.lastDeliveryAt = now;
  if (t.latencies) t.latencies[t.latencyCount++] = now - header.sentAt;
  if (t.byUrl) {
    const group = t.byUrl[receiver % t.byUrl.length];
    group.latencies[group.count++] = now - header.sentAt;
  }
  if (++t.received[receiver] === t.total && ++t.complete === ctx.receivers.length) t.onComplete?.();
}

interface PhaseOutcome {
  deliveries: number;
  sendMs: number;
  deliverMs: number;
  latencies: Float64Array | null;
  latencyByUrl: Float64Array[] | null;
  ackLatencies: Float64Array;
}

let phaseCounter = 0;

/** `total` messages from the first `senderCount` senders, each keeping `window` in flight; resolves once every receiver has them all (or progress stops). */
async function runPhase(ctx: Context, senderCount: number, window: number, total: number, measured: boolean): Promise<PhaseOutcome> {
  const { spec, receivers } = ctx;
  const senders = ctx.senders.slice(0, senderCount);
  const phase = ++phaseCounter;
  const S = senders.length;
  const R = receivers.length;
  const quota = Array.from({ length: S }, (_, s) => Math.floor(total / S) + (s < total % S ? 1 : 0));
  const base = new Int32Array(S);
  for (let s = 1; s < S; s++) base[s] = base[s - 1] + quota[s - 1];
  const tracker: Tracker = {
    phase,
    total,
    senders: S,
    base,
    seen: new Uint8Array(R * total),
    lastN: new Int32Array(R * S).fill(-1),
    received: new Int32Array(R),
    complete: 0,
    deliveries: 0,
    latencies: measured ? new Float64Array(R * total) : null,
    latencyCount: 0,
    byUrl: measured && spec.receiverUrls ? spec.receiverUrls.map(() => ({ latencies: new Float64Array(R * total), count: 0 })) : null,
    lastDeliveryAt: 0,
  };
  ctx.tracker = tracker;
  const padding = 'x'.repeat(spec.contentLength);
  const next = new Int32Array(S);
  const inFlight = new Int32Array(S);
  const ackLatencies = new Float64Array(total);
  let acked = 0;
  let lastAckAt = 0;
  let gaveUp = false;
  let allAcked!: () => void;
  const acksDone = new Promise<void>((resolve) => (allAcked = resolve));

  const settle = (s: number, sentAt: number, ok: boolean) => {
    if (gaveUp) return;
    const now = performance.now();
    if (!ok) ctx.faults.refused++;
    ackLatencies[acked++] = now - sentAt;
    lastAckAt = now;
    inFlight[s]--;
    pump(s);
    if (acked === total) allAcked();
  };
  const pump = (s: number) => {
    const socket = senders[s];
    while (inFlight[s] < window && next[s] < quota[s]) {
      const n = next[s]++;
      inFlight[s]++;
      const sentAt = performance.now();
      const header = `${phase}|${s}|${n}|${sentAt.toFixed(3)}|`;
      const payload = { roomId: spec.roomId, content: header + padding.slice(header.length), clientMessageId: `${spec.tag}:${phase}:${s}:${n}` };
      if (spec.kind === 'bare') socket.emit('send_message', payload);
      else socket.emit('send_message', payload, (answer: AckAnswer) => settle(s, sentAt, answer.ok));
    }
  };
  ctx.onSent = (s, content) => {
    const header = parseHeader(content);
    if (header && header.phase === phase && s < S) settle(s, header.sentAt, true);
  };

  const start = performance.now();
  for (let s = 0; s < S; s++) pump(s);
  // A server that swallows sends must not hang the bench: give up once acks stop coming.
  const ackWatch = setInterval(() => {
    if (performance.now() - Math.max(lastAckAt, start) <= spec.drainTimeoutMs) return;
    gaveUp = true;
    ctx.faults.unacked += total - acked;
    allAcked();
  }, 50);
  await acksDone;
  clearInterval(ackWatch);
  ctx.onSent = null;
  if (gaveUp) lastAckAt = lastAckAt || performance.now();

  if (R > 0 && tracker.complete < R) {
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearInterval(poll);
        tracker.onComplete = undefined;
        resolve();
      };
      const poll = setInterval(() => {
        if (performance.now() - Math.max(tracker.lastDeliveryAt, lastAckAt) > spec.drainTimeoutMs) finish();
      }, 50);
      tracker.onComplete = finish;
    });
  }
  ctx.tracker = null;
  ctx.faults.lost += R * total - tracker.deliveries;
  return {
    deliveries: tracker.deliveries,
    sendMs: lastAckAt - start,
    deliverMs: (R > 0 ? Math.max(tracker.lastDeliveryAt, lastAckAt) : lastAckAt) - start,
    latencies: tracker.latencies ? tracker.latencies.subarray(0, tracker.latencyCount) : null,
    latencyByUrl: tracker.byUrl ? tracker.byUrl.map((group) => group.latencies.subarray(0, group.count)) : null,
    ackLatencies,
  };
}

async function load(id: number, spec: LoadSpec): Promise<LoadResult> {
  const setupStart = performance.now();
  const outside = noFaults();
  const ctx: Context = { spec, receivers: [], senders: [], tracker: null, lastSeq: new Float64Array(spec.receiverTokens.length).fill(-1), faults: outside, onSent: null };
  const all: Socket[] = [];
  let closing = false;
  try {
    ctx.receivers = await inBatches(spec.receiverTokens, 25, async (token, r) => {
      const socket = await connect(spec.receiverUrls ? spec.receiverUrls[r % spec.receiverUrls.length] : spec.url, token);
      all.push(socket);
      socket.on('new_message', (message: Delivered) => onDelivery(ctx, r, message));
      return socket;
    });
    ctx.senders = await inBatches(spec.senderTokens, 25, async (token, s) => {
      const socket = await connect(spec.url, token);
      all.push(socket);
      if (spec.kind === 'bare') socket.on('message_sent', (message: Delivered) => ctx.onSent?.(s, message.content));
      return socket;
    });
    for (const socket of all) {
      socket.on('error', () => ctx.faults.errorEvents++);
      socket.on('disconnect', () => void (closing || ctx.faults.disconnects++));
    }
    await inBatches(all, 25, (socket) => join(socket, spec.kind, spec.roomId));
    const setupMs = performance.now() - setupStart;

    const warmup = noFaults();
    if (spec.warmupMessages > 0) {
      ctx.faults = warmup;
      await runPhase(ctx, ctx.senders.length, spec.runs[0]?.window ?? 1, spec.warmupMessages, false);
      ctx.faults = outside;
    }

    const runs: RunResult[] = [];
    for (const [index, run] of spec.runs.entries()) {
      const faults = noFaults();
      ctx.faults = faults;
      post({ type: 'mark', id, run: index, edge: 'start' });
      const elu = performance.eventLoopUtilization();
      const outcome = await runPhase(ctx, run.senders, run.window, run.messages, true);
      const clientElu = performance.eventLoopUtilization(elu).utilization;
      post({ type: 'mark', id, run: index, edge: 'end' });
      ctx.faults = outside;
      runs.push({
        label: run.label,
        receivers: ctx.receivers.length,
        senders: Math.min(run.senders, ctx.senders.length),
        window: run.window,
        messages: run.messages,
        deliveries: outcome.deliveries,
        sendMs: outcome.sendMs,
        deliverMs: outcome.deliverMs,
        latencyMs: outcome.latencies ? percentiles(outcome.latencies) : null,
        latencyByUrlMs: outcome.latencyByUrl ? outcome.latencyByUrl.map((group) => (group.length ? percentiles(group) : null)) : null,
        ackLatencyMs: percentiles(outcome.ackLatencies),
        correctness: faults,
        clientElu,
      });
    }
    const sent = spec.warmupMessages + spec.runs.reduce((sum, run) => sum + run.messages, 0);
    return { setupMs, sent, warmup, outside, runs };
  } finally {
    closing = true;
    for (const socket of all) socket.disconnect();
  }
}
