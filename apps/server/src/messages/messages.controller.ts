import { UsePipes, Body, Controller, Delete, Get, Param, ParseUUIDPipe, Patch, PipeTransform, Post, Put, Query } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { isReactionEmoji } from '@chat/contract';
import type { ChatMessage, MessagesPage, MessageUpdatedPayload, ThreadPage } from '@chat/contract';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { RateLimit } from '../common/rate-limit.js';
import { ChatMessageDto, EditMessageBodyDto, HistoryQueryDto, MessagesPageDto, MessageUpdatedDto, PostMessageDto, ThreadPageDto } from './messages.dto.js';
import { MessageChangesService } from './message-changes.service.js';
import { MessagesService } from './messages.service.js';

/** The `:emoji` path segment (Express has already percent-decoded it) under the contract's one-emoji rule. */
class ReactionEmojiPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isReactionEmoji(value)) throw AppException.validation(['emoji must be exactly one emoji (percent-encoded in the path)']);
    return value;
  }
}

const MESSAGE_ID = new ParseUUIDPipe();
const EMOJI_PARAM = { name: 'emoji', description: 'One emoji, percent-encoded (👍 is %F0%9F%91%8D)' };

@ApiTags('messages')
@ApiBearerAuth()
@UsePipes(HttpValidationPipe)
@Controller('rooms/:roomId/messages')
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly changes: MessageChangesService,
  ) {}

  @Get()
  @ApiOkResponse({ type: MessagesPageDto, description: 'Ascending seq; the newest page when neither cursor is given' })
  history(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Query() query: HistoryQueryDto): Promise<MessagesPage> {
    return this.messages.history(user, roomId, query);
  }

  @Post()
  @RateLimit('messages')
  @ApiCreatedResponse({ type: ChatMessageDto, description: 'Stored and delivered live to the room' })
  post(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Body() dto: PostMessageDto): Promise<ChatMessage> {
    return this.messages.send(user, { roomId, content: dto.content, clientMessageId: dto.clientMessageId, threadId: dto.threadId });
  }

  @Get(':messageId/thread')
  @ApiOkResponse({ type: ThreadPageDto, description: 'The root and a page of its replies (ascending; the newest page when neither cursor is given)' })
  thread(
    @CurrentUser() user: AuthUser,
    @Param('roomId') roomId: string,
    @Param('messageId', MESSAGE_ID) messageId: string,
    @Query() query: HistoryQueryDto,
  ): Promise<ThreadPage> {
    return this.messages.thread(user, roomId, messageId, query);
  }

  @Patch(':messageId')
  @RateLimit('changes')
  @ApiOkResponse({ type: MessageUpdatedDto, description: 'The author only (not assistant replies); the room gets message_updated' })
  edit(
    @CurrentUser() user: AuthUser,
    @Param('roomId') roomId: string,
    @Param('messageId', MESSAGE_ID) messageId: string,
    @Body() dto: EditMessageBodyDto,
  ): Promise<MessageUpdatedPayload> {
    return this.changes.edit(user, messageId, dto.content, { roomId });
  }

  @Delete(':messageId')
  @RateLimit('changes')
  @ApiOkResponse({ type: MessageUpdatedDto, description: 'Author, room owner or admin; leaves a tombstone (empty content, deletedAt set)' })
  delete(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Param('messageId', MESSAGE_ID) messageId: string): Promise<MessageUpdatedPayload> {
    return this.changes.delete(user, messageId, { roomId });
  }

  @Put(':messageId/reactions/:emoji')
  @RateLimit('changes')
  @ApiParam(EMOJI_PARAM)
  @ApiOkResponse({ type: MessageUpdatedDto, description: 'Idempotent: reacting twice with one emoji counts once' })
  react(
    @CurrentUser() user: AuthUser,
    @Param('roomId') roomId: string,
    @Param('messageId', MESSAGE_ID) messageId: string,
    @Param('emoji', new ReactionEmojiPipe()) emoji: string,
  ): Promise<MessageUpdatedPayload> {
    return this.changes.react(user, messageId, emoji, { roomId });
  }

  @Delete(':messageId/reactions/:emoji')
  @RateLimit('changes')
  @ApiParam(EMOJI_PARAM)
  @ApiOkResponse({ type: MessageUpdatedDto, description: 'Idempotent: removing a reaction that is not there changes nothing' })
  unreact(
    @CurrentUser() user: AuthUser,
    @Param('roomId') roomId: string,
    @Param('messageId', MESSAGE_ID) messageId: string,
    @Param('emoji', new ReactionEmojiPipe()) emoji: string,
  ): Promise<MessageUpdatedPayload> {
    return this.changes.unreact(user, messageId, emoji, { roomId });
  }
}
