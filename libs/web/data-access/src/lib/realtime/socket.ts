import { inject, InjectionToken } from '@angular/core';
import type { ClientToServerEvents, ServerToClientEvents } from '@chat/contract';
import { Observable } from 'rxjs';
import { io, Socket } from 'socket.io-client';
import { CHAT_CONFIG } from '../config';

export type ChatClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type SocketFactory = (auth: { token: string }) => ChatClientSocket;

/**
 * Makes the socket for a session. Reconnection with exponential backoff and jitter is Socket.IO's
 * own (1 s doubling to 15 s, ±50 %); tests replace the factory with a fake socket.
 */
export const SOCKET_FACTORY = new InjectionToken<SocketFactory>('SOCKET_FACTORY', {
  providedIn: 'root',
  factory: () => {
    const { socketUrl } = inject(CHAT_CONFIG);
    return ({ token }) => {
      const options = {
        auth: { token },
        reconnection: true,
        reconnectionDelay: 1_000,
        reconnectionDelayMax: 15_000,
        randomizationFactor: 0.5,
      };
      return socketUrl ? io(socketUrl, options) : io(options);
    };
  },
});

type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** One server event as a stream; unsubscribing removes the listener. */
export function fromServerEvent<E extends keyof ServerToClientEvents>(socket: ChatClientSocket, event: E): Observable<Payload<E>> {
  return new Observable<Payload<E>>((subscriber) => {
    const listener = ((payload: Payload<E>) => subscriber.next(payload)) as ServerToClientEvents[E];
    // Socket.IO's listener types do not resolve for a generic event name; the map above fixes them.
    const target = socket as unknown as { on(e: E, l: ServerToClientEvents[E]): void; off(e: E, l: ServerToClientEvents[E]): void };
    target.on(event, listener);
    return () => target.off(event, listener);
  });
}

/** Connection-level events of the socket itself. */
export interface SocketLifecycleEvents {
  connect: () => void;
  disconnect: (reason: string) => void;
  connect_error: (error: Error & { data?: unknown }) => void;
}

export function fromSocketLifecycle<E extends keyof SocketLifecycleEvents>(
  socket: ChatClientSocket,
  event: E,
): Observable<Parameters<SocketLifecycleEvents[E]>[0]> {
  return new Observable((subscriber) => {
    const listener = ((value: Parameters<SocketLifecycleEvents[E]>[0]) => subscriber.next(value)) as SocketLifecycleEvents[E];
    const target = socket as unknown as { on(e: E, l: SocketLifecycleEvents[E]): void; off(e: E, l: SocketLifecycleEvents[E]): void };
    target.on(event, listener);
    return () => target.off(event, listener);
  });
}
