import { BeforeApplicationShutdown, Module } from '@nestjs/common';
import { LlmModule } from '../llm/llm.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { MessagesService } from '../messages/messages.service.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { ChatGateway } from './chat.gateway.js';
import { ConnectionQuota, MemoryConnectionQuota, SharedConnectionQuota } from './connection-quota.js';
import { HandshakeAuth } from './handshake-auth.js';
import { RealtimeNotifier } from './realtime-notifier.js';
import { RealtimeSessions } from './realtime-sessions.js';
import { RoomDelivery } from './room-delivery.js';
import { SharedTypingTracker, TypingTracker } from './typing-tracker.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { InstanceRegistry } from '../cluster/instance-registry.js';
import { REDIS, RedisClients } from '../cluster/redis-clients.js';

@Module({
  imports: [RoomsModule, MessagesModule, LlmModule],
  providers: [
    {
      provide: ConnectionQuota,
      inject: [REDIS, InstanceRegistry],
      useFactory: (redis: RedisClients | null, registry: InstanceRegistry): ConnectionQuota =>
        redis ? new SharedConnectionQuota(redis, registry) : new MemoryConnectionQuota(),
    },
    ChatGateway,
    HandshakeAuth,
    RealtimeSessions,
    RealtimeNotifier,
    RoomDelivery,
    {
      provide: TypingTracker,
      inject: [APP_CONFIG, REDIS, InstanceRegistry],
      useFactory: (config: AppConfig, redis: RedisClients | null, registry: InstanceRegistry): TypingTracker =>
        redis ? new SharedTypingTracker(config, redis, registry.id) : new TypingTracker(config),
    },
  ],
  exports: [RealtimeSessions],
})
export class RealtimeModule implements BeforeApplicationShutdown {
  constructor(
    private readonly sessions: RealtimeSessions,
    private readonly messages: MessagesService,
  ) {}

  /** Runs before the HTTP server and the database close: clients hear why, then writes in flight land. */
  async beforeApplicationShutdown(): Promise<void> {
    this.sessions.announceShutdown();
    await this.messages.whenIdle();
  }
}
