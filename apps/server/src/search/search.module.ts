import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module.js';
import { MessageSearchController } from './message-search.controller.js';
import { MessageSearchRepository } from './message-search.repository.js';
import { MessageSearchService } from './message-search.service.js';

@Module({
  imports: [RoomsModule],
  controllers: [MessageSearchController],
  providers: [MessageSearchRepository, MessageSearchService],
})
export class SearchModule {}
