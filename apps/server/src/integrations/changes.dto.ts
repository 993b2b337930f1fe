import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CHANGE_TYPES, CHANGES_PAGE_DEFAULT, CHANGES_PAGE_MAX } from '@chat/contract';
import type { ChangeEntry, ChangesPage, ChangeType } from '@chat/contract';
import { ChatMessageDto } from '../messages/messages.dto.js';

export class ChangesQueryDto {
  @ApiPropertyOptional({ description: 'A cursor from an earlier answer; omitted: now (the answer is empty and `next` is where to start)', example: '7421_1893' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  since?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: CHANGES_PAGE_MAX, default: CHANGES_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(CHANGES_PAGE_MAX)
  limit?: number;
}

export class EventsQueryDto {
  @ApiPropertyOptional({ description: 'Where to start when there is no Last-Event-ID header; omitted: now' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  since?: string;
}

class ChangeEntryDto implements ChangeEntry {
  @ApiProperty({ example: '7421_1893' }) cursor: string;
  @ApiProperty({ enum: CHANGE_TYPES }) type: ChangeType;
  @ApiProperty() roomId: string;
  @ApiProperty({ type: ChatMessageDto, description: 'In the REST history\'s shape, as this change left it (a deleted message is its tombstone)' }) message: ChatMessageDto;
}

export class ChangesPageDto implements ChangesPage {
  @ApiProperty({ type: [ChangeEntryDto] }) changes: ChangeEntryDto[];
  @ApiProperty({ description: 'Ask with this as `since` next (also when `changes` is empty)' }) next: string;
  @ApiProperty() hasMore: boolean;
}
