import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkedLookup, resolveAllowed } from './ssrf-guard.js';

export interface SendOutcome {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`; receivers recompute it and compare in constant time. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One POST, no redirects followed (a 3xx is a failure: following it would skip the address check).
 * node:http rather than fetch: fetch takes no per-request DNS lookup without a separately installed
 * undici Agent, while http.request's `lookup` lets the connection use exactly the address we checked.
 */
export async function postWebhook(target: { url: string; secret: string }, delivery: { id: string; type: string; body: string }, options: { timeoutMs: number; allowPrivate: boolean }): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(target.url);
  try {
    // IP literals never reach `lookup`: checked here.
    await resolveAllowed(url.hostname, options.allowPrivate);
  } catch (error) {
    return { statusCode: null, durationMs: elapsed(), error: (error as Error).message };
  }
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(delivery.body)),
    'user-agent': 'team-chat-webhooks/1',
    'x-chat-event': delivery.type,
    'x-chat-delivery': delivery.id,
    'x-chat-signature': signatureHeader(target.secret, delivery.body, Math.floor(Date.now() / 1000)),
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<SendOutcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, durationMs: elapsed() });
    };
    const req = send(url, { method: 'POST', headers, lookup: checkedLookup(options.allowPrivate) as never, agent: false }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        // The answer is not used; a receiver that streams without end is cut off.
        if (received > MAX_ANSWER_BYTES) res.destroy();
      });
      const statusCode = res.statusCode ?? null;
      const done = () => finish({ statusCode, error: statusCode !== null && statusCode >= 200 && statusCode < 300 ? null : `HTTP ${statusCode}` });
      res.once('end', done);
      res.once('close', done);
    });
    // The whole exchange, connect to last byte, within the timeout.
    const timer = setTimeout(() => {
      finish({ statusCode: null, error: `timed out after ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    req.once('error', (error) => finish({ statusCode: null, error: error.message }));
    req.end(delivery.body);
  });
}
