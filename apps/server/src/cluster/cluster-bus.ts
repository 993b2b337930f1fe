import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { DomainEnvelope, DomainEvents } from '../common/domain-events.js';
import { InstanceRegistry } from './instance-registry.js';
import { REDIS, RedisClients } from './redis-clients.js';

interface Wire {
  from: string;
  event: DomainEnvelope;
}

/**
 * Carries every domain event to the other instances over one Redis pub/sub channel, and theirs to
 * this one; each instance then delivers to its own sockets. One publishing connection keeps an
 * instance's events in order. While Redis is down events are not carried (publishes fail at once);
 * the delivery path fills the resulting seq gaps from PostgreSQL when the connection is back.
 */
@Injectable()
export class ClusterBus implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ClusterBus.name);
  private readonly subscription = new Subscription();
  private dropped = 0;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClients | null,
    private readonly events: DomainEvents,
    private readonly registry: InstanceRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    const channel = redis.key('domain-events');
    redis.bus.on('message', (from: string, text: string) => {
      if (from !== channel) return;
      try {
        const wire = JSON.parse(text) as Wire;
        if (wire.from !== this.registry.id) this.events.receive(wire.event);
      } catch (error) {
        this.logger.warn(`Unreadable event on ${channel}: ${String(error)}`);
      }
    });
    // Queued until connected when Redis is not up yet; renewed after every reconnect.
    void redis.bus.subscribe(channel).catch((error: unknown) => this.logger.warn(`Subscribing to ${channel} failed: ${String(error)}`));
    this.subscription.add(
      this.events.emitted().subscribe((event) => {
        const wire: Wire = { from: this.registry.id, event };
        redis.command.publish(channel, JSON.stringify(wire)).catch(() => {
          if (this.dropped++ === 0) this.logger.warn('Redis unreachable: events are not reaching the other instances (they catch up from the database)');
        });
      }),
    );
    this.subscription.add(redis.reconnected$.subscribe(() => (this.dropped = 0)));
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }
}
