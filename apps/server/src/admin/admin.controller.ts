import { UsePipes, Controller, Get } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { AdminStats } from '@chat/contract';
import { Roles } from '../auth/auth.decorators.js';
import { AdminStatsService } from './admin-stats.service.js';

class AdminStatsDto implements AdminStats {
  @ApiProperty({ description: 'Sockets connected now' }) activeConnections: number;
  @ApiProperty({ description: 'Sockets connected since this instance started' }) totalConnections: number;
  @ApiProperty() rooms: number;
  @ApiProperty({ description: 'Rooms with at least one connected member' }) activeRooms: number;
  @ApiProperty({ description: 'Messages stored in the last 60 seconds' }) messagesPerMinute: number;
  @ApiProperty() uptimeSeconds: number;
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
