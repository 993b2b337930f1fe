import { Controller, Get, Query, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional } from 'class-validator';
import { DataSource } from 'typeorm';
import type { UsageGroupBy, UsageReport, UsageRow } from '@chat/contract';
import { Roles } from '../auth/auth.decorators.js';
import { AppException } from '../common/app-exception.js';
import { HttpValidationPipe } from '../common/validation.js';

const GROUPS: UsageGroupBy[] = ['user', 'room', 'day'];
const DEFAULT_DAYS = 30;

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

const GROUPING: Record<UsageGroupBy, { key: string; label: string; join: string }> = {
  user: { key: `m.metadata->>'requestedBy'`, label: 'u.username', join: `LEFT JOIN users u ON u.id::text = m.metadata->>'requestedBy'` },
  room: { key: 'm.room_id', label: 'r.name', join: 'LEFT JOIN rooms r ON r.id = m.room_id' },
  day: { key: `to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`, label: 'NULL', join: '' },
};

/** Assistant token usage for admins, from what each reply stored. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@UsePipes(HttpValidationPipe)
@Controller('admin/usage')
export class UsageController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOkResponse({ type: UsageReportDto })
  async usage(@Query() query: UsageQueryDto): Promise<UsageReport> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_DAYS * 86_400_000);
    if (from >= to) throw AppException.validation(['from must be before to']);
    const groupBy = query.groupBy ?? 'day';
    const { key, label, join } = GROUPING[groupBy];
    const rows: { key: string | null; label: string | null; requests: string; prompt: string; completion: string }[] = await this.dataSource.query(
      `SELECT ${key} AS key, ${label} AS label, count(*) AS requests,
              coalesce(sum((m.metadata->>'promptTokens')::bigint), 0) AS prompt,
              coalesce(sum((m.metadata->>'completionTokens')::bigint), 0) AS completion
       FROM messages m ${join}
       WHERE m.is_ai AND m.status <> 'streaming' AND m.created_at >= $1 AND m.created_at < $2
       GROUP BY 1, 2 ORDER BY 1`,
      [from.toISOString(), to.toISOString()],
    );
    const result = rows.map((row) => ({
      key: row.key ?? 'unknown',
      label: row.label,
      requests: Number(row.requests),
      promptTokens: Number(row.prompt),
      completionTokens: Number(row.completion),
    }));
    const totals = result.reduce(
      (sum, row) => ({
        requests: sum.requests + row.requests,
        promptTokens: sum.promptTokens + row.promptTokens,
        completionTokens: sum.completionTokens + row.completionTokens,
      }),
      { requests: 0, promptTokens: 0, completionTokens: 0 },
    );
    return { from: from.toISOString(), to: to.toISOString(), groupBy, rows: result, totals };
  }
}
