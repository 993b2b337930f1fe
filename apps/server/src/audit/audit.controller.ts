import { KeyScope } from '../auth/api-key-scope.js';
import { Controller, Get, Query, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { AUDIT_ACTIONS, AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, ROOM_ID_PATTERN } from '@chat/contract';
import type { AuditAction, AuditEntry, AuditPage, AuditTargetType } from '@chat/contract';
import { Roles } from '../auth/auth.decorators.js';
import { HttpValidationPipe } from '../common/validation.js';
import { AuditService } from './audit.service.js';

class AuditQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ROOM_ID_PATTERN, { message: 'roomId must be a valid room id' })
  roomId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Inclusive' })
  @IsOptional()
  @IsDateString()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive' })
  @IsOptional()
  @IsDateString()
  to?: string;

  @ApiPropertyOptional({ description: 'An entry id: the page of entries older than it (cursor)' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be an entry id' })
  before?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  limit?: number;
}

class AuditEntryDto implements AuditEntry {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action: AuditAction;
  @ApiProperty({ nullable: true, type: String }) actorId: string | null;
  @ApiProperty({ nullable: true, type: String }) actorUsername: string | null;
  @ApiProperty({ nullable: true, enum: ['user', 'room', 'knowledge_document', 'message', 'quota', 'api_key', 'webhook'] }) targetType: AuditTargetType | null;
  @ApiProperty({ nullable: true, type: String }) targetId: string | null;
  @ApiProperty({ nullable: true, type: String }) roomId: string | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) requestId: string | null;
  @ApiProperty({ description: 'For updates {field: {old, new}}' }) details: Record<string, unknown>;
}

class AuditPageDto implements AuditPage {
  @ApiProperty({ type: [AuditEntryDto] }) entries: AuditEntryDto[];
  @ApiProperty() hasMore: boolean;
}

/** Read-only on purpose: no route changes or deletes an entry. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@UsePipes(HttpValidationPipe)
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @KeyScope('admin:read')
  @Get()
  @ApiOkResponse({ type: AuditPageDto, description: 'Newest first; pass the last entry id as `before` for the next page' })
  list(@Query() query: AuditQueryDto): Promise<AuditPage> {
    return this.audit.list({
      action: query.action,
      actorId: query.actorId,
      roomId: query.roomId,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      before: query.before,
      limit: query.limit ?? AUDIT_PAGE_DEFAULT,
    });
  }
}
