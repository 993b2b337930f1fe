import { UsePipes, Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';

@ApiTags('health')
@Public()
// The throttlers are named (see rate-limit.ts); a bare @SkipThrottle() only skips one called "default".
@SkipThrottle({ rest: true })
@UsePipes(HttpValidationPipe)
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  /** The process answers: for a liveness probe, which must not depend on the database. */
  @Get('live')
  @ApiOkResponse({ description: '{status: "ok"}' })
  live(): { status: 'ok'; uptimeSeconds: number } {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Ready for traffic: the database answers. 503 with the failing check otherwise. */
  @Get('ready')
  @ApiOkResponse({ description: 'Every dependency is reachable' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body says which' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult | string | object> {
    try {
      return await this.health.check([() => this.db.pingCheck('database', { timeout: 2000 })]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse();
    }
  }
}
