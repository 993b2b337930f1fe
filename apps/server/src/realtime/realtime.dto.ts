import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { ROOM_ID_PATTERN, SEQ_MAX } from '@chat/contract';
import type { AiCancelRequest, JoinRoomRequest } from '@chat/contract';
import { PipeTransform } from '@nestjs/common';
import { AppException } from '../common/app-exception.js';
import { parsePayload } from '../common/validation.js';

export class RoomRefDto {
  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: 'roomId must be a valid room id' })
  roomId: string;
}

export class JoinRoomDto extends RoomRefDto implements JoinRoomRequest {
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'lastSeq must be a whole number' })
  @Min(0)
  @Max(SEQ_MAX, { message: 'lastSeq must not be greater than ' + SEQ_MAX })
  lastSeq?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'lastChangeSeq must be a whole number' })
  @Min(0)
  @Max(SEQ_MAX, { message: 'lastChangeSeq must not be greater than ' + SEQ_MAX })
  lastChangeSeq?: number;
}

/** The seed sends a bare room id; richer clients send `{roomId, ...}`. Both become the DTO. */
export class RoomRefPipe<T extends RoomRefDto> implements PipeTransform<unknown, T> {
  constructor(private readonly dto: new () => T) {}

  transform(value: unknown): T {
    if (typeof value === 'string') return parsePayload(this.dto, { roomId: value });
    if (value === undefined || value === null) throw AppException.validation(['roomId is required']);
    return parsePayload(this.dto, value);
  }
}

export class AiCancelDto implements AiCancelRequest {
  @IsUUID('all', { message: 'messageId must be a message id' })
  messageId: string;
}
