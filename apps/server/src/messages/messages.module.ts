import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RoomsModule } from '../rooms/rooms.module.js';
import { MessageEntity } from './message.entity.js';
import { MessageWriter } from './message-writer.js';
import { MessagesController } from './messages.controller.js';
import { MessagesRepository } from './messages.repository.js';
import { MessagesService } from './messages.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([MessageEntity]), RoomsModule],
  controllers: [MessagesController],
  providers: [MessagesService, MessageWriter, MessagesRepository],
  exports: [MessagesService, MessageWriter, MessagesRepository],
})
export class MessagesModule {}
