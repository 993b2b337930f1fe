import { DataSource } from 'typeorm';
import type {
  AiStreamDeltaPayload,
  AiStreamStartPayload,
  ChatMessage,
  CreateRoomRequest,
  ErrorPayload,
  MessagesPage,
  RoomView,
  ServerToClientEvents,
} from '@chat/contract';
import type { FakeOpenAiServer, RecordedRequest } from '@chat/server-testing';
import { ChatClient, emitWithAck, eventually, nextEvent, TestApp } from './test-app.js';

/** Waits long enough for any reply to end: the longest fault path in these specs is a few seconds of backoff. */
export const REPLY_WAIT_MS = 8000;

/** Sends a message and returns the stored question from the ack. */
export async function send(socket: ChatClient, roomId: string, content: string, useAi = false): Promise<ChatMessage> {
  const ack = await emitWithAck(socket, 'send_message', { roomId, content, ...(useAi ? { useAi: true } : {}) });
  if (!ack.ok) throw new Error(`send_message failed: ${JSON.stringify(ack)}`);
  return (ack as unknown as { message: ChatMessage }).message;
}

/** Everything one socket hears about assistant replies (and every message), in arrival order. */
export interface ReplyLog {
  items: [string, unknown][];
  starts(): AiStreamStartPayload[];
  deltas(messageId: string): AiStreamDeltaPayload[];
  /** The text the deltas of a reply add up to. */
  text(messageId: string): string;
  ends(): ChatMessage[];
  errors(): ErrorPayload[];
  /** Event names about one reply (start, deltas, end, its new_message), in order, with deltas collapsed to one entry. */
  timeline(messageId: string): string[];
}

export function replyLog(socket: ChatClient): ReplyLog {
  const items: [string, unknown][] = [];
  socket.onAny((event: string, payload: unknown) => items.push([event, payload]));
  const of = <T>(event: string) => items.filter(([name]) => name === event).map(([, payload]) => payload as T);
  const log: ReplyLog = {
    items,
    starts: () => of<AiStreamStartPayload>('ai_stream_start'),
    deltas: (messageId) => of<AiStreamDeltaPayload>('ai_stream_delta').filter((d) => d.messageId === messageId),
    text: (messageId) =>
      log
        .deltas(messageId)
        .map((d) => d.delta)
        .join(''),
    ends: () => of<{ message: ChatMessage }>('ai_stream_end').map((p) => p.message),
    errors: () => of<ErrorPayload>('error'),
    timeline: (messageId) => {
      const names: string[] = [];
      for (const [event, payload] of items) {
        const id =
          event === 'ai_stream_end'
            ? (payload as { message: ChatMessage }).message.id
            : event === 'new_message' || event === 'message_sent'
              ? (payload as ChatMessage).id
              : (payload as { messageId?: string } | undefined)?.messageId;
        if (id !== messageId) continue;
        if (event === 'ai_stream_delta' && names.at(-1) === 'ai_stream_delta') continue;
        names.push(event);
      }
      return names;
    },
  };
  return log;
}

/** The `ai_stream_start` of the reply to `question`. */
export function replyStarted(socket: ChatClient, question: { id: string } | (() => string), timeoutMs = REPLY_WAIT_MS): Promise<AiStreamStartPayload> {
  const id = () => (typeof question === 'function' ? question() : question.id);
  return nextEvent(socket, 'ai_stream_start', (start) => start.replyTo === id(), timeoutMs);
}

/** The final message of reply `messageId`, from `ai_stream_end`. */
export async function replyEnded(socket: ChatClient, messageId: string | (() => string), timeoutMs = REPLY_WAIT_MS): Promise<ChatMessage> {
  const id = () => (typeof messageId === 'function' ? messageId() : messageId);
  return (await nextEvent(socket, 'ai_stream_end', (end) => end.message.id === id(), timeoutMs)).message;
}

/** Resolves with the first item of `items` (a growing list) that matches, polling. */
export async function found<T>(items: T[] | (() => T[]), matches: (item: T) => boolean, timeoutMs = REPLY_WAIT_MS): Promise<T> {
  const list = () => (typeof items === 'function' ? items() : items);
  await eventually(() => list().some(matches), timeoutMs);
  return list().find(matches)!;
}

