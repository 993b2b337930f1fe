import { Injectable } from '@nestjs/common';
import { Observable, Subject, filter, map } from 'rxjs';
import type { ChatMessage, ErrorPayload, MessageUpdatedPayload, ReadUpdatedPayload } from '@chat/contract';

/**
 * What services announce. Services never touch sockets: the realtime layer subscribes and turns
 * these into emits. With Redis, every event is also carried to the other instances (ClusterBus),
 * so each instance delivers to its own sockets.
 */
export interface DomainEventMap {
  /** `askAi`: the sender asked the assistant (the seed's `useAi`). */
  'message.created': { message: ChatMessage; originSocketId?: string; askAi?: boolean };
  /** A resend of a message already stored (same clientMessageId): only the sender hears of it again. */
  'message.resent': { message: ChatMessage; originSocketId?: string };
  /** An edit, delete, reaction or thread reply changed a stored message: its whole state after the change. */
  'message.updated': MessageUpdatedPayload;
  /** A stored message @-mentions these room members. */
  'message.mentioned': { message: ChatMessage; userIds: string[] };
  /** A user's read position in a room moved: their other sockets hear of it. */
  'read.updated': { userId: string; originSocketId?: string; read: ReadUpdatedPayload };
  'user.revoked': { userId: string; reason: string };
  'room.member_removed': { roomId: string; userId: string };
  'ai.delta': { messageId: string; roomId: string; index: number; delta: string };
  /** The reply's final state (complete, cancelled or error), stored. */
  'ai.ended': { message: ChatMessage };
  /** The asker is told why the assistant did not (fully) answer. */
  'ai.failed': { userId: string; originSocketId?: string; error: ErrorPayload };
}
export type DomainEventName = keyof DomainEventMap;

export interface DomainEnvelope<K extends DomainEventName = DomainEventName> {
  name: K;
  payload: DomainEventMap[K];
}

interface Received<K extends DomainEventName = DomainEventName> extends DomainEnvelope<K> {
  /** Emitted by another instance. */
  remote: boolean;
}

@Injectable()
export class DomainEvents {
  private readonly events$ = new Subject<Received>();

  emit<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): void {
    this.events$.next({ name, payload, remote: false } as Received);
  }

  /** An event another instance emitted. */
  receive(envelope: DomainEnvelope): void {
    this.events$.next({ ...envelope, remote: true });
  }

  /** Events from every instance: what the realtime layer delivers to its sockets. */
  on<K extends DomainEventName>(name: K): Observable<DomainEventMap[K]> {
    return this.select(name, () => true);
  }

  /** Events emitted on this instance only: work that must happen once (answering a question). */
  onLocal<K extends DomainEventName>(name: K): Observable<DomainEventMap[K]> {
    return this.select(name, (event) => !event.remote);
  }

  /** This instance's own events, for carrying them to the others. */
  emitted(): Observable<DomainEnvelope> {
    return this.events$.pipe(
      filter((event) => !event.remote),
      map(({ name, payload }) => ({ name, payload }) as DomainEnvelope),
    );
  }

  private select<K extends DomainEventName>(name: K, keep: (event: Received) => boolean): Observable<DomainEventMap[K]> {
    return this.events$.pipe(
      filter((event): event is Received<K> => event.name === name && keep(event)),
      map((event) => event.payload),
    );
  }
}
