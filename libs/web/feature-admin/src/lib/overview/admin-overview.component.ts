import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import type { AdminStats, UsageGroupBy, UsageReport } from '@chat/contract';
import { AdminApi, describeApiError, HealthStatus } from '@chat/web-data-access';
import { SparklineComponent } from '@chat/web-ui';
import { formatDuration } from '@chat/web-util';
import { catchError, map, of, scan, switchMap, timer } from 'rxjs';

/** Samples kept for the sparklines: 5 minutes at one every 5 s. */
const HISTORY = 60;
const STATS_EVERY_MS = 5_000;
const HEALTH_EVERY_MS = 15_000;
const USAGE_EVERY_MS = 60_000;

interface StatsState {
  latest: AdminStats | null;
  error: string | null;
  samples: AdminStats[];
  at: string | null;
}

type UsageLoad = { report: UsageReport; error: null } | { report: null; error: string };

@Component({
  selector: 'chat-admin-overview',
  imports: [SparklineComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './admin-overview.component.html',
  styleUrl: './admin-overview.component.css',
})
export class AdminOverviewComponent {
  private readonly api = inject(AdminApi);

  /** Polled; each sample is kept for the charts, a failed poll keeps the last values and says so. */
  protected readonly stats = toSignal(
    timer(0, STATS_EVERY_MS).pipe(
      switchMap(() =>
        this.api.stats().pipe(
          map((stats) => ({ stats, error: null as string | null })),
          catchError((error: unknown) => of({ stats: null, error: describeApiError(error) })),
        ),
      ),
      scan<{ stats: AdminStats | null; error: string | null }, StatsState>(
        (state, { stats, error }) =>
          stats
            ? { latest: stats, error: null, samples: [...state.samples, stats].slice(-HISTORY), at: new Date().toISOString() }
            : { ...state, error },
        { latest: null, error: null, samples: [], at: null },
      ),
    ),
    { initialValue: { latest: null, error: null, samples: [], at: null } as StatsState },
  );

  protected readonly health = toSignal<HealthStatus | null>(timer(0, HEALTH_EVERY_MS).pipe(switchMap(() => this.api.health())), {
    initialValue: null,
  });

  protected readonly groupBy = signal<UsageGroupBy>('day');
  protected readonly usage = toSignal(
    toObservable(this.groupBy).pipe(
      switchMap((groupBy) =>
        timer(0, USAGE_EVERY_MS).pipe(
          switchMap(() =>
            this.api.usage(groupBy).pipe(
              map((report): UsageLoad => ({ report, error: null })),
              catchError((error: unknown) => of<UsageLoad>({ report: null, error: describeApiError(error) })),
            ),
          ),
        ),
      ),
    ),
  );

  protected readonly series = computed(() => {
    const samples = this.stats().samples;
    return {
      connections: samples.map((s) => s.activeConnections),
      messages: samples.map((s) => s.messagesPerMinute),
      activeRooms: samples.map((s) => s.activeRooms),
    };
  });

  protected readonly usageMax = computed(() => {
    const rows = this.usage()?.report?.rows ?? [];
    return Math.max(1, ...rows.map((r) => r.promptTokens + r.completionTokens));
  });
  /** Requests per day over the whole period, days without any included. */
  protected readonly usageByDay = computed(() => {
    const report = this.usage()?.report;
    if (!report || report.groupBy !== 'day') return [];
    const byDay = new Map(report.rows.map((r) => [r.key, r.requests]));
    const days: number[] = [];
    const last = report.to.slice(0, 10);
    const day = new Date(`${report.from.slice(0, 10)}T00:00:00.000Z`);
    for (let key = report.from.slice(0, 10); key <= last && days.length < 400; key = day.toISOString().slice(0, 10)) {
      days.push(byDay.get(key) ?? 0);
      day.setUTCDate(day.getUTCDate() + 1);
    }
    return days;
  });

  protected uptime(seconds: number): string {
    return formatDuration(seconds);
  }

  protected setGroupBy(event: Event): void {
    this.groupBy.set((event.target as HTMLSelectElement).value as UsageGroupBy);
  }

  protected time(iso: string | null): string {
    return iso ? new Date(iso).toLocaleTimeString() : '';
  }
}
