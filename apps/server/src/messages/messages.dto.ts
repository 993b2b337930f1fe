import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, isUUID, Matches, matches, Max, MaxLength, maxLength, Min, ValidateBy } from 'class-validator';
import { CLIENT_MESSAGE_ID_MAX_LENGTH, HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX, isReactionEmoji, ROOM_ID_PATTERN, SEQ_MAX } from '@chat/contract';
import { registerFastPath } from '../common/validation.js';
import type {
  ChatMessage,
  DeleteMessageRequest,
  EditMessageBody,
  EditMessageRequest,
  MessageReaction,
  MessagesPage,
  MessageStatus,
  MessageUpdatedPayload,
  PostMessageRequest,
  ReactionRequest,
  SendMessageRequest,
  ThreadPage,
} from '@chat/contract';

const CLIENT_ID_PATTERN = /^[A-Za-z0-9_.:-]+$/;
const CLIENT_ID_MESSAGE = `clientMessageId must be 1-${CLIENT_MESSAGE_ID_MAX_LENGTH} letters, digits or _.:-`;

// Length against MESSAGE_MAX_LENGTH is checked in the service (it is configuration); this cap only
// stops absurd strings before they are copied around.
const HARD_CONTENT_CAP = 1_000_000;

export class PostMessageDto implements PostMessageRequest {
  @ApiProperty({ description: 'Text, not empty or only whitespace, at most MESSAGE_MAX_LENGTH characters' })
  @IsString()
  @MaxLength(HARD_CONTENT_CAP)
  content: string;

  @ApiPropertyOptional({ description: 'Makes a resend idempotent: the same id from the same user returns the original' })
  @IsOptional()
  @IsString()
  @MaxLength(CLIENT_MESSAGE_ID_MAX_LENGTH)
  @Matches(CLIENT_ID_PATTERN, { message: CLIENT_ID_MESSAGE })
  clientMessageId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Reply in the thread of this top-level message of the room' })
  @IsOptional()
  @IsUUID('all', { message: 'threadId must be a message id' })
  threadId?: string;
}

/** The seed's `send_message` payload. */
export class SendMessageDto implements SendMessageRequest {
  @IsString()
  @MaxLength(HARD_CONTENT_CAP)
  content: string;

  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: 'roomId must be a valid room id' })
  roomId: string;

  @IsOptional()
  @IsBoolean()
  useAi?: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(CLIENT_MESSAGE_ID_MAX_LENGTH)
  @Matches(CLIENT_ID_PATTERN, { message: CLIENT_ID_MESSAGE })
  clientMessageId?: string;

  @IsOptional()
  @IsUUID('all', { message: 'threadId must be a message id' })
  threadId?: string;
}

const SEND_MESSAGE_FIELDS = new Set(['content', 'roomId', 'useAi', 'clientMessageId', 'threadId']);
const absent = (value: unknown) => value === undefined || value === null;

/** send_message is most of the socket traffic: the same rules as the decorators above, checked directly (see registerFastPath). */
registerFastPath(SendMessageDto, (value) => {
  for (const key in value) if (!SEND_MESSAGE_FIELDS.has(key)) return null;
  const { content, roomId, useAi, clientMessageId, threadId } = value;
  if (typeof content !== 'string' || !maxLength(content, HARD_CONTENT_CAP)) return null;
  if (typeof roomId !== 'string' || !matches(roomId, ROOM_ID_PATTERN)) return null;
  if (!absent(useAi) && typeof useAi !== 'boolean') return null;
  if (!absent(clientMessageId) && (typeof clientMessageId !== 'string' || !maxLength(clientMessageId, CLIENT_MESSAGE_ID_MAX_LENGTH) || !matches(clientMessageId, CLIENT_ID_PATTERN))) return null;
  if (!absent(threadId) && !isUUID(threadId, 'all')) return null;
  return Object.assign(new SendMessageDto(), value);
});

const MESSAGE_ID_RULE = { message: 'messageId must be a message id' };

/** The contract's one-emoji rule as a class-validator decorator. */
export const IsReactionEmoji = () =>
  ValidateBy({ name: 'isReactionEmoji', validator: { validate: isReactionEmoji, defaultMessage: () => 'emoji must be exactly one emoji' } });

