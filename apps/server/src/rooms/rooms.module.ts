import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RoomEntity, RoomMemberEntity } from './room.entity.js';
import { RoomsController } from './rooms.controller.js';
import { RoomsRepository } from './rooms.repository.js';
import { RoomsService } from './rooms.service.js';
import { ReadPositionsRepository } from './read-positions.repository.js';
import { UserEntity } from '../users/user.entity.js';

@Module({
  imports: [TypeOrmModule.forFeature([RoomEntity, RoomMemberEntity, UserEntity])],
  controllers: [RoomsController],
  providers: [RoomsService, RoomsRepository, ReadPositionsRepository],
  exports: [RoomsService, RoomsRepository],
})
export class RoomsModule {}
