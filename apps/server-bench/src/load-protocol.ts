/** What the main thread (the servers) and the load worker (the clients) tell each other. */
import type { AiLoadResult, AiLoadSpec } from './ai-protocol.js';

/** One measured run on already connected and joined sockets. */
export interface RunSpec {
  label: string;
  /** How many of the connected senders send in this run (the first ones). */
  senders: number;
  /** Unacknowledged messages each sender keeps in flight. */
  window: number;
  messages: number;
}

export interface LoadSpec {
  /** `bare` speaks the seed's protocol (bare room id, `message_sent` as the signal); `full` uses acks. */
  kind: 'bare' | 'full';
  /** Senders connect here, and receivers unless `receiverUrls` is given. */
  url: string;
  /** Several instances: receiver r connects to receiverUrls[r % length] (index 0 should be `url`, the senders' instance). */
  receiverUrls?: string[];
  roomId: string;
  /** One entry per receiving socket: its access token, or null for the bare server. */
  receiverTokens: (string | null)[];
  senderTokens: (string | null)[];
  /** Sent by every sender with the first run's window, fully delivered, then forgotten. */
  warmupMessages: number;
  runs: RunSpec[];
  contentLength: number;
  drainTimeoutMs: number;
  /** Unique per load, so clientMessageIds never repeat; the messages' clientMessageIds start with `${tag}:`. */
  tag: string;
}

export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface Correctness {
  /** Deliveries expected at receivers that never came. */
  lost: number;
  /** A receiver got the same message twice. */
  duplicated: number;
  /** A receiver got a sender's message after a later one from the same sender. */
  reordered: number;
  /** Full stack: a receiver's next seq was not its previous seq + 1. */
  seqGaps: number;
  /** A message not of the running phase arrived (the previous one had not drained). */
  stray: number;
  /** Sends the server refused (ack ok:false). */
  refused: number;
  /** Sends never acknowledged (no progress for the drain timeout). */
  unacked: number;
  /** `error` events the server sent to any socket. */
  errorEvents: number;
  /** Sockets that dropped. */
  disconnects: number;
}

export interface RunResult {
  label: string;
  receivers: number;
  senders: number;
  window: number;
  messages: number;
  /** At receivers, each message counted once per receiver that got it. */
  deliveries: number;
  /** First send to last acknowledgement (or `message_sent`). */
  sendMs: number;
  /** First send to last delivery at a receiver (sendMs when there are no receivers). */
  deliverMs: number;
  /** Send to each receiver's `new_message`; null without receivers. */
  latencyMs: Percentiles | null;
  /** With `receiverUrls`: the same, for the receivers of each URL in turn. */
  latencyByUrlMs: (Percentiles | null)[] | null;
  /** Send to the sender's acknowledgement (bare: its `message_sent`). */
  ackLatencyMs: Percentiles;
  /** Checked during this run; every field must be 0. */
  correctness: Correctness;
  /** Event-loop utilization of the client thread during the run (near 1: the clients, not the server, were the limit). */
  clientElu: number;
}

export interface LoadResult {
  setupMs: number;
  /** Messages sent in all (warm-up included), all acknowledged unless `refused` says otherwise. */
  sent: number;
  warmup: Correctness;
  /** Socket drops and `error` events outside any run. */
  outside: Correctness;
  runs: RunResult[];
}

export type ToWorker = { type: 'load'; id: number; spec: LoadSpec } | { type: 'ai'; id: number; spec: AiLoadSpec };

export type FromWorker =
  | { type: 'mark'; id: number; run: number; edge: 'start' | 'end' }
  | { type: 'result'; id: number; result: LoadResult }
  | { type: 'ai-result'; id: number; result: AiLoadResult }
  | { type: 'error'; id: number; message: string };

export const noFaults = (): Correctness => ({ lost: 0, duplicated: 0, reordered: 0, seqGaps: 0, stray: 0, refused: 0, unacked: 0, errorEvents: 0, disconnects: 0 });
