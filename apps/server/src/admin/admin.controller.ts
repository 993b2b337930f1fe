import { UsePipes, Controller, Get } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { AdminStats, InstanceStats } from '@chat/contract';
import { Roles } from '../auth/auth.decorators.js';
import { AdminStatsService } from './admin-stats.service.js';

class InstanceStatsDto implements InstanceStats {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Sockets connected to this instance' }) connections: number;
  @ApiProperty({ description: 'Rooms with someone connected here' }) rooms: number;
  @ApiProperty({ description: 'Mean event-loop delay over the last seconds' }) eventLoopLagMs: number;
  @ApiProperty({ description: 'Assistant upstream calls running' }) aiRunning: number;
  @ApiProperty({ description: 'Assistant replies waiting for a slot' }) aiQueued: number;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt: string;
}

class AdminStatsDto implements AdminStats {
  @ApiProperty({ description: 'Sockets connected now' }) activeConnections: number;
  @ApiProperty({ description: 'Sockets connected since this instance started' }) totalConnections: number;
  @ApiProperty() rooms: number;
  @ApiProperty({ description: 'Rooms with at least one connected member' }) activeRooms: number;
  @ApiProperty({ description: 'Messages stored in the last 60 seconds' }) messagesPerMinute: number;
  @ApiProperty() uptimeSeconds: number;
  @ApiProperty({ type: [InstanceStatsDto], description: 'One row per running instance' }) instances: InstanceStatsDto[];
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@UsePipes(HttpValidationPipe)
@Controller('admin')
export class AdminController {
  constructor(private readonly stats: AdminStatsService) {}

  @Get('stats')
  @ApiOkResponse({ type: AdminStatsDto })
  getStats(): Promise<AdminStats> {
    return this.stats.stats();
  }
}
