import { Global, Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { ClusterBus } from './cluster-bus.js';
import { InstanceRegistry } from './instance-registry.js';
import { REDIS, RedisClients } from './redis-clients.js';

/** Redis between instances when REDIS_URL is set; otherwise `REDIS` is null and everything stays in memory. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<RedisClients | null> => {
        if (!config.redis) return null;
        const clients = new RedisClients(config.redis);
        await clients.connect();
        return clients;
      },
    },
    InstanceRegistry,
    ClusterBus,
  ],
  exports: [REDIS, InstanceRegistry],
})
export class ClusterModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClients | null) {}

  /** Last, after every other module has used Redis on its way down. */
  async onApplicationShutdown(): Promise<void> {
    await this.redis?.close();
  }
}
