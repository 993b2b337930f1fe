import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription, delay, filter } from 'rxjs';
import { REDIS, RedisClients } from '../cluster/redis-clients.js';
import { DomainEvents } from '../common/domain-events.js';
import { RealtimeSessions } from './realtime-sessions.js';
import { RoomDelivery } from './room-delivery.js';

const RESYNC_DELAY_MS = 250;

/** The one place domain events become socket emits. */
@Injectable()
export class RealtimeNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly subscriptions = new Subscription();

  constructor(
    private readonly events: DomainEvents,
    private readonly delivery: RoomDelivery,
    private readonly sessions: RealtimeSessions,
    @Inject(REDIS) private readonly redis: RedisClients | null,
  ) {}

  onModuleInit(): void {
    this.subscriptions.add(this.events.on('message.created').subscribe((event) => this.delivery.deliver(event)));
    this.subscriptions.add(
      this.events.on('message.resent').subscribe((event) => this.delivery.sendToOrigin(event)),
    );
    this.subscriptions.add(this.events.on('message.updated').subscribe((update) => this.delivery.messageUpdated(update)));
    this.subscriptions.add(this.events.on('message.mentioned').subscribe((mention) => this.sessions.tellMentioned(mention.message, mention.userIds)));
    this.subscriptions.add(this.events.on('read.updated').subscribe((event) => this.sessions.tellReadPosition(event.userId, event.originSocketId, event.read)));
    this.subscriptions.add(this.events.on('user.revoked').subscribe(({ userId, reason }) => this.sessions.revoke(userId, reason)));
    this.subscriptions.add(
      this.events.on('room.member_removed').subscribe(({ roomId, userId }) => void this.sessions.evict(userId, roomId)),
    );
    this.subscriptions.add(this.events.on('ai.delta').subscribe((delta) => this.delivery.streamDelta(delta)));
    this.subscriptions.add(this.events.on('ai.ended').subscribe(({ message }) => this.delivery.streamEnded(message)));
    this.subscriptions.add(
      // Only where the question was handled (the asker's socket is there); tellUser reaches their other sockets itself.
      this.events.onLocal('ai.failed').subscribe(({ userId, originSocketId, error }) => this.sessions.tellUser(userId, originSocketId, error)),
    );
    // Events published while the bus was down never arrive: read what was stored meanwhile. The short
    // delay lets the subscriber re-subscribe first, so nothing falls between the read and the live stream.
    if (this.redis) {
      this.subscriptions.add(
        this.redis.reconnected$
          .pipe(
            filter((role) => role === 'bus'),
            delay(RESYNC_DELAY_MS),
          )
          .subscribe(() => void this.delivery.resync()),
      );
    }
  }

  onModuleDestroy(): void {
    this.subscriptions.unsubscribe();
  }
}
