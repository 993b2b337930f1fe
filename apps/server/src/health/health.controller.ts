import { UsePipes, Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { REDIS, RedisClients } from '../cluster/redis-clients.js';

const PING_TIMEOUT_MS = 2000;

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
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: RedisClients | null,
  ) {}

  /** The process answers: for a liveness probe, which must not depend on the database or Redis. */
  @Get('live')
  @ApiOkResponse({ description: '{status: "ok"}' })
  live(): { status: 'ok'; uptimeSeconds: number } {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Ready for traffic: the database answers, and Redis when one is configured. 503 with the failing check otherwise. */
  @Get('ready')
  @ApiOkResponse({ description: 'Every dependency is reachable' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body says which' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult | string | object> {
    try {
      const checks: HealthIndicatorFunction[] = [() => this.db.pingCheck('database', { timeout: PING_TIMEOUT_MS })];
      if (this.redis) checks.push(() => this.redisCheck(this.redis!));
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse();
    }
  }

  private async redisCheck(redis: RedisClients) {
    const indicator = this.indicators.check('redis');
    try {
      await redis.command.ping();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error), connection: redis.command.status });
    }
  }
}
