import { Global, Module } from '@nestjs/common';
import { MemoryPresenceStore, PresenceStore } from './presence.store.js';

@Global()
@Module({
  providers: [{ provide: PresenceStore, useClass: MemoryPresenceStore }],
  exports: [PresenceStore],
})
export class PresenceModule {}
