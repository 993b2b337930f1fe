import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import type { AdminStats } from '@chat/contract';
import { AdminApi, describeApiError, HealthStatus } from '@chat/web-data-access';
import { SparklineComponent } from '@chat/web-ui';
import { formatDuration } from '@chat/web-util';
import { catchError, map, of, scan, switchMap, timer } from 'rxjs';

/** Samples kept for the sparklines: 5 minutes at one every 5 s. */
const HISTORY = 60;
const STATS_EVERY_MS = 5_000;
const HEALTH_EVERY_MS = 15_000;

interface StatsState {
  latest: AdminStats | null;
  error: string | null;
  samples: AdminStats[];
  at: string | null;
}

@Component({
  selector: 'chat-admin-overview',
  imports: [SparklineComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './admin-overview.component.html',
  styleUrl: '../admin-page.css',
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

  protected readonly series = computed(() => {
    const samples = this.stats().samples;
    return {
      connections: samples.map((s) => s.activeConnections),
      messages: samples.map((s) => s.messagesPerMinute),
      activeRooms: samples.map((s) => s.activeRooms),
    };
  });

  protected uptime(seconds: number): string {
    return formatDuration(seconds);
  }

  protected time(iso: string | null): string {
    return iso ? new Date(iso).toLocaleTimeString() : '';
  }

  protected dateTime(iso: string): string {
    return new Date(iso).toLocaleString();
  }
}
