import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import type { QuotaStatus, QuotaWindow } from '@chat/contract';
import { AuthApi } from '@chat/web-data-access';
import { catchError, map, of, switchMap, timer } from 'rxjs';

const REFRESH_MS = 30_000;

/** Tokens left, or null for no limit. */
function left(window: QuotaWindow): number | null {
  return window.limit === null ? null : Math.max(0, window.limit - window.used);
}

/** What is left of the signed-in user's assistant budget, from GET /api/auth/me, refreshed every 30 s. */
@Component({
  selector: 'chat-quota-status',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (summary(); as s) {
      <p class="quota" data-testid="quota-status" [class.spent]="s.spent" role="status">{{ s.text }}</p>
    }
  `,
  styles: `
    .quota { margin: 0; padding: 0.5rem 0.75rem; font-size: 0.8rem; color: var(--c-text-muted); border-top: 1px solid var(--c-border); }
    .quota.spent { color: var(--c-danger); }
  `,
})
export class QuotaStatusComponent {
  private readonly auth = inject(AuthApi);
  private readonly quota = toSignal(
    timer(0, REFRESH_MS).pipe(
      switchMap(() =>
        this.auth.me().pipe(
          map((me): QuotaStatus | null => me.quota ?? null),
          catchError(() => of(null)),
        ),
      ),
    ),
    { initialValue: null },
  );

  protected readonly summary = computed(() => {
    const quota = this.quota();
    if (!quota) return null;
    const daily = left(quota.daily);
    const monthly = left(quota.monthly);
    if (daily === null && monthly === null) return { text: 'Assistant: no token limit', spent: false };
    const spent = daily === 0 || monthly === 0;
    if (spent) {
      const resets = daily === 0 && monthly !== 0 ? quota.daily.resetsAt : quota.monthly.resetsAt;
      return { text: `Assistant budget used up; it resets ${new Date(resets).toLocaleString()}`, spent };
    }
    const parts = [daily !== null ? `${daily.toLocaleString()} today` : null, monthly !== null ? `${monthly.toLocaleString()} this month` : null].filter(Boolean);
    return { text: `Assistant tokens left: ${parts.join(', ')}`, spent };
  });
}
