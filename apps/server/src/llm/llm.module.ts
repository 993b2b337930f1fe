import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { KnowledgeModule } from '../knowledge/knowledge.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { AssistantService } from './assistant.service.js';
import { LlmProvider } from './llm-provider.js';
import { OfflineProvider } from './offline-provider.js';
import { OpenAiProvider } from './openai-provider.js';
import { ReplyHousekeeping } from './reply-housekeeping.js';
import { StreamRelay } from './stream-relay.js';

@Module({
  imports: [MessagesModule, RoomsModule, KnowledgeModule, QuotasModule],
  providers: [
    {
      provide: LlmProvider,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): LlmProvider => (config.llm.provider === 'openai' ? new OpenAiProvider(config.llm) : new OfflineProvider()),
    },
    StreamRelay,
    ReplyHousekeeping,
    AssistantService,
  ],
  exports: [AssistantService, ReplyHousekeeping],
})
export class LlmModule {}
