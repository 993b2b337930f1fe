import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { PASSWORD_MIN_LENGTH } from '@chat/contract';
import type { UpdateUserRequest, UserAdminView, UserRole } from '@chat/contract';
import { describeApiError, SessionStore, UsersApi } from '@chat/web-data-access';
import { BehaviorSubject, catchError, map, of, switchMap } from 'rxjs';

type UsersLoad = { users: UserAdminView[]; error: null } | { users: null; error: string };

@Component({
  selector: 'chat-admin-users',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './admin-users.component.html',
  styleUrl: './admin-users.component.css',
})
export class AdminUsersComponent {
  private readonly api = inject(UsersApi);
  protected readonly me = inject(SessionStore).user;
  protected readonly passwordMinLength = PASSWORD_MIN_LENGTH;

  private readonly reload = new BehaviorSubject<void>(undefined);
  protected readonly load = toSignal(
    this.reload.pipe(
      switchMap(() =>
        this.api.list().pipe(
          map((users): UsersLoad => ({ users, error: null })),
          catchError((error: unknown) => of<UsersLoad>({ users: null, error: describeApiError(error) })),
        ),
      ),
    ),
  );
  protected readonly users = computed(() => [...(this.load()?.users ?? [])].sort((a, b) => a.username.localeCompare(b.username)));

  protected form = { username: '', displayName: '', password: '', role: 'staff' as UserRole };
  protected readonly creating = signal(false);
  protected readonly createError = signal<string | null>(null);
  protected readonly createdName = signal<string | null>(null);
  /** Row being saved, and a row's last error. */
  protected readonly busyId = signal<string | null>(null);
  protected readonly rowError = signal<{ id: string; message: string } | null>(null);

  protected create(): void {
    const { username, displayName, password, role } = this.form;
    // A service account has no password: it acts through API keys.
    const service = role === 'service';
    if (!username.trim() || !displayName.trim() || (!service && password.length < 8)) {
      this.createError.set('Username, display name and a password of at least 8 characters are needed.');
      return;
    }
    this.creating.set(true);
    this.createError.set(null);
    this.api.create({ username: username.trim(), displayName: displayName.trim(), ...(service ? {} : { password }), role }).subscribe({
      next: (user) => {
        this.creating.set(false);
        this.createdName.set(user.username);
        this.form = { username: '', displayName: '', password: '', role: 'staff' };
        this.reload.next();
      },
      error: (error: unknown) => {
        this.creating.set(false);
        this.createError.set(describeApiError(error));
      },
    });
  }

  protected setRole(user: UserAdminView, event: Event): void {
    const role = (event.target as HTMLSelectElement).value as UserRole;
    if (role !== user.role) this.update(user, { role });
  }

  protected toggleDisabled(user: UserAdminView): void {
    this.update(user, { disabled: !user.disabled });
  }

  private update(user: UserAdminView, change: UpdateUserRequest): void {
    this.busyId.set(user.id);
    this.rowError.set(null);
    this.api.update(user.id, change).subscribe({
      next: () => {
        this.busyId.set(null);
        this.reload.next();
      },
      error: (error: unknown) => {
        this.busyId.set(null);
        this.rowError.set({ id: user.id, message: describeApiError(error) });
        this.reload.next();
      },
    });
  }
}
