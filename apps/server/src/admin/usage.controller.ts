import { KeyScope } from '../auth/api-key-scope.js';
import { Controller, Get, Query, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional } from 'class-validator';
import type { UsageGroupBy, UsageReport, UsageRow } from '@chat/contract';
import { Roles } from '../auth/auth.decorators.js';
import { HttpValidationPipe } from '../common/validation.js';
import { DEFAULT_USAGE_DAYS, USAGE_GROUPS, UsageService } from './usage.service.js';

const GROUPS = USAGE_GROUPS;
const DEFAULT_DAYS = DEFAULT_USAGE_DAYS;

class UsageQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: `Inclusive; default ${DEFAULT_DAYS} days before \`to\`` })
  @IsOptional()
  @IsDateString()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive; default now' })
  @IsOptional()
  @IsDateString()
  to?: string;

  @ApiPropertyOptional({ enum: GROUPS, default: 'day' })
  @IsOptional()
  @IsIn(GROUPS)
  groupBy?: UsageGroupBy;
}

class UsageRowDto implements UsageRow {
  @ApiProperty({ description: 'User id, room id or YYYY-MM-DD' }) key: string;
  @ApiProperty({ nullable: true, type: String }) label: string | null;
  @ApiProperty() requests: number;
  @ApiProperty() promptTokens: number;
  @ApiProperty() completionTokens: number;
}

class UsageReportDto implements UsageReport {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty({ enum: GROUPS }) groupBy: UsageGroupBy;
  @ApiProperty({ type: [UsageRowDto] }) rows: UsageRowDto[];
  @ApiProperty() totals: { requests: number; promptTokens: number; completionTokens: number };
}

/** Assistant token usage for admins, from what each reply stored. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@UsePipes(HttpValidationPipe)
@Controller('admin/usage')
export class UsageController {
  constructor(private readonly usageReports: UsageService) {}

  @KeyScope('admin:read')
  @Get()
  @ApiOkResponse({ type: UsageReportDto })
  usage(@Query() query: UsageQueryDto): Promise<UsageReport> {
    return this.usageReports.report(query);
  }
}
