import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AdminModule } from '../admin/admin.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { JwtAuthGuard, RolesGuard } from '../auth/auth.guards.js';
import { DomainEvents } from '../common/domain-events.js';
import { HttpExceptionFilter } from '../common/http-exception.filter.js';
import { AppThrottlerGuard, throttlerOptions } from '../common/rate-limit.js';
import type { AppConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { REDIS, RedisClients } from '../cluster/redis-clients.js';
import { DatabaseModule } from '../database/database.module.js';
import { HealthModule } from '../health/health.module.js';
import { KnowledgeModule } from '../knowledge/knowledge.module.js';
import { LlmModule } from '../llm/llm.module.js';
import { loggerParams } from '../logging/logging.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { LoggerModule } from 'nestjs-pino';
import { MessagesModule } from '../messages/messages.module.js';
import { SearchModule } from '../search/search.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { UsersModule } from '../users/users.module.js';

@Module({
  providers: [DomainEvents],
  exports: [DomainEvents],
})
class DomainEventsModule {}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config)),
        { module: DomainEventsModule, global: true },
        DatabaseModule,
        MetricsModule,
        AuditModule,
        QuotasModule,
        ClusterModule,
        ThrottlerModule.forRootAsync({ inject: [REDIS], useFactory: (redis: RedisClients | null) => throttlerOptions(config, redis) }),
        PresenceModule,
        AuthModule,
        UsersModule,
        RoomsModule,
        MessagesModule,
        SearchModule,
        KnowledgeModule,
        LlmModule,
        RealtimeModule,
        HealthModule,
        AdminModule,
      ],
      providers: [
        // Order matters: who you are, then how often, then what your role allows.
        { provide: APP_GUARD, useExisting: JwtAuthGuard },
        { provide: APP_GUARD, useClass: AppThrottlerGuard },
        { provide: APP_GUARD, useExisting: RolesGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
    };
  }
}
