import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { NOT_BLANK } from '../common/validation.js';
import { ROOM_DESCRIPTION_MAX_LENGTH, ROOM_ID_PATTERN, ROOM_NAME_MAX_LENGTH, SEQ_MAX } from '@chat/contract';
import type {
  AddMemberRequest,
  CreateRoomRequest,
  MarkReadRequest,
  ReadPositionRequest,
  ReadUpdatedPayload,
  RoomMemberRole,
  RoomMemberView,
  RoomView,
  RoomVisibility,
  UpdateRoomRequest,
} from '@chat/contract';

const VISIBILITIES: RoomVisibility[] = ['public', 'private'];
const MEMBER_ROLES: RoomMemberRole[] = ['owner', 'member'];
const ROOM_ID_MESSAGE = 'id must be lowercase letters, digits, "-" or "_", starting with a letter or digit, at most 64';

export class CreateRoomDto implements CreateRoomRequest {
  @ApiPropertyOptional({ pattern: ROOM_ID_PATTERN.source, description: 'Generated from the name when omitted' })
  @IsOptional()
  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: ROOM_ID_MESSAGE })
  id?: string;

  @ApiProperty({ example: 'Support' })
  @IsString()
  @MinLength(1)
  @MaxLength(ROOM_NAME_MAX_LENGTH)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(ROOM_DESCRIPTION_MAX_LENGTH)
  description?: string;

  @ApiProperty({ enum: VISIBILITIES })
  @IsIn(VISIBILITIES)
  visibility: RoomVisibility;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  aiEnabled?: boolean;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(8000)
  systemPrompt?: string | null;
}

export class UpdateRoomDto implements UpdateRoomRequest {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(ROOM_NAME_MAX_LENGTH)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(ROOM_DESCRIPTION_MAX_LENGTH)
  description?: string | null;

  @ApiPropertyOptional({ enum: VISIBILITIES })
  @IsOptional()
  @IsIn(VISIBILITIES)
  visibility?: RoomVisibility;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  aiEnabled?: boolean;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(8000)
  systemPrompt?: string | null;
}

export class AddMemberDto implements AddMemberRequest {
  @ApiPropertyOptional({ enum: MEMBER_ROLES, default: 'member' })
  @IsOptional()
  @IsIn(MEMBER_ROLES)
  role?: RoomMemberRole;
}

export class RoomViewDto implements RoomView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: VISIBILITIES }) visibility: RoomVisibility;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) createdBy: string | null;
  @ApiProperty() aiEnabled: boolean;
  @ApiProperty({ nullable: true, type: String }) systemPrompt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ enum: MEMBER_ROLES, nullable: true, description: "The caller's role in the room" }) myRole: RoomMemberRole | null;
  @ApiProperty({ description: 'Seq of the newest message' }) lastSeq: number;
  @ApiProperty({ description: "The room's change counter (edits, deletes, reactions, thread replies)" }) lastChangeSeq: number;
  @ApiProperty({ description: "The caller's read position (0 when never read)" }) lastReadSeq: number;
  @ApiProperty({ description: "Others' messages after lastReadSeq, tombstones not counted" }) unreadCount: number;
  @ApiProperty({ description: 'Of those, the ones that @-mention the caller' }) mentionCount: number;
}

export class RoomMemberViewDto implements RoomMemberView {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: MEMBER_ROLES }) role: RoomMemberRole;
  @ApiProperty({ format: 'date-time' }) joinedAt: string;
  @ApiProperty() online: boolean;
}

export class ReadPositionDto implements ReadPositionRequest {
  @ApiProperty({ minimum: 0, description: 'The newest seq read; held to the newest message, and a position never moves back' })
  @Type(() => Number)
  @IsInt({ message: 'seq must be a whole number' })
  @Min(0)
  @Max(SEQ_MAX)
  seq: number;
}

/** The `mark_read` payload. */
export class MarkReadDto extends ReadPositionDto implements MarkReadRequest {
  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: 'roomId must be a valid room id' })
  roomId: string;
}

export class ReadUpdatedDto implements ReadUpdatedPayload {
  @ApiProperty() roomId: string;
  @ApiProperty() lastReadSeq: number;
  @ApiProperty({ description: "Others' messages after lastReadSeq, tombstones not counted (at most 999)" }) unreadCount: number;
  @ApiProperty({ description: 'Of those, the ones that @-mention the caller' }) mentionCount: number;
}
