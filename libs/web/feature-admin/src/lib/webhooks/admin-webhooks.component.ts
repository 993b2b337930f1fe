import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { WEBHOOK_EVENTS } from '@chat/contract';
import type { WebhookDeliveryView, WebhookEvent, WebhookView } from '@chat/contract';
import { describeApiError, WebhooksApi } from '@chat/web-data-access';
import { BehaviorSubject, catchError, map, Observable, of, switchMap } from 'rxjs';

type HooksLoad = { hooks: WebhookView[]; error: null } | { hooks: null; error: string };

/** Admins' webhooks: create (the secret is shown once), recent deliveries, the disabled state and re-enabling. */
@Component({
  selector: 'chat-admin-webhooks',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './admin-webhooks.component.html',
  styleUrls: ['../users/admin-users.component.css', '../api-keys/api-keys.component.css'],
})
export class AdminWebhooksComponent {
  private readonly api = inject(WebhooksApi);
  protected readonly events = WEBHOOK_EVENTS;

  private readonly reload = new BehaviorSubject<void>(undefined);
  protected readonly load = toSignal(
    this.reload.pipe(
      switchMap(() =>
        this.api.list().pipe(
          map((hooks): HooksLoad => ({ hooks, error: null })),
          catchError((error: unknown) => of<HooksLoad>({ hooks: null, error: describeApiError(error) })),
        ),
      ),
    ),
  );

  protected form = { url: '', roomId: '', events: new Set<WebhookEvent>(['message.created']) };
  protected readonly creating = signal(false);
  protected readonly createError = signal<string | null>(null);
  protected readonly created = signal<{ url: string; secret: string } | null>(null);
  protected readonly rowError = signal<{ id: string; message: string } | null>(null);
  /** The hook whose deliveries are open, and those deliveries. */
  protected readonly openId = signal<string | null>(null);
  protected readonly deliveries = signal<WebhookDeliveryView[] | null>(null);

  protected toggleEvent(event: WebhookEvent, checked: boolean): void {
    if (checked) this.form.events.add(event);
    else this.form.events.delete(event);
  }

  protected create(): void {
    if (!this.form.url.trim() || this.form.events.size === 0) {
      this.createError.set('A URL and at least one event are needed.');
      return;
    }
    this.creating.set(true);
    this.createError.set(null);
    const roomId = this.form.roomId.trim();
    this.api.create({ url: this.form.url.trim(), events: [...this.form.events], ...(roomId ? { roomId } : {}) }).subscribe({
      next: (hook) => {
        this.creating.set(false);
        this.created.set({ url: hook.url, secret: hook.secret });
        this.form = { url: '', roomId: '', events: new Set<WebhookEvent>(['message.created']) };
        this.reload.next();
      },
      error: (error: unknown) => {
        this.creating.set(false);
        this.createError.set(describeApiError(error));
      },
    });
  }

  protected enable(hook: WebhookView): void {
    this.act(hook, this.api.update(hook.id, { enabled: true }));
  }

  protected test(hook: WebhookView): void {
    this.act(hook, this.api.test(hook.id));
  }

  protected remove(hook: WebhookView): void {
    this.act(hook, this.api.remove(hook.id));
  }

  protected showDeliveries(hook: WebhookView): void {
    if (this.openId() === hook.id) {
      this.openId.set(null);
      return;
    }
    this.openId.set(hook.id);
    this.deliveries.set(null);
    this.api.deliveries(hook.id).subscribe({
      next: (list) => this.deliveries.set(list),
      error: (error: unknown) => this.rowError.set({ id: hook.id, message: describeApiError(error) }),
    });
  }

  protected when(iso: string | null): string {
    return iso ? new Date(iso).toLocaleString() : '—';
  }

  private act(hook: WebhookView, request: Observable<unknown>): void {
    this.rowError.set(null);
    request.subscribe({
      next: () => this.reload.next(),
      error: (error: unknown) => this.rowError.set({ id: hook.id, message: describeApiError(error) }),
    });
  }
}