/**
 * Asks the assistant and waits for the whole reply. Events are buffered from before the send, so
 * nothing is missed however fast the reply is.
 */
export async function askAndWait(
  socket: ChatClient,
  roomId: string,
  content: string,
  useAi = true,
): Promise<{ question: ChatMessage; start: AiStreamStartPayload; reply: ChatMessage }> {
  const starts = collect(socket, 'ai_stream_start');
  const ends = collect(socket, 'ai_stream_end');
  try {
    const question = await send(socket, roomId, content, useAi);
    const start = await found(starts.items, (s) => s.replyTo === question.id);
    const { message: reply } = await found(ends.items, (e) => e.message.id === start.messageId);
    return { question, start, reply };
  } finally {
    starts.stop();
    ends.stop();
  }
}

/** Like test-app's `collect`, with a way to stop listening. */
export function collect<E extends 'ai_stream_start' | 'ai_stream_delta' | 'ai_stream_end' | 'new_message' | 'message_sent' | 'error'>(
  socket: ChatClient,
  event: E,
): { items: Parameters<ServerToClientEvents[E]>[0][]; stop(): void } {
  const items: Parameters<ServerToClientEvents[E]>[0][] = [];
  const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => items.push(payload);
  socket.on(event, listener as never);
  return { items, stop: () => socket.off(event, listener as never) };
}

export async function createRoom(t: TestApp, token: string, body: CreateRoomRequest): Promise<RoomView> {
  const { status, body: room } = await t.http<RoomView>('POST', '/api/rooms', { token, body });
  if (status !== 201) throw new Error(`create room failed: ${status} ${JSON.stringify(room)}`);
  return room;
}

export async function joinRoom(socket: ChatClient, roomId: string): Promise<void> {
  const ack = await emitWithAck(socket, 'join_room', roomId);
  if (!ack.ok) throw new Error(`join_room failed: ${JSON.stringify(ack)}`);
}

/** A room's stored messages, ascending, through the REST history. */
export async function history(t: TestApp, roomId: string): Promise<ChatMessage[]> {
  const { status, body } = await t.http<MessagesPage>('GET', `/api/rooms/${roomId}/messages?after=0&limit=200`, { token: t.adminToken });
  if (status !== 200) throw new Error(`history failed: ${status} ${JSON.stringify(body)}`);
  return body.messages;
}

export interface StoredRow {
  id: string;
  seq: number;
  content: string;
  status: string;
  is_ai: boolean;
  metadata: Record<string, unknown>;
}

/** One stored message straight from the database. */
export async function storedRow(t: TestApp, id: string): Promise<StoredRow> {
  const rows: StoredRow[] = await t.app
    .get(DataSource)
    .query(`SELECT id, seq::int AS seq, content, status, is_ai, metadata FROM messages WHERE id = $1`, [id]);
  if (!rows[0]) throw new Error(`message ${id} is not stored`);
  return rows[0];
}

/** Assistant replies stored in a room, by the question they answer. */
export async function aiRepliesTo(t: TestApp, questionId: string): Promise<StoredRow[]> {
  return t.app
    .get(DataSource)
    .query(`SELECT id, seq::int AS seq, content, status, is_ai, metadata FROM messages WHERE is_ai AND metadata->>'replyTo' = $1`, [questionId]);
}

/** Until the fake has received `count` requests in all. */
export async function upstreamReceived(fake: FakeOpenAiServer, count: number, timeoutMs = REPLY_WAIT_MS): Promise<RecordedRequest[]> {
  await eventually(() => fake.requests.length >= count, timeoutMs);
  return fake.requests;
}

/** Until the fake has seen request `index` end (answered, cut or abandoned by the client). */
export async function upstreamClosed(fake: FakeOpenAiServer, index: number): Promise<RecordedRequest> {
  await eventually(() => fake.requests[index]?.closedAt !== undefined, REPLY_WAIT_MS);
  return fake.requests[index];
}

/** The last turn a recorded request sent: the question. */
export function questionSent(request: RecordedRequest): string | undefined {
  return request.body.messages.at(-1)?.content;
}
