import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CLIENT_MESSAGE_ID_MAX_LENGTH, HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX, ROOM_ID_PATTERN, SEQ_MAX } from '@chat/contract';
import type { ChatMessage, MessagesPage, MessageStatus, PostMessageRequest, SendMessageRequest } from '@chat/contract';

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

  @ApiPropertyOptional({ minimum: 1, maximum: HISTORY_PAGE_MAX, default: HISTORY_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(HISTORY_PAGE_MAX)
  limit?: number;
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
}

export class MessagesPageDto implements MessagesPage {
  @ApiProperty({ type: [ChatMessageDto], description: 'Ascending seq' }) messages: ChatMessageDto[];
  @ApiProperty({ description: 'More messages exist beyond this page in the direction asked' }) hasMore: boolean;
}
