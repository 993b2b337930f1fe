import { KeyScope } from '../auth/api-key-scope.js';
import { UsePipes, Controller, Get } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { AdminStats, InstanceStats } from '@chat/contract';
import { Roles } from '../auth/auth.decorators.js';
import { AdminStatsService } from './admin-stats.service.js';

class InstanceStatsDto implements InstanceStats {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Sockets connected to this instance' }) connections: number;
  @ApiProperty({ description: 'Rooms with a socket on this instance' }) rooms: number;
  @ApiProperty({ description: 'Mean event-loop delay over the last heartbeat' }) eventLoopLagMs: number;
  @ApiProperty({ description: 'Assistant replies streaming upstream on this instance' }) aiRunning: number;
  @ApiProperty({ description: 'Assistant replies waiting for an upstream slot on this instance' }) aiQueued: number;
  @ApiProperty() startedAt: string;
  @ApiProperty({ description: 'Its last heartbeat; instances silent for three heartbeats drop out' }) lastSeenAt: string;
}

class AdminStatsDto implements AdminStats {
  @ApiProperty({ description: 'Sockets connected now, on every instance' }) activeConnections: number;
  @ApiProperty({ description: 'Sockets connected since the cluster (or this instance) started' }) totalConnections: number;
  @ApiProperty() rooms: number;
  @ApiProperty({ description: 'Rooms with at least one connected member, on any instance' }) activeRooms: number;
  @ApiProperty({ description: 'Messages stored in the last 60 seconds' }) messagesPerMinute: number;
  @ApiProperty({ description: 'Of the answering instance' }) uptimeSeconds: number;
  @ApiProperty({ type: [InstanceStatsDto], description: 'Every live instance, the answering one first' }) instances: InstanceStatsDto[];
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@UsePipes(HttpValidationPipe)
@Controller('admin')
export class AdminController {
  constructor(private readonly stats: AdminStatsService) {}

  @KeyScope('admin:read')
  @Get('stats')
  @ApiOkResponse({ type: AdminStatsDto })
  getStats(): Promise<AdminStats> {
    return this.stats.stats();
  }
}
