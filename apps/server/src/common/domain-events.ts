import { Injectable } from '@nestjs/common';
import { Observable, Subject, filter, map } from 'rxjs';
import type { ChatMessage } from '@chat/contract';

/**
 * What services announce. Services never touch sockets: the realtime layer subscribes and turns
 * these into emits, and a later multi-instance setup can carry them between processes.
 */
export interface DomainEventMap {
  'message.created': { message: ChatMessage; originSocketId?: string };
  /** A resend of a message already stored (same clientMessageId): only the sender hears of it again. */
  'message.resent': { message: ChatMessage; originSocketId?: string };
  'user.revoked': { userId: string; reason: string };
  'room.member_removed': { roomId: string; userId: string };
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
