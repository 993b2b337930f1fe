import type { ClientToServerEvents, ServerToClientEvents } from '@chat/contract';
import type { ChatClientSocket } from '../lib/realtime/socket';

type Listener = (...args: never[]) => void;

export interface EmittedEvent {
  event: keyof ClientToServerEvents;
  payload: unknown;
  ack?: (response: unknown) => void;
}

/**
 * Enough of a Socket.IO client socket for the realtime service: on/off/emit plus connect and
 * disconnect, driven by the test as if it were the server.
 */
export class FakeSocket {
  connected = false;
  active = true;
  readonly emitted: EmittedEvent[] = [];
  private readonly listeners = new Map<string, Set<Listener>>();

  on(event: string, listener: Listener): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  emit(event: keyof ClientToServerEvents, payload: unknown, ack?: (response: unknown) => void): this {
    this.emitted.push({ event, payload, ack });
    return this;
  }

  connect(): this {
    return this;
  }

  disconnect(): this {
    this.active = false;
    if (this.connected) this.drop('io client disconnect');
    return this;
  }

  asSocket(): ChatClientSocket {
    return this as unknown as ChatClientSocket;
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  // --- the server's side ---

  open(): void {
    this.connected = true;
    this.active = true;
    this.fire('connect');
  }

  drop(reason = 'transport close'): void {
    this.connected = false;
    this.fire('disconnect', reason);
  }

  refuse(error: Error & { data?: unknown }): void {
    this.connected = false;
    this.fire('connect_error', error);
  }

  serverEmit<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.fire(event, ...args);
  }

  /** Emitted events of one name, oldest first. */
  sent(event: keyof ClientToServerEvents): EmittedEvent[] {
    return this.emitted.filter((e) => e.event === event);
  }

  clearEmitted(): void {
    this.emitted.length = 0;
  }

  private fire(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) (listener as (...a: unknown[]) => void)(...args);
  }
}
