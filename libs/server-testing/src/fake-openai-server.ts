import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the fake does with one request. */
export type FakeReply =
  | {
      kind: 'stream';
      tokens: string[];
      /** Before the first token, and between tokens. */
      firstDelayMs?: number;
      delayMs?: number;
      /** Usage chunk at the end; null sends none. Default: counts of words. */
      usage?: { prompt_tokens: number; completion_tokens: number } | null;
      /** Send this many tokens, then stop sending anything and keep the connection open. */
      stallAfter?: number;
      /** Send this many tokens, then destroy the connection. */
      cutAfter?: number;
    }
  | { kind: 'status'; status: number; retryAfter?: string; message?: string; headers?: Record<string, string> }
  /** Accept the request and never answer. */
  | { kind: 'hang' };

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: {
    model: string;
    messages: { role: string; content: string }[];
    stream?: boolean;
    temperature?: number;
    max_tokens?: number;
    [key: string]: unknown;
  };
  receivedAt: number;
  /** When the response ended or its connection closed (undefined while it is open). */
  closedAt?: number;
  /** The client went away before the fake had finished answering (an abort upstream). */
  abandoned?: boolean;
}

/**
 * A real HTTP server speaking the OpenAI Chat Completions streaming protocol (SSE `data:` chunks,
 * a usage chunk, `[DONE]`), told per request how to behave. For tests and the benchmark.
 */
export class FakeOpenAiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly script: FakeReply[] = [];
  /** Responses the fake itself broke off (cutAfter), so they are not counted as abandoned by the client. */
  private readonly cut = new WeakSet<ServerResponse>();
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** Chat completion requests being answered now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** What every request gets once the script is used up. */
  defaultReply: FakeReply = { kind: 'stream', tokens: ['Hello', ' from', ' the', ' fake', ' model.'] };

  /** Length of the vectors `/v1/embeddings` returns. */
  embeddingDimensions = 256;
  /** The next this-many `/v1/embeddings` requests fail with 503. */
  failEmbeddings = 0;

  /** Back to a fresh fake (default reply, empty script and record), so one test does not leak into the next. */
  reset(): this {
    this.defaultReply = { kind: 'stream', tokens: ['Hello', ' from', ' the', ' fake', ' model.'] };
    this.script.length = 0;
    this.requests.length = 0;
    this.failEmbeddings = 0;
    return this;
  }

  /** Replies for the next requests, in order. */
  enqueue(...replies: FakeReply[]): this {
    this.script.push(...replies);
    return this;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: RecordedRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad json' } }));
      return;
    }
    const record: RecordedRequest = { path: req.url ?? '', headers: req.headers, body, receivedAt: performance.now() };
    this.requests.push(record);
    if (req.url === '/v1/embeddings') {
      this.embed(body, res);
      return;
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.once('close', () => {
      this.inFlight--;
      record.closedAt = performance.now();
      record.abandoned = !res.writableFinished && !this.cut.has(res);
    });
    if (req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const reply = this.script.shift() ?? this.defaultReply;
    if (reply.kind === 'hang') return;
    if (reply.kind === 'status') {
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        ...(reply.retryAfter ? { 'retry-after': reply.retryAfter } : {}),
        ...reply.headers,
      });
      res.end(JSON.stringify({ error: { message: reply.message ?? `fake status ${reply.status}`, type: 'fake' } }));
      return;
    }
    await this.stream(reply, body.model, res);
  }

  /** OpenAI's embeddings endpoint, answered with fakeEmbedding vectors. */
  private embed(body: RecordedRequest['body'], res: ServerResponse): void {
    if (this.failEmbeddings > 0) {
      this.failEmbeddings--;
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'fake embeddings outage', type: 'fake' } }));
      return;
    }
    const input = body['input'];
    const texts = (Array.isArray(input) ? input : [input]).map(String);
    const data = texts.map((text, index) => {
      const vector = fakeEmbedding(text, this.embeddingDimensions);
      // The openai package asks for base64 unless told otherwise.
      const embedding = body['encoding_format'] === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = texts.reduce((sum, text) => sum + text.split(/\s+/).filter(Boolean).length, 0);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }));
  }

  private async stream(reply: Extract<FakeReply, { kind: 'stream' }>, model: string, res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const id = `chatcmpl-fake-${Math.random().toString(36).slice(2)}`;
    const created = Math.floor(Date.now() / 1000);
    const send = (payload: object) => res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, ...payload })}\n\n`);
    // A wait ends early when the client goes away, so no timer outlives the test that started it.
    const wait = (ms: number | undefined) =>
      ms
        ? new Promise<void>((resolve) => {
            const onClose = () => (clearTimeout(timer), resolve());
            // Removed again after each wait: a listener per token would pile up on a long reply.
            const timer = setTimeout(() => (res.off('close', onClose), resolve()), ms);
            res.once('close', onClose);
          })
        : Promise.resolve();
    await wait(reply.firstDelayMs);
    if (res.destroyed) return;
    for (let i = 0; i < reply.tokens.length; i++) {
      // The pause comes before a stall or cut too: a client drops text still queued when the
      // connection breaks, so the tokens sent before a cut must have had time to arrive.
      if (i > 0) await wait(reply.delayMs);
      if (reply.stallAfter === i) return;
      if (reply.cutAfter === i) {
        this.cut.add(res);
        res.socket?.destroy();
        return;
      }
      if (res.destroyed) return;
      send({ choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: reply.tokens[i] } : { content: reply.tokens[i] }, finish_reason: null }] });
    }
    send({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    const usage = reply.usage === undefined ? { prompt_tokens: 10, completion_tokens: reply.tokens.length } : reply.usage;
    if (usage) send({ choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
    res.end('data: [DONE]\n\n');
  }
}

const FAKE_STOP_WORDS = new Set(['a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'can', 'do', 'for', 'from', 'how', 'i', 'in', 'is', 'it', 'my', 'of', 'on', 'or', 'the', 'to', 'we', 'what', 'when', 'who', 'with', 'you', 'your']);

/** A crude English stemmer, enough for "laptops"/"laptop" and "working"/"work" to meet. */
function fakeStem(word: string): string {
  for (const suffix of ['ing', 'ed', 'es', 's', 'ly']) {
    if (word.length > suffix.length + 2 && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  }
  return word;
}

/**
 * A deterministic stand-in for an embedding: a bag of stemmed words hashed (FNV-1a) into
 * `dimensions` signed buckets, L2-normalised. Texts sharing words are close; nothing else is.
 */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (FAKE_STOP_WORDS.has(word)) continue;
    let hash = 0x811c9dc5;
    for (const char of fakeStem(word)) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
    vector[hash % dimensions] += hash & 0x80000000 ? -1 : 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  return norm === 0 ? vector : vector.map((v) => v / norm);
}
