import { Injectable } from '@nestjs/common';
import { Observable, Subject, filter, map } from 'rxjs';
import type { ChatMessage, ErrorPayload } from '@chat/contract';

/**
 * What services announce. Services never touch sockets: the realtime layer subscribes and turns
 * these into emits, and a later multi-instance setup can carry them between processes.
 */
export interface DomainEventMap {
  /** `askAi`: the sender asked the assistant (the seed's `useAi`). */
  'message.created': { message: ChatMessage; originSocketId?: string; askAi?: boolean };
  /** A resend of a message already stored (same clientMessageId): only the sender hears of it again. */
  'message.resent': { message: ChatMessage; originSocketId?: string };
  'user.revoked': { userId: string; reason: string };
  'room.member_removed': { roomId: string; userId: string };
  'ai.delta': { messageId: string; roomId: string; index: number; delta: string };
  /** The reply's final state (complete, cancelled or error), stored. */
  'ai.ended': { message: ChatMessage };
  /** The asker is told why the assistant did not (fully) answer. */
  'ai.failed': { userId: string; originSocketId?: string; error: ErrorPayload };
}
export type DomainEventName = keyof DomainEventMap;

interface Envelope<K extends DomainEventName = DomainEventName> {
  name: K;
  payload: DomainEventMap[K];
}

@Injectable()
export class DomainEvents {
  private readonly events$ = new Subject<Envelope>();

  emit<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): void {
    this.events$.next({ name, payload } as Envelope);
  }

  on<K extends DomainEventName>(name: K): Observable<DomainEventMap[K]> {
    return this.events$.pipe(
      filter((event): event is Envelope<K> => event.name === name),
      map((event) => event.payload),
    );
  }
}
