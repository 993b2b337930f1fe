import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type {
  AdminStats,
  AuditAction,
  AuditPage,
  CreateUserRequest,
  QuotasView,
  RoleQuota,
  TokenBudget,
  UpdateUserRequest,
  UsageGroupBy,
  UsageReport,
  UserAdminView,
  UserQuota,
  UserRole, UserDirectoryEntry } from '@chat/contract';
import { catchError, map, Observable, of } from 'rxjs';
import { CHAT_CONFIG } from '../config';
import { apiUrl } from './api-url';

/** GET /health/ready, reduced: `ready` plus each check's status (terminus' `details`). */
export interface HealthStatus {
  ready: boolean;
  checks: { name: string; status: string; message?: string }[];
  checkedAt: string;
  /** The request itself failed (server unreachable). */
  unreachable?: boolean;
}

interface TerminusBody {
  status?: string;
  details?: Record<string, { status?: string; message?: string }>;
}

function toHealth(body: TerminusBody | null, ready: boolean): HealthStatus {
  const checks = Object.entries(body?.details ?? {}).map(([name, detail]) => ({ name, status: detail.status ?? 'unknown', message: detail.message }));
  return { ready, checks, checkedAt: new Date().toISOString() };
}

/** The audit page's filters; empty strings are left out. `from`/`to` are ISO timestamps. */
export interface AuditFilter {
  action?: AuditAction | '';
  actorId?: string;
  roomId?: string;
  from?: string;
  to?: string;
}

@Injectable({ providedIn: 'root' })
export class AdminApi {
  private readonly http = inject(HttpClient);
  private readonly url = apiUrl();
  private readonly base = inject(CHAT_CONFIG).apiBaseUrl;

  stats(): Observable<AdminStats> {
    return this.http.get<AdminStats>(this.url('admin/stats'));
  }

  usage(groupBy: UsageGroupBy, from?: string): Observable<UsageReport> {
    const params: Record<string, string> = { groupBy };
    if (from) params['from'] = from;
    return this.http.get<UsageReport>(this.url('admin/usage'), { params });
  }

  /** Newest first; `before` is the last entry id of the previous page. */
  audit(filter: AuditFilter, before?: string): Observable<AuditPage> {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(filter)) if (value) params[key] = value;
    if (before) params['before'] = before;
    return this.http.get<AuditPage>(this.url('admin/audit'), { params });
  }

  quotas(): Observable<QuotasView> {
    return this.http.get<QuotasView>(this.url('admin/quotas'));
  }

  putRoleQuota(role: UserRole, budget: TokenBudget): Observable<RoleQuota> {
    return this.http.put<RoleQuota>(this.url(`admin/quotas/roles/${encodeURIComponent(role)}`), budget);
  }

  putUserQuota(userId: string, budget: TokenBudget): Observable<UserQuota> {
    return this.http.put<UserQuota>(this.url(`admin/quotas/users/${encodeURIComponent(userId)}`), budget);
  }

  removeUserQuota(userId: string): Observable<void> {
    return this.http.delete<void>(this.url(`admin/quotas/users/${encodeURIComponent(userId)}`));
  }

  /** Never errors: a 503 is a "not ready" answer, and no answer at all is "unreachable". */
  health(): Observable<HealthStatus> {
    return this.http.get<TerminusBody>(`${this.base}/health/ready`).pipe(
      map((body) => toHealth(body, true)),
      catchError((error: unknown) => {
        if (error instanceof HttpErrorResponse && error.status === 503) return of(toHealth(error.error as TerminusBody, false));
        return of({ ready: false, checks: [], checkedAt: new Date().toISOString(), unreachable: true });
      }),
    );
  }
}

@Injectable({ providedIn: 'root' })
export class UsersApi {
  private readonly http = inject(HttpClient);
  private readonly url = apiUrl();

  list(): Observable<UserAdminView[]> {
    return this.http.get<UserAdminView[]>(this.url('users'));
  }

  /** Every signed-in person may read it: enabled people, no service accounts. */
  directory(): Observable<UserDirectoryEntry[]> {
    return this.http.get<UserDirectoryEntry[]>(this.url('users/directory'));
  }

  create(request: CreateUserRequest): Observable<UserAdminView> {
    return this.http.post<UserAdminView>(this.url('users'), request);
  }

  update(id: string, request: UpdateUserRequest): Observable<UserAdminView> {
    return this.http.patch<UserAdminView>(this.url(`users/${encodeURIComponent(id)}`), request);
  }
}
