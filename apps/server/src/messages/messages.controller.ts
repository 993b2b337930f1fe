import { UsePipes, Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { ChatMessage, MessagesPage } from '@chat/contract';
import { CurrentUser } from '../auth/auth.decorators.js';
import { KeyScope } from '../auth/api-key-scope.js';
import type { AuthUser } from '../auth/auth.types.js';
import { RateLimit } from '../common/rate-limit.js';
import { ChatMessageDto, HistoryQueryDto, MessagesPageDto, PostMessageDto } from './messages.dto.js';
import { MessagesService } from './messages.service.js';

@ApiTags('messages')
@ApiBearerAuth()
@UsePipes(HttpValidationPipe)
@Controller('rooms/:roomId/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @KeyScope('messages:read')
  @ApiOkResponse({ type: MessagesPageDto, description: 'Ascending seq; the newest page when neither cursor is given' })
  history(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Query() query: HistoryQueryDto): Promise<MessagesPage> {
    return this.messages.history(user, roomId, query);
  }

  @Post()
  @KeyScope('messages:write')
  @RateLimit('messages')
  @ApiCreatedResponse({ type: ChatMessageDto, description: 'Stored and delivered live to the room' })
  post(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Body() dto: PostMessageDto): Promise<ChatMessage> {
    return this.messages.send(user, { roomId, content: dto.content, clientMessageId: dto.clientMessageId });
  }
}
