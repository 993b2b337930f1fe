import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { AUDIT_ACTIONS } from '@chat/contract';
import type { AuditAction, AuditEntry, UserAdminView } from '@chat/contract';
import { AdminApi, AuditFilter, describeApiError, UsersApi } from '@chat/web-data-access';
import { catchError, map, of, scan, startWith, Subject, switchMap } from 'rxjs';

interface AuditState {
  entries: AuditEntry[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
}

type Load = { kind: 'reset'; filter: AuditFilter } | { kind: 'more'; filter: AuditFilter; before: string };
type Loaded = { kind: 'reset' | 'more'; entries: AuditEntry[]; hasMore: boolean } | { kind: 'error'; error: string } | { kind: 'loading' };

const EMPTY: AuditState = { entries: [], hasMore: false, loading: true, error: null };

/** A date input's value (local day) as the ISO start of that day, or undefined. */
function dayStart(value: string, plusDays = 0): string | undefined {
  if (!value) return undefined;
  const day = new Date(`${value}T00:00:00`);
  day.setDate(day.getDate() + plusDays);
  return day.toISOString();
}

/** Who did what: newest first, filtered, older pages on demand. */
@Component({
  selector: 'chat-admin-audit',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './admin-audit.component.html',
  styleUrl: './admin-audit.component.css',
})
export class AdminAuditComponent {
  private readonly api = inject(AdminApi);
  protected readonly actions = AUDIT_ACTIONS;
  protected readonly users = toSignal(inject(UsersApi).list().pipe(catchError(() => of<UserAdminView[]>([]))), { initialValue: [] });
  protected readonly filter = signal<AuditFilter>({});

  private readonly loads = new Subject<Load>();
  /**
   * switchMap: a new filter (or another click on "older") drops the answer still on its way, so a
   * stale page never lands after a newer one. "Older" pages append; a new filter replaces the list.
   */
  protected readonly state = toSignal(
    this.loads.pipe(
      startWith<Load>({ kind: 'reset', filter: {} }),
      switchMap((load) => {
        const page = this.api.audit(load.filter, load.kind === 'more' ? load.before : undefined).pipe(
          map((answer): Loaded => ({ kind: load.kind, ...answer })),
          catchError((error: unknown) => of<Loaded>({ kind: 'error', error: describeApiError(error) })),
        );
        return load.kind === 'reset' ? page.pipe(startWith<Loaded>({ kind: 'loading' })) : page;
      }),
      scan<Loaded, AuditState>((state, loaded) => {
        switch (loaded.kind) {
          case 'loading':
            return { ...state, entries: [], loading: true, error: null };
          case 'error':
            return { ...state, loading: false, error: loaded.error };
          case 'reset':
            return { entries: loaded.entries, hasMore: loaded.hasMore, loading: false, error: null };
          case 'more':
            return { entries: [...state.entries, ...loaded.entries], hasMore: loaded.hasMore, loading: false, error: null };
        }
      }, EMPTY),
    ),
    { initialValue: EMPTY },
  );

  protected apply(action: string, actorId: string, roomId: string, from: string, to: string): void {
    const filter: AuditFilter = {
      action: action as AuditAction | '',
      actorId,
      roomId: roomId.trim(),
      from: dayStart(from),
      // The "to" day is included: the server's `to` is exclusive.
      to: dayStart(to, 1),
    };
    this.filter.set(filter);
    this.loads.next({ kind: 'reset', filter });
  }

  protected older(): void {
    const last = this.state().entries.at(-1);
    if (last) this.loads.next({ kind: 'more', filter: this.filter(), before: last.id });
  }

  protected when(iso: string): string {
    return new Date(iso).toLocaleString();
  }

  protected target(entry: AuditEntry): string {
    return entry.targetType ? `${entry.targetType} ${entry.targetId ?? ''}` : '';
  }

  protected details(entry: AuditEntry): string {
    return Object.keys(entry.details).length ? JSON.stringify(entry.details) : '';
  }
}
