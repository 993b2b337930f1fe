import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createParser } from 'eventsource-parser';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';

/** What went wrong, in the terms toLlmFailure maps: an HTTP status with its headers, or no connection at all. */
export class UpstreamHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamHttpError';
  }
}

export class UpstreamConnectionError extends Error {
  constructor(cause: unknown) {
    super('Connection error', { cause });
    this.name = 'UpstreamConnectionError';
  }
}

/** The body broke off, or the stream carried an error event, after the response began. */
export class UpstreamStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamStreamError';
  }
}

function headersOf(response: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

async function readAll(response: IncomingMessage): Promise<string> {
  let text = '';
  response.setEncoding('utf8');
  for await (const piece of response) text += piece as string;
  return text;
}

/**
 * POST {baseUrl}/chat/completions with `stream: true`, yielding each parsed chunk. Why not the openai
 * package's own stream: 100 concurrent 40-token replies from the bench's fake upstream cost the
 * reading thread 68-83 us of CPU per token through the package (fetch, web streams, its line
 * decoder) and 36-37 us through a node:http response fed to eventsource-parser (a small, well-kept
 * SSE parser), on the event loop that also serves every socket. The package still does everything
 * else (configuration, types, embeddings).
 */
export async function* streamChatCompletion(
  baseUrl: string,
  apiKey: string,
  body: ChatCompletionCreateParamsStreaming,
  signal: AbortSignal,
): AsyncGenerator<ChatCompletionChunk> {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/chat/completions`);
  const payload = JSON.stringify(body);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        signal,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${apiKey}`,
          'content-length': Buffer.byteLength(payload),
        },
      },
      resolve,
    );
    req.on('error', (error) => reject(signal.aborted ? signal.reason : new UpstreamConnectionError(error)));
    req.end(payload);
  });
  if (response.statusCode === undefined || response.statusCode >= 400) {
    const text = await readAll(response).catch(() => '');
    throw new UpstreamHttpError(response.statusCode ?? 0, headersOf(response), `HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
  }

  const parsed: ChatCompletionChunk[] = [];
  let failed: UpstreamStreamError | undefined;
  let done = false;
  const parser = createParser({
    onEvent: (event) => {
      if (done || failed) return;
      if (event.data === '[DONE]') {
        done = true;
        return;
      }
      let data: ChatCompletionChunk & { error?: { message?: string } };
      try {
        data = JSON.parse(event.data) as typeof data;
      } catch {
        failed = new UpstreamStreamError('The model provider sent a malformed chunk');
        return;
      }
      if (event.event === 'error' || data.error) failed = new UpstreamStreamError(data.error?.message ?? 'The model provider sent an error event');
      else parsed.push(data);
    },
  });
  response.setEncoding('utf8');
  try {
    for await (const piece of response) {
      parser.feed(piece as string);
      for (const chunk of parsed) yield chunk;
      parsed.length = 0;
      if (failed) throw failed;
      if (done) return;
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw error instanceof UpstreamStreamError ? error : new UpstreamStreamError('The model provider broke off the reply');
  } finally {
    // Stopped early (a cancel, a timeout, [DONE] before the end): the connection is not reused half-read.
    if (!response.complete) response.destroy();
  }
  // The body ended without [DONE]: taken as the end, as the openai package does.
}
