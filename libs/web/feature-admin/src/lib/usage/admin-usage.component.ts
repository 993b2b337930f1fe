import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { TOKEN_BUDGET_MAX } from '@chat/contract';
import type { QuotasView, TokenBudget, UsageGroupBy, UsageReport, UserAdminView, UserRole } from '@chat/contract';
import { AdminApi, describeApiError, UsersApi } from '@chat/web-data-access';
import { SparklineComponent } from '@chat/web-ui';
import { BehaviorSubject, catchError, map, Observable, of, switchMap, timer } from 'rxjs';

const USAGE_EVERY_MS = 60_000;

type UsageLoad = { report: UsageReport; error: null } | { report: null; error: string };
type QuotasLoad = { view: QuotasView; error: null } | { view: null; error: string };

/** An input's text as a budget: empty is unlimited (null); otherwise a whole number of tokens. */
export function parseBudget(text: string): number | null | 'invalid' {
  const trimmed = text.trim().replace(/[\s,_]/g, '');
  if (trimmed === '') return null;
  if (!/^\d+$/.test(trimmed)) return 'invalid';
  const value = Number(trimmed);
  return value <= TOKEN_BUDGET_MAX ? value : 'invalid';
}

/** Assistant usage (last 30 days) and the token budgets per role and per user, which an admin edits here. */
@Component({
  selector: 'chat-admin-usage',
  imports: [SparklineComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './admin-usage.component.html',
  styleUrls: ['../admin-page.css', './admin-usage.component.css'],
})
export class AdminUsageComponent {
  private readonly api = inject(AdminApi);
  private readonly usersApi = inject(UsersApi);

  protected readonly groupBy = signal<UsageGroupBy>('user');
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

  private readonly reloadQuotas = new BehaviorSubject<void>(undefined);
  protected readonly quotas = toSignal(
    this.reloadQuotas.pipe(
      switchMap(() =>
        this.api.quotas().pipe(
          map((view): QuotasLoad => ({ view, error: null })),
          catchError((error: unknown) => of<QuotasLoad>({ view: null, error: describeApiError(error) })),
        ),
      ),
    ),
  );
  protected readonly users = toSignal(this.usersApi.list().pipe(catchError(() => of<UserAdminView[]>([]))), { initialValue: [] });
  /** Users without a budget of their own, for "add". */
  protected readonly usersWithoutOwn = computed(() => {
    const own = new Set((this.quotas()?.view?.users ?? []).map((u) => u.userId));
    return this.users().filter((u) => !own.has(u.id));
  });

  /** The row being saved (`role:staff`, `user:<id>`, `new`), its outcome, per row. */
  protected readonly busy = signal<string | null>(null);
  protected readonly notice = signal<{ row: string; text: string; error: boolean } | null>(null);

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

  protected setGroupBy(event: Event): void {
    this.groupBy.set((event.target as HTMLSelectElement).value as UsageGroupBy);
  }

  protected budgetText(value: number | null): string {
    return value === null ? '' : String(value);
  }

  protected saveRole(role: UserRole, daily: string, monthly: string): void {
    const budget = this.budget(`role:${role}`, daily, monthly);
    if (budget) this.save(`role:${role}`, this.api.putRoleQuota(role, budget), `Saved the ${role} budget.`);
  }

  protected saveUser(userId: string, daily: string, monthly: string, row = `user:${userId}`): void {
    if (!userId) {
      this.notice.set({ row, text: 'Choose a user.', error: true });
      return;
    }
    const budget = this.budget(row, daily, monthly);
    if (budget) this.save(row, this.api.putUserQuota(userId, budget), 'Saved.');
  }

  protected removeUser(userId: string): void {
    this.save(`user:${userId}`, this.api.removeUserQuota(userId), "Back to the role's budget.");
  }

  private budget(row: string, daily: string, monthly: string): TokenBudget | null {
    const dailyTokens = parseBudget(daily);
    const monthlyTokens = parseBudget(monthly);
    if (dailyTokens === 'invalid' || monthlyTokens === 'invalid') {
      this.notice.set({ row, text: 'A budget is a whole number of tokens, or empty for unlimited.', error: true });
      return null;
    }
    return { dailyTokens, monthlyTokens };
  }

  private save(row: string, request: Observable<unknown>, done: string): void {
    this.busy.set(row);
    this.notice.set(null);
    request.subscribe({
      next: () => {
        this.busy.set(null);
        this.notice.set({ row, text: done, error: false });
        this.reloadQuotas.next();
      },
      error: (error: unknown) => {
        this.busy.set(null);
        this.notice.set({ row, text: describeApiError(error), error: true });
      },
    });
  }
}