export class EditMessageBodyDto implements EditMessageBody {
  @ApiProperty({ description: 'The new text: the same rules as sending' })
  @IsString()
  @MaxLength(HARD_CONTENT_CAP)
  content: string;
}

export class EditMessageDto extends EditMessageBodyDto implements EditMessageRequest {
  @IsUUID('all', MESSAGE_ID_RULE)
  messageId: string;
}

export class DeleteMessageDto implements DeleteMessageRequest {
  @IsUUID('all', MESSAGE_ID_RULE)
  messageId: string;
}

export class ReactionDto implements ReactionRequest {
  @IsUUID('all', MESSAGE_ID_RULE)
  messageId: string;

  @IsString()
  @IsReactionEmoji()
  emoji: string;
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ description: 'Only messages with a smaller seq (older)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(SEQ_MAX)
  before?: number;

  @ApiPropertyOptional({ description: 'Only messages with a greater seq (newer)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(SEQ_MAX)
  after?: number;

  @ApiPropertyOptional({ description: 'The page around this seq (it included), about half older and half newer; not with before/after' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(SEQ_MAX)
  around?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: HISTORY_PAGE_MAX, default: HISTORY_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(HISTORY_PAGE_MAX)
  limit?: number;
}

export class MessageReactionDto implements MessageReaction {
  @ApiProperty({ example: '👍' }) emoji: string;
  @ApiProperty() count: number;
  @ApiProperty({ type: [String], description: 'Who reacted, in the order they did' }) userIds: string[];
}

export class ChatMessageDto implements ChatMessage {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() roomId: string;
  @ApiProperty({ description: 'Per-room, gap-free, strictly increasing' }) seq: number;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Null for the assistant' }) userId: string | null;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty() content: string;
  @ApiProperty({ format: 'date-time' }) timestamp: string;
  @ApiProperty() isAi: boolean;
  @ApiPropertyOptional({ description: 'Posted by a service account (an integration)' }) isBot?: boolean;
  @ApiPropertyOptional() clientMessageId?: string;
  @ApiProperty({ enum: ['complete', 'streaming', 'cancelled', 'error'] }) status: MessageStatus;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) metadata?: ChatMessage['metadata'];
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Last edit; null when never edited' }) editedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Set on a tombstone (content is then empty)' }) deletedAt: string | null;
  @ApiProperty({ type: [MessageReactionDto], description: 'Per emoji, in the order each was first used' }) reactions: MessageReactionDto[];
  @ApiProperty({ description: "The room's change counter at this message's last change (0: unchanged)" }) changeSeq: number;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The thread root this replies to' }) threadId: string | null;
  @ApiProperty({ description: 'On a thread root: its replies' }) replyCount: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastReplyAt: string | null;
  @ApiProperty({ type: [String], description: 'Ids of the room members it @-mentions' }) mentions: string[];
}

export class MessagesPageDto implements MessagesPage {
  @ApiProperty({ type: [ChatMessageDto], description: 'Ascending seq' }) messages: ChatMessageDto[];
  @ApiProperty({ description: 'More messages exist beyond this page in the direction asked (with around: older ones)' }) hasMore: boolean;
  @ApiPropertyOptional({ description: 'With around only: newer messages exist after this page' }) hasMoreAfter?: boolean;
}

export class MessageUpdatedDto implements MessageUpdatedPayload {
  @ApiProperty({ type: ChatMessageDto, description: 'The whole message after the change' }) message: ChatMessageDto;
  @ApiProperty({ description: "The room's change counter at this change (the message's changeSeq when nothing changed)" }) changeSeq: number;
}

export class ThreadPageDto implements ThreadPage {
  @ApiProperty({ type: ChatMessageDto, description: 'The top-level message the thread hangs on' }) root: ChatMessageDto;
  @ApiProperty({ type: [ChatMessageDto], description: 'Ascending seq' }) replies: ChatMessageDto[];
  @ApiProperty({ description: 'More replies exist beyond this page in the direction asked' }) hasMore: boolean;
}
