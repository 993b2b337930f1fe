import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller.js';
import { AdminStatsService } from './admin-stats.service.js';

@Module({
  controllers: [AdminController],
  providers: [AdminStatsService],
  exports: [AdminStatsService],
})
export class AdminModule {}
