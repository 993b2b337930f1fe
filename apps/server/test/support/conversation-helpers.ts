import type { ChatMessage, MessageUpdatedPayload } from '@chat/contract';
import { MessageWriter } from '../../src/messages/message-writer.js';
import { ChatClient, emitWithAck, TestApp } from './test-app.js';

/** Sends over the socket and returns the stored message. */
export async function sent(socket: ChatClient, roomId: string, content: string, extra: Record<string, unknown> = {}): Promise<ChatMessage> {
  const ack = await emitWithAck(socket, 'send_message', { roomId, content, ...extra });
  if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack)}`);
  return (ack as unknown as { message: ChatMessage }).message;
}

/** A change's ack, failing the test when it was refused. */
export async function changed(
  socket: ChatClient,
  event: 'edit_message' | 'delete_message' | 'add_reaction' | 'remove_reaction',
  payload: unknown,
): Promise<MessageUpdatedPayload> {
  const ack = await emitWithAck(socket, event, payload);
  if (!ack.ok) throw new Error(`${event} failed: ${JSON.stringify(ack)}`);
  const { ok: _ok, ...update } = ack;
  return update as unknown as MessageUpdatedPayload;
}

/** A finished assistant reply, stored as the assistant would store it. */
export async function assistantReply(t: TestApp, roomId: string, content: string, extra: { threadId?: string } = {}): Promise<ChatMessage> {
  const { message } = await t.app.get(MessageWriter).write({
    roomId,
    userId: null,
    username: 'assistant',
    displayName: 'AI Assistant',
    content,
    isAi: true,
    status: 'complete',
    ...extra,
  });
  return message;
}

/** One connected socket per token, each joined to the room. */
export async function joinedSockets(t: TestApp, roomId: string, ...tokens: string[]): Promise<ChatClient[]> {
  const sockets: ChatClient[] = [];
  for (const token of tokens) {
    const socket = await t.connect(token);
    const ack = await emitWithAck(socket, 'join_room', roomId);
    if (!ack.ok) throw new Error(`join failed: ${JSON.stringify(ack)}`);
    sockets.push(socket);
  }
  return sockets;
}
