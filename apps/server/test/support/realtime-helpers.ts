import type { ChatMessage, ClientToServerEvents, CreateRoomRequest, ErrorPayload, HandshakeErrorData, MessagesPage, RoomView } from '@chat/contract';
import { HISTORY_PAGE_MAX } from '@chat/contract';
import { ChatClient, emitWithAck, nextEvent, TestApp } from './test-app.js';

/** What `connect_error` carries for a refused handshake. */
export type ConnectError = Error & { data?: HandshakeErrorData };

/** A UTC ISO 8601 timestamp as `Date#toISOString` writes it. */
export { ISO_8601, UUID } from './patterns.js';

/** Emits outside the contract's types: for payloads the contract forbids, or with extra arguments. */
export function emitRaw(socket: ChatClient, event: string, ...args: unknown[]): void {
  (socket.emit as (event: string, ...rest: unknown[]) => void)(event, ...args);
}

/** Resolves with the disconnect reason. */
export function disconnectedFrom(socket: ChatClient, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (socket.disconnected && !socket.active) return resolve('already disconnected');
    const timer = setTimeout(() => reject(new Error(`no disconnect within ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** The `connect_error` of a handshake that must be refused; fails the test when it is accepted. */
export async function refusedHandshake(
  t: TestApp,
  token: string,
  options?: { auth?: Record<string, unknown>; extraHeaders?: Record<string, string> },
): Promise<ConnectError> {
  const outcome = await t.connect(token, options).then(
    (socket) => {
      socket.disconnect();
      return null;
    },
    (error: ConnectError) => error,
  );
  if (!outcome) throw new Error('the handshake was accepted');
  return outcome;
}

export async function createRoom(t: TestApp, token: string, body: CreateRoomRequest): Promise<RoomView> {
  const { status, body: room } = await t.http<RoomView>('POST', '/api/rooms', { token, body });
  if (status !== 201) throw new Error(`create room failed: ${status} ${JSON.stringify(room)}`);
  return room;
}

/** Every stored message of a room, ascending, read through the REST history. */
export async function storedMessages(t: TestApp, roomId: string, token = t.adminToken): Promise<ChatMessage[]> {
  const all: ChatMessage[] = [];
  for (let after = 0; ; ) {
    const { status, body } = await t.http<MessagesPage>('GET', `/api/rooms/${roomId}/messages?after=${after}&limit=${HISTORY_PAGE_MAX}`, { token });
    if (status !== 200) throw new Error(`history failed: ${status} ${JSON.stringify(body)}`);
    all.push(...body.messages);
    if (!body.hasMore || body.messages.length === 0) return all;
    after = body.messages[body.messages.length - 1].seq;
  }
}

/**
 * Sends a marker message and waits until each receiver has it. Socket.IO keeps a socket's packets in
 * order, so anything the server emitted to those sockets before the marker has arrived by then:
 * "nothing else came" can be asserted without sleeping.
 */
export async function flush(sender: ChatClient, roomId: string, receivers: ChatClient[]): Promise<ChatMessage> {
  const content = `flush-${Math.random().toString(36).slice(2)}`;
  const arrivals = receivers.map((receiver) => nextEvent(receiver, receiver === sender ? 'message_sent' : 'new_message', (m) => m.content === content));
  const ack = await emitWithAck(sender, 'send_message', { roomId, content });
  if (!ack.ok) throw new Error(`flush failed: ${JSON.stringify(ack)}`);
  await Promise.all(arrivals);
  return (ack as unknown as { message: ChatMessage }).message;
}

/** Emits with an ack and returns both the `error` event and the ack of a refused event. */
export async function refusal(socket: ChatClient, event: keyof ClientToServerEvents, payload: unknown): Promise<{ error: ErrorPayload; ack: unknown }> {
  const error = nextEvent(socket, 'error');
  const ack = await emitWithAck(socket, event, payload);
  return { error: await error, ack };
}

/** Everything received by a socket, in arrival order, as [event, payload]. */
export function eventLog(socket: ChatClient): { items: [string, unknown][] } {
  const log = { items: [] as [string, unknown][] };
  socket.onAny((event: string, payload: unknown) => log.items.push([event, payload]));
  socket.on('disconnect', (reason) => log.items.push(['disconnect', reason]));
  return log;
}
