/**
 * The assistant streaming benchmark, as the main thread and the load worker speak of it: the same
 * fake upstream read directly (the baseline) or through the app (socket → gateway → upstream → socket).
 */
import type { Percentiles } from './load-protocol.js';

/** `streams` replies at once, `rounds` times one after another (a round ends when all its replies have). */
export interface AiRunSpec {
  label: string;
  streams: number;
  rounds: number;
}

export interface AiLoadSpec {
  /**
   * `direct`: the `openai` package's streaming chat completion against the fake's base URL, as the
   * app's OpenAiProvider calls it. `socket`: socket.io-client sockets sending `send_message {useAi}`.
   */
  kind: 'direct' | 'socket';
  /** The fake's base URL (direct) or the app's URL (socket). */
  url: string;
  model: string;
  /** Socket path: one asker per concurrent stream, each alone in its room (several may share a user). */
  askers: { token: string; roomId: string }[];
  /** What every reply must be made of, in order: what the fake upstream sends. */
  tokens: string[];
  /** Replies at once, once, before the runs, not counted. */
  warmupStreams: number;
  runs: AiRunSpec[];
  /** A reply not ended by then counts as failed, and its missing tokens as lost. */
  replyTimeoutMs: number;
  /** Unique per load, so clientMessageIds never repeat. */
  tag: string;
}

export interface StreamFaults {
  /** Tokens of a reply that never arrived. */
  lost: number;
  /** Tokens that arrived after a later token of the same reply. */
  reordered: number;
  duplicated: number;
  /** Text that is none of the reply's tokens, or (socket path) an event for no reply running in that room. */
  stray: number;
  /** Socket path: a delta whose index was not the previous one's + 1 (the first must be 0). */
  indexGaps: number;
  /** Socket path: `ai_stream_start.replyTo` was not the question's id from the send ack. */
  wrongReplyTo: number;
  /** Socket path: `ai_stream_end` not `complete`, or its content not exactly the tokens. */
  badEnd: number;
  /** Requests that failed, sends refused, replies that never ended. */
  failed: number;
  /** `error` events the server sent. */
  errorEvents: number;
  disconnects: number;
}

export interface AiRunResult {
  label: string;
  streams: number;
  rounds: number;
  replies: number;
  /** Request start (direct) or `send_message` emit (socket) to the reply's first token (direct) or first `ai_stream_delta` (socket). */
  ttftMs: Percentiles;
  /** Between consecutive tokens (direct) or deltas (socket) of one reply, all replies pooled. */
  gapMs: Percentiles;
  /** Request start or emit to the last token or delta. */
  lastTokenMs: Percentiles;
  /** Content chunks (direct) or deltas (socket) per reply. */
  framesPerReply: Percentiles;
  /** Socket path: emit to the send ack (the question is stored). */
  ackMs: Percentiles | null;
  /** Socket path: emit to `ai_stream_start` (the reply row is stored; the upstream call comes next). */
  startMs: Percentiles | null;
  /** Socket path: the server's own reply-start-to-first-token time, from the stored reply's metadata.firstTokenMs. */
  serverFirstTokenMs: Percentiles | null;
  /** First request or emit to the last reply's end. */
  wallMs: number;
  faults: StreamFaults;
  /** Event-loop utilization of the client thread during the run. */
  clientElu: number;
}

export interface AiLoadResult {
  setupMs: number;
  warmup: StreamFaults;
  /** Faults outside the warm-up and the runs (drops between rounds). */
  outside: StreamFaults;
  runs: AiRunResult[];
}

export const noStreamFaults = (): StreamFaults => ({
  lost: 0,
  reordered: 0,
  duplicated: 0,
  stray: 0,
  indexGaps: 0,
  wrongReplyTo: 0,
  badEnd: 0,
  failed: 0,
  errorEvents: 0,
  disconnects: 0,
});

/** The fake's reply: ` t0 t1 t2 ...`, a few characters each like real tokens, numbered so loss and order show. */
export function replyTokens(count: number): string[] {
  return Array.from({ length: count }, (_, i) => ` t${i}`);
}

const TOKEN = / t(\d+)/g;

/** Counts, into `faults`, the tokens of `replyTokens(count)` missing, repeated or out of order in `text`, and anything else in it. */
export function tallyTokens(text: string, count: number, faults: StreamFaults): void {
  const seen = new Uint8Array(count);
  let highest = -1;
  let found = 0;
  const rest = text.replace(TOKEN, (_, digits: string) => {
    const n = Number(digits);
    if (n >= count) {
      faults.stray++;
    } else if (seen[n]) {
      faults.duplicated++;
    } else {
      seen[n] = 1;
      found++;
      if (n < highest) faults.reordered++;
      highest = Math.max(highest, n);
    }
    return '';
  });
  if (rest !== '') faults.stray++;
  faults.lost += count - found;
}
