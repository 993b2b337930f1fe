import { Module } from '@nestjs/common';
import { LlmModule } from '../llm/llm.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { AdminController } from './admin.controller.js';
import { AdminStatsService } from './admin-stats.service.js';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';

@Module({
  imports: [MessagesModule, RoomsModule, LlmModule],
  controllers: [AdminController, UsageController],
  providers: [AdminStatsService, UsageService],
  exports: [AdminStatsService],
})
export class AdminModule {}
