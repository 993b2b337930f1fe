import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { API_KEY_SCOPES } from '@chat/contract';
import type { ApiKeyScope, ApiKeyView } from '@chat/contract';
import { ApiKeysApi, describeApiError, SessionStore } from '@chat/web-data-access';
import { BehaviorSubject, catchError, map, of, switchMap } from 'rxjs';

type KeysLoad = { keys: ApiKeyView[]; error: null } | { keys: null; error: string };

/** The signed-in user's API keys: create (the key is shown once), see when each was last used, revoke. */
@Component({
  selector: 'chat-api-keys',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './api-keys.component.html',
  // The users page's list and form look, plus what keys need.
  styleUrls: ['../users/admin-users.component.css', './api-keys.component.css'],
})
export class ApiKeysComponent {
  private readonly api = inject(ApiKeysApi);
  private readonly me = inject(SessionStore).user;
  /** admin:read only for admins: the server would refuse it anyway. */
  protected readonly scopes = computed(() => API_KEY_SCOPES.filter((scope) => scope !== 'admin:read' || this.me()?.role === 'admin'));

  private readonly reload = new BehaviorSubject<void>(undefined);
  protected readonly load = toSignal(
    this.reload.pipe(
      switchMap(() =>
        this.api.list().pipe(
          map((keys): KeysLoad => ({ keys, error: null })),
          catchError((error: unknown) => of<KeysLoad>({ keys: null, error: describeApiError(error) })),
        ),
      ),
    ),
  );

  protected form = { name: '', rooms: '', expiresAt: '', scopes: new Set<ApiKeyScope>(['messages:read']) };
  protected readonly creating = signal(false);
  protected readonly createError = signal<string | null>(null);
  /** The new key, shown until the page is left: it cannot be read again. */
  protected readonly created = signal<{ name: string; key: string } | null>(null);
  protected readonly rowError = signal<{ id: string; message: string } | null>(null);

  protected toggleScope(scope: ApiKeyScope, checked: boolean): void {
    if (checked) this.form.scopes.add(scope);
    else this.form.scopes.delete(scope);
  }

  protected create(): void {
    const roomIds = this.form.rooms.split(',').map((r) => r.trim()).filter(Boolean);
    if (!this.form.name.trim() || this.form.scopes.size === 0) {
      this.createError.set('A name and at least one scope are needed.');
      return;
    }
    this.creating.set(true);
    this.createError.set(null);
    this.api
      .create({
        name: this.form.name.trim(),
        scopes: [...this.form.scopes],
        ...(roomIds.length > 0 ? { roomIds } : {}),
        ...(this.form.expiresAt ? { expiresAt: new Date(this.form.expiresAt).toISOString() } : {}),
      })
      .subscribe({
        next: (key) => {
          this.creating.set(false);
          this.created.set({ name: key.name, key: key.key });
          this.form = { name: '', rooms: '', expiresAt: '', scopes: new Set<ApiKeyScope>(['messages:read']) };
          this.reload.next();
        },
        error: (error: unknown) => {
          this.creating.set(false);
          this.createError.set(describeApiError(error));
        },
      });
  }

  protected revoke(key: ApiKeyView): void {
    this.rowError.set(null);
    this.api.revoke(key.id).subscribe({
      next: () => this.reload.next(),
      error: (error: unknown) => this.rowError.set({ id: key.id, message: describeApiError(error) }),
    });
  }

  protected when(iso: string | null): string {
    return iso ? new Date(iso).toLocaleString() : 'never';
  }
}
