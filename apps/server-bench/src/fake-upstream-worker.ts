/**
 * The fake OpenAI-compatible upstream on a thread of its own, so its token timers share an event
 * loop with neither the app (main thread) nor the clients (load worker), in the baseline and in the
 * full path alike. Every request gets the same streamed reply.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FakeOpenAiServer } from '@chat/server-testing';

export interface FakeUpstreamData {
  tokens: string[];
  firstDelayMs: number;
  delayMs: number;
}

export type ToFake = { type: 'stats' };

export type FromFake =
  | { type: 'ready'; url: string }
  /** Since the previous stats: chat completion requests, the most answered at once, those the client went away from early. */
  | { type: 'stats'; requests: number; maxInFlight: number; abandoned: number };

const port = parentPort;
if (!port) throw new Error('fake-upstream-worker must run as a worker thread');
const post = (message: FromFake) => port.postMessage(message);
const { tokens, firstDelayMs, delayMs } = workerData as FakeUpstreamData;

const fake = new FakeOpenAiServer();
fake.defaultReply = { kind: 'stream', tokens, firstDelayMs, delayMs };
port.on('message', (message: ToFake) => {
  if (message.type !== 'stats') return;
  const requests = fake.requests.filter((r) => r.path === '/v1/chat/completions');
  post({ type: 'stats', requests: requests.length, maxInFlight: fake.maxInFlight, abandoned: requests.filter((r) => r.abandoned).length });
  // Asked between loads, when nothing is open: start counting afresh.
  fake.requests.length = 0;
  fake.maxInFlight = fake.inFlight;
});
post({ type: 'ready', url: await fake.start() });
