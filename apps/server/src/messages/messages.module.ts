import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RoomsModule } from '../rooms/rooms.module.js';
import { MessageEntity } from './message.entity.js';
import { MessageWriter } from './message-writer.js';
import { MessagesController } from './messages.controller.js';
import { MessagesRepository } from './messages.repository.js';
import { MessagesService } from './messages.service.js';
import { MessageChangesRepository } from './message-changes.repository.js';
import { MessageChangesService } from './message-changes.service.js';
import { MentionResolver } from './mention-resolver.js';

@Module({
  imports: [TypeOrmModule.forFeature([MessageEntity]), RoomsModule],
  controllers: [MessagesController],
  providers: [MessagesService, MessageWriter, MessagesRepository, MessageChangesRepository, MessageChangesService, MentionResolver],
  exports: [MessagesService, MessageWriter, MessagesRepository, MessageChangesRepository, MessageChangesService, MentionResolver],
})
export class MessagesModule {}
