import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { ROOM_ID_PATTERN, SEARCH_PAGE_DEFAULT, SEARCH_PAGE_MAX, SEARCH_QUERY_MAX_LENGTH } from '@chat/contract';
import type { MessageSearchQuery, MessageSearchResponse, MessageSearchResult } from '@chat/contract';
import { NOT_BLANK } from '../common/validation.js';
import { ChatMessageDto } from '../messages/messages.dto.js';

export class MessageSearchQueryDto implements MessageSearchQuery {
  @ApiProperty({ maxLength: SEARCH_QUERY_MAX_LENGTH, description: 'Words, "quoted phrases", -excluded, or (PostgreSQL websearch syntax)' })
  @IsString()
  @MaxLength(SEARCH_QUERY_MAX_LENGTH)
  @Matches(NOT_BLANK, { message: 'q must not be blank' })
  q: string;

  @ApiPropertyOptional({ description: 'Only this room' })
  @IsOptional()
  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: 'roomId must be a valid room id' })
  roomId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The id of the last result of the previous page' })
  @IsOptional()
  @IsUUID('all', { message: 'before must be a message id' })
  before?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: SEARCH_PAGE_MAX, default: SEARCH_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(SEARCH_PAGE_MAX)
  limit?: number;
}

export class MessageSearchResultDto implements MessageSearchResult {
  @ApiProperty({ type: ChatMessageDto }) message: ChatMessageDto;
  @ApiProperty({ description: 'HTML: the text around the hits, escaped, hits wrapped in <mark>…</mark>' }) snippet: string;
}

export class MessageSearchResponseDto implements MessageSearchResponse {
  @ApiProperty({ type: [MessageSearchResultDto], description: 'Newest first' }) results: MessageSearchResultDto[];
  @ApiProperty() hasMore: boolean;
}
