/**
 * The upload bench's probes, on their own thread so they keep their own time while the server's
 * thread is busy: `/health/live` one request after another, and a chat message every few ms from
 * one socket to another in a room, timed from send to delivery.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { connect, join } from './sockets.js';

export interface ProbeStart {
  type: 'start';
  url: string;
  roomId: string;
  senderToken: string;
  receiverToken: string;
  healthEveryMs: number;
  messageEveryMs: number;
}

export interface ProbeResult {
  type: 'result';
  healthMs: number[];
  healthFailures: number;
  deliveryMs: number[];
  undelivered: number;
}

type ToProbe = ProbeStart | { type: 'stop' };
export type FromProbe = ProbeResult | { type: 'ready' } | { type: 'error'; message: string };

const port = parentPort!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let running = false;
let sockets: Socket[] = [];
let finish: (() => void) | null = null;

async function probe(start: ProbeStart): Promise<ProbeResult> {
  const [sender, receiver] = await Promise.all([connect(start.url, start.senderToken), connect(start.url, start.receiverToken)]);
  sockets = [sender, receiver];
  await Promise.all([join(sender, 'full', start.roomId), join(receiver, 'full', start.roomId)]);
  const sentAt = new Map<string, number>();
  const deliveryMs: number[] = [];
  receiver.on('new_message', (message: { clientMessageId?: string | null }) => {
    const at = message.clientMessageId ? sentAt.get(message.clientMessageId) : undefined;
    if (at === undefined) return;
    deliveryMs.push(performance.now() - at);
    sentAt.delete(message.clientMessageId!);
  });
  const healthMs: number[] = [];
  let healthFailures = 0;
  running = true;
  port.postMessage({ type: 'ready' } satisfies FromProbe);
  const health = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const response = await fetch(`${start.url}/health/live`, { signal: AbortSignal.timeout(30_000) });
        await response.arrayBuffer();
        if (response.status === 200) healthMs.push(performance.now() - t0);
        else healthFailures++;
      } catch {
        healthFailures++;
      }
      await sleep(start.healthEveryMs);
    }
  })();
  const chat = (async () => {
    for (let n = 0; running; n++) {
      const clientMessageId = `probe-${process.pid}-${Date.now()}-${n}`;
      sentAt.set(clientMessageId, performance.now());
      sender.emit('send_message', { roomId: start.roomId, content: `probe ${n}`, clientMessageId }, () => undefined);
      await sleep(start.messageEveryMs);
    }
  })();
  await new Promise<void>((resolve) => (finish = resolve));
  running = false;
  await Promise.all([health, chat]);
  // The last messages get a moment to arrive; what has not by then counts as undelivered.
  for (let waited = 0; sentAt.size > 0 && waited < 2000; waited += 50) await sleep(50);
  for (const socket of sockets) socket.close();
  return { type: 'result', healthMs, healthFailures, deliveryMs, undelivered: sentAt.size };
}

port.on('message', (message: ToProbe) => {
  if (message.type === 'stop') return finish?.();
  probe(message).then(
    (result) => port.postMessage(result),
    (error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies FromProbe),
  );
});
