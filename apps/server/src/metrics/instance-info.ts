import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const LAG_WINDOW_MS = 10_000;

/** This process as the admin console's instance table shows it. */
@Injectable()
export class InstanceInfo implements OnModuleDestroy {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  readonly startedAt = new Date();
  private readonly delay = monitorEventLoopDelay({ resolution: 20 });
  private lastWindowMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.delay.enable();
    // A rolling window, so one long stall long ago does not stay in the figure forever.
    this.timer = setInterval(() => {
      this.lastWindowMs = this.windowMean();
      this.delay.reset();
    }, LAG_WINDOW_MS).unref();
  }

  /** Mean event-loop delay over the last window, in milliseconds. */
  eventLoopLagMs(): number {
    const current = this.windowMean();
    return Math.round(Math.max(this.lastWindowMs, current) * 10) / 10;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.delay.disable();
  }

  private windowMean(): number {
    const mean = this.delay.mean;
    // The histogram counts from the timer's 20 ms resolution upward; what is above it is lag.
    return Number.isFinite(mean) ? Math.max(0, mean / 1e6 - 20) : 0;
  }
}
