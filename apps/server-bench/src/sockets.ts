/** Socket.IO client helpers shared by the load worker's chat and assistant loads. */
import { io, type Socket } from 'socket.io-client';

export interface AckAnswer {
  ok: boolean;
  error?: { code?: string; message?: string };
}

/** A real socket.io-client socket, websocket transport only, no reconnection. */
export function connect(url: string, token: string | null): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...(token ? { auth: { token } } : {}) });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(new Error(`connect failed: ${error.message}`));
    });
  });
}

/** `bare` speaks the seed's protocol (bare room id, no ack); `full` the app's. */
export function join(socket: Socket, kind: 'bare' | 'full', roomId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no joined_room for ${roomId} within 15 s`)), 15_000);
    socket.once('joined_room', () => {
      clearTimeout(timer);
      resolve();
    });
    if (kind === 'bare') {
      // The seed's client sends the bare room id and has no ack.
      socket.emit('join_room', roomId);
    } else {
      socket.emit('join_room', { roomId }, (answer: AckAnswer) => {
        if (answer.ok) return;
        clearTimeout(timer);
        reject(new Error(`join_room refused: ${JSON.stringify(answer.error)}`));
      });
    }
  });
}

export async function inBatches<T, R>(items: T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  return out;
}
