import { Global, Module, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InstanceInfo } from './instance-info.js';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.service.js';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Global: every part that records a figure gets the one registry. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics, InstanceInfo],
  exports: [Metrics, InstanceInfo],
})
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    // TypeORM's postgres driver keeps its pg.Pool as `master`.
    const pool = () => (this.dataSource.driver as unknown as { master?: PgPool }).master;
    this.metrics.provide('chat_db_pool_in_use', () => (pool() ? pool()!.totalCount - pool()!.idleCount : 0));
    this.metrics.provide('chat_db_pool_idle', () => pool()?.idleCount ?? 0);
    this.metrics.provide('chat_db_pool_waiting', () => pool()?.waitingCount ?? 0);
  }
}
