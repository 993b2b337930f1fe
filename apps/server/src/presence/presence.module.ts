import { Global, Module } from '@nestjs/common';
import { InstanceRegistry } from '../cluster/instance-registry.js';
import { REDIS, RedisClients } from '../cluster/redis-clients.js';
import { MemoryPresenceStore, PresenceStore } from './presence.store.js';
import { RedisPresenceStore } from './redis-presence.store.js';

@Global()
@Module({
  providers: [
    {
      provide: PresenceStore,
      inject: [REDIS, InstanceRegistry],
      useFactory: (redis: RedisClients | null, registry: InstanceRegistry): PresenceStore =>
        redis ? new RedisPresenceStore(redis, registry) : new MemoryPresenceStore(),
    },
  ],
  exports: [PresenceStore],
})
export class PresenceModule {}
