import { UsePipes, Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { ReadUpdatedPayload, RoomMemberView, RoomView } from '@chat/contract';
import { RateLimit } from '../common/rate-limit.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth.types.js';
import { AddMemberDto, CreateRoomDto, ReadPositionDto, ReadUpdatedDto, RoomMemberViewDto, RoomViewDto, UpdateRoomDto } from './rooms.dto.js';
import { RoomsService } from './rooms.service.js';

@ApiTags('rooms')
@ApiBearerAuth()
@UsePipes(HttpValidationPipe)
@Controller('rooms')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Get()
  @ApiOkResponse({ type: [RoomViewDto], description: 'Public rooms and the private rooms you are in (admins: all)' })
  list(@CurrentUser() user: AuthUser): Promise<RoomView[]> {
    return this.rooms.list(user);
  }

  @Post()
  @ApiCreatedResponse({ type: RoomViewDto })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateRoomDto): Promise<RoomView> {
    return this.rooms.create(user, dto);
  }

  @Get(':roomId')
  @ApiOkResponse({ type: RoomViewDto })
  get(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string): Promise<RoomView> {
    return this.rooms.get(user, roomId);
  }

  @Patch(':roomId')
  @ApiOkResponse({ type: RoomViewDto })
  update(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Body() dto: UpdateRoomDto): Promise<RoomView> {
    return this.rooms.update(user, roomId, dto);
  }

  @Put(':roomId/read')
  @RateLimit('reads')
  @ApiOkResponse({ type: ReadUpdatedDto, description: "Moves the caller's read position forward (never back); their sockets get read_updated" })
  markRead(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Body() dto: ReadPositionDto): Promise<ReadUpdatedPayload> {
    return this.rooms.markRead(user, roomId, dto.seq);
  }

  @Get(':roomId/members')
  @ApiOkResponse({ type: [RoomMemberViewDto] })
  members(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string): Promise<RoomMemberView[]> {
    return this.rooms.listMembers(user, roomId);
  }

  @Put(':roomId/members/:userId')
  @ApiOkResponse({ type: RoomMemberViewDto })
  putMember(
    @CurrentUser() user: AuthUser,
    @Param('roomId') roomId: string,
    @Param('userId', new ParseUUIDPipe()) userId: string,
    @Body() dto: AddMemberDto,
  ): Promise<RoomMemberView> {
    return this.rooms.putMember(user, roomId, userId, dto);
  }

  @Delete(':roomId/members/:userId')
  @HttpCode(204)
  @ApiNoContentResponse()
  removeMember(
    @CurrentUser() user: AuthUser,
    @Param('roomId') roomId: string,
    @Param('userId', new ParseUUIDPipe()) userId: string,
  ): Promise<void> {
    return this.rooms.removeMember(user, roomId, userId);
  }
}
