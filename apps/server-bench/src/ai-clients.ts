/**
 * The assistant benchmark's clients, on the load worker's thread. The baseline reads the fake
 * upstream directly with the `openai` package (the call the app's OpenAiProvider makes); the full
 * path asks the app over Socket.IO and follows its `ai_stream_*` events. Same clock, same thread,
 * same fake: the difference is the app.
 */
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import type { Socket } from 'socket.io-client';
import type { AiStreamDeltaPayload, AiStreamEndPayload, AiStreamStartPayload, ChatMessage } from '@chat/contract';
import { noStreamFaults, tallyTokens, type AiLoadResult, type AiLoadSpec, type AiRunResult, type StreamFaults } from './ai-protocol.js';
import { connect, inBatches, join, type AckAnswer } from './sockets.js';
import { percentiles } from './stats.js';

const QUESTION = 'How do I reset my VPN password while travelling?';

/** A measured run's samples, every reply pooled. */
class Samples {
  readonly ttft: number[] = [];
  readonly gaps: number[] = [];
  readonly last: number[] = [];
  readonly frames: number[] = [];
  readonly ack: number[] = [];
  readonly start: number[] = [];
  readonly serverFirst: number[] = [];
}

const pct = (values: number[]) => percentiles(Float64Array.from(values));

/** Arrival of one piece of a reply: counts it and takes the gap since the previous one. */
interface Arrivals {
  frames: number;
  firstAt: number;
  lastAt: number;
  text: string;
}

function arrived(reply: Arrivals, text: string, samples: Samples | null): void {
  const now = performance.now();
  if (reply.frames++ === 0) reply.firstAt = now;
  else samples?.gaps.push(now - reply.lastAt);
  reply.lastAt = now;
  reply.text += text;
}

function record(samples: Samples | null, reply: Arrivals, sentAt: number): void {
  if (!samples || reply.frames === 0) return;
  samples.ttft.push(reply.firstAt - sentAt);
  samples.last.push(reply.lastAt - sentAt);
  samples.frames.push(reply.frames);
}

/** One streaming chat completion straight from the fake, with the options the app's OpenAiProvider uses. */
async function directReply(client: OpenAI, spec: AiLoadSpec, faults: StreamFaults, samples: Samples | null): Promise<void> {
  const reply: Arrivals = { frames: 0, firstAt: NaN, lastAt: NaN, text: '' };
  const signal = AbortSignal.timeout(spec.replyTimeoutMs);
  const sentAt = performance.now();
  try {
    const stream = await client.chat.completions.create(
      {
        model: spec.model,
        messages: [{ role: 'user', content: QUESTION }],
        stream: true,
        stream_options: { include_usage: true },
        temperature: 0.3,
        max_tokens: 1024,
      },
      { signal },
    );
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta?.content;
      if (text) arrived(reply, text, samples);
    }
    // The package ends its stream quietly when the signal aborts it.
    if (signal.aborted) faults.failed++;
  } catch {
    faults.failed++;
  }
  tallyTokens(reply.text, spec.tokens.length, faults);
  record(samples, reply, sentAt);
}

interface SocketReply extends Arrivals {
  sentAt: number;
  ackAt: number;
  startAt: number;
  /** From the send ack. */
  questionId: string | null;
  /** From `ai_stream_start`. */
  messageId: string | null;
  replyTo: string | null;
  nextIndex: number;
  end: ChatMessage | null;
  faults: StreamFaults;
  samples: Samples | null;
  done: () => void;
}

/** A socket alone in its room: whatever `ai_stream_*` it hears belongs to its one reply in flight. */
interface Asker {
  socket: Socket;
  roomId: string;
  reply: SocketReply | null;
}

interface Context {
  spec: AiLoadSpec;
  expected: string;
  /** Where faults outside a reply are counted right now: the warm-up's, a run's, or outside any. */
  faults: StreamFaults;
  sent: number;
}

function finish(ctx: Context, asker: Asker, reply: SocketReply): void {
  if (asker.reply !== reply) return;
  asker.reply = null;
  if (reply.end && (reply.end.status !== 'complete' || reply.end.content !== ctx.expected)) reply.faults.badEnd++;
  tallyTokens(reply.text, ctx.spec.tokens.length, reply.faults);
  record(reply.samples, reply, reply.sentAt);
  if (reply.samples && reply.frames > 0) {
    reply.samples.ack.push(reply.ackAt - reply.sentAt);
    reply.samples.start.push(reply.startAt - reply.sentAt);
    if (reply.end?.metadata?.firstTokenMs !== undefined) reply.samples.serverFirst.push(reply.end.metadata.firstTokenMs);
  }
  reply.done();
}

function listen(ctx: Context, asker: Asker, closing: () => boolean): void {
  const { socket } = asker;
  socket.on('ai_stream_start', (start: AiStreamStartPayload) => {
    const reply = asker.reply;
    if (!reply || reply.messageId !== null || start.roomId !== asker.roomId) return void ctx.faults.stray++;
    reply.startAt = performance.now();
    reply.messageId = start.messageId;
    reply.replyTo = start.replyTo;
    if (reply.questionId !== null && start.replyTo !== reply.questionId) reply.faults.wrongReplyTo++;
  });
  socket.on('ai_stream_delta', (delta: AiStreamDeltaPayload) => {
    const reply = asker.reply;
    if (!reply || delta.messageId !== reply.messageId) return void ctx.faults.stray++;
    if (delta.index !== reply.nextIndex) reply.faults.indexGaps++;
    reply.nextIndex = delta.index + 1;
    arrived(reply, delta.delta, reply.samples);
  });
  socket.on('ai_stream_end', ({ message }: AiStreamEndPayload) => {
    const reply = asker.reply;
    if (!reply || message.id !== reply.messageId) return void ctx.faults.stray++;
    reply.end = message;
    finish(ctx, asker, reply);
  });
  socket.on('error', () => {
    ctx.faults.errorEvents++;
    // Refused before a reply existed (busy, rate-limited): no reply will come.
    const reply = asker.reply;
    if (reply && reply.messageId === null) {
      reply.faults.failed++;
      finish(ctx, asker, reply);
    }
  });
  socket.on('disconnect', () => void (closing() || ctx.faults.disconnects++));
}

function ask(ctx: Context, asker: Asker, faults: StreamFaults, samples: Samples | null): Promise<void> {
  return new Promise((done) => {
    const reply: SocketReply = {
      frames: 0,
      firstAt: NaN,
      lastAt: NaN,
      text: '',
      sentAt: performance.now(),
      ackAt: NaN,
      startAt: NaN,
      questionId: null,
      messageId: null,
      replyTo: null,
      nextIndex: 0,
      end: null,
      faults,
      samples,
      done,
    };
    asker.reply = reply;
    const n = ++ctx.sent;
    asker.socket.emit(
      'send_message',
      { roomId: asker.roomId, content: `${QUESTION} (${n})`, useAi: true, clientMessageId: `${ctx.spec.tag}:${n}` },
      (answer: AckAnswer & { message?: ChatMessage }) => {
        if (asker.reply !== reply) return;
        reply.ackAt = performance.now();
        if (!answer.ok || !answer.message) {
          faults.failed++;
          return finish(ctx, asker, reply);
        }
        reply.questionId = answer.message.id;
        if (reply.replyTo !== null && reply.replyTo !== reply.questionId) faults.wrongReplyTo++;
      },
    );
  });
}

/** `streams` replies at once; resolves when all have ended, or the timeout has ended the rest as failed. */
async function round(ctx: Context, client: OpenAI | null, askers: Asker[], streams: number, faults: StreamFaults, samples: Samples | null): Promise<void> {
  if (client) {
    await Promise.all(Array.from({ length: streams }, () => directReply(client, ctx.spec, faults, samples)));
    return;
  }
  const mine = askers.slice(0, streams);
  const timer = setTimeout(() => {
    for (const asker of mine) {
      if (!asker.reply) continue;
      asker.reply.faults.failed++;
      finish(ctx, asker, asker.reply);
    }
  }, ctx.spec.replyTimeoutMs);
  await Promise.all(mine.map((asker) => ask(ctx, asker, faults, samples)));
  clearTimeout(timer);
}

export async function aiLoad(spec: AiLoadSpec, mark: (run: number, edge: 'start' | 'end') => void): Promise<AiLoadResult> {
  const setupStart = performance.now();
  const outside = noStreamFaults();
  const ctx: Context = { spec, expected: spec.tokens.join(''), faults: outside, sent: 0 };
  const most = Math.max(spec.warmupStreams, ...spec.runs.map((r) => r.streams));
  const askers: Asker[] = [];
  /** Every socket opened, in case setup fails halfway. */
  const all: Asker[] = [];
  let closing = false;
  try {
    let client: OpenAI | null = null;
    if (spec.kind === 'direct') {
      // What the app's OpenAiProvider builds, pointed at the same fake.
      client = new OpenAI({ apiKey: 'not-needed', baseURL: spec.url, maxRetries: 0, timeout: spec.replyTimeoutMs });
    } else {
      if (spec.askers.length < most) throw new Error(`${most} streams at once need ${most} askers, got ${spec.askers.length}`);
      const connected = await inBatches(spec.askers.slice(0, most), 25, async ({ token, roomId }) => {
        const asker: Asker = { socket: await connect(spec.url, token), roomId, reply: null };
        all.push(asker);
        listen(ctx, asker, () => closing);
        await join(asker.socket, 'full', roomId);
        return asker;
      });
      askers.push(...connected);
    }
    const setupMs = performance.now() - setupStart;

    const warmup = noStreamFaults();
    if (spec.warmupStreams > 0) {
      ctx.faults = warmup;
      await round(ctx, client, askers, spec.warmupStreams, warmup, null);
      ctx.faults = outside;
    }

    const runs: AiRunResult[] = [];
    for (const [index, run] of spec.runs.entries()) {
      const faults = noStreamFaults();
      const samples = new Samples();
      ctx.faults = faults;
      mark(index, 'start');
      const elu = performance.eventLoopUtilization();
      const start = performance.now();
      for (let r = 0; r < run.rounds; r++) await round(ctx, client, askers, run.streams, faults, samples);
      const wallMs = performance.now() - start;
      const clientElu = performance.eventLoopUtilization(elu).utilization;
      mark(index, 'end');
      ctx.faults = outside;
      const socket = spec.kind === 'socket';
      runs.push({
        label: run.label,
        streams: run.streams,
        rounds: run.rounds,
        replies: samples.ttft.length,
        ttftMs: pct(samples.ttft),
        gapMs: pct(samples.gaps),
        lastTokenMs: pct(samples.last),
        framesPerReply: pct(samples.frames),
        ackMs: socket ? pct(samples.ack) : null,
        startMs: socket ? pct(samples.start) : null,
        serverFirstTokenMs: socket ? pct(samples.serverFirst) : null,
        wallMs,
        faults,
        clientElu,
      });
    }
    return { setupMs, warmup, outside, runs };
  } finally {
    closing = true;
    for (const asker of all) asker.socket.disconnect();
  }
}
