import { ChangeDetectionStrategy, Component, computed, inject, input, output, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { CHAT_CONFIG, ChatRealtimeService, describeApiError } from '@chat/web-data-access';
import { ComposerComponent, ComposerSubmit, MessageEdit, MessageListComponent, MessageListUser, MessageReact } from '@chat/web-ui';
import type { TimelineEntry } from '@chat/web-util';
import { catchError, combineLatest, EMPTY, map, switchMap, tap } from 'rxjs';

/**
 * One thread beside the room: its root, its replies (loaded by REST, then live as new_message with
 * the thread's id) and a composer that replies in it.
 */
@Component({
  selector: 'chat-thread-panel',
  imports: [MessageListComponent, ComposerComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="thread" data-testid="thread-panel" aria-labelledby="thread-title">
      <header class="head">
        <h2 id="thread-title">Thread <span class="count">· {{ replyCount() }} {{ replyCount() === 1 ? 'reply' : 'replies' }}</span></h2>
        <button type="button" class="small" data-testid="thread-close" aria-label="Close the thread" (click)="closed.emit()">✕</button>
      </header>
      @if (error(); as message) {
        <p class="error" role="alert">{{ message }}</p>
      } @else if (!loaded()) {
        <p class="loading">Loading the thread…</p>
      }
      <chat-message-list
        [roomId]="roomId() + ':' + rootId()"
        [entries]="entries()"
        [me]="me()"
        [inThread]="true"
        [canStopAny]="canManage()"
        [canDeleteAny]="canManage()"
        [people]="people()"
        [highlightId]="highlightId()"
        (edit)="edit.emit($event)"
        (remove)="remove.emit($event)"
        (react)="react.emit($event)"
        (stop)="stop.emit($event)"
      />
      <div class="composer-area">
        <chat-composer
          inputId="thread-composer-input"
          label="Reply in thread"
          placeholder="Reply in thread…"
          [maxLength]="maxLength"
          [aiAvailable]="aiAvailable()"
          (send)="send($event)"
        />
      </div>
    </section>
  `,
  styles: `
    :host { display: flex; flex-direction: column; min-height: 0; height: 100%; }
    .thread { display: flex; flex-direction: column; min-height: 0; flex: 1; }
    .head { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem; padding: 0.5rem 0.75rem; border-bottom: 1px solid var(--c-border); min-height: 3rem; box-sizing: border-box; }
    h2 { font-size: 0.95rem; margin: 0; }
    .count { font-weight: normal; color: var(--c-text-muted); }
    .loading { color: var(--c-text-muted); margin: 0.5rem 0.75rem; font-size: 0.85rem; }
    .error { color: var(--c-danger); margin: 0.5rem 0.75rem; font-size: 0.85rem; }
    chat-message-list { flex: 1 1 auto; min-height: 0; }
    .composer-area { padding: 0.5rem 0.75rem 0.75rem; border-top: 1px solid var(--c-border); }
  `,
})
export class ThreadPanelComponent {
  private readonly realtime = inject(ChatRealtimeService);
  protected readonly maxLength = inject(CHAT_CONFIG).messageMaxLength;

  readonly roomId = input.required<string>();
  readonly rootId = input.required<string>();
  readonly me = input<MessageListUser | null>(null);
  readonly canManage = input(false);
  readonly aiAvailable = input(true);
  readonly people = input<Readonly<Record<string, string>>>({});
  readonly highlightId = input<string | null>(null);

  readonly closed = output<void>();
  readonly edit = output<MessageEdit>();
  readonly remove = output<string>();
  readonly react = output<MessageReact>();
  readonly stop = output<string>();

  protected readonly error = signal<string | null>(null);
  private readonly ids$ = combineLatest([toObservable(this.roomId), toObservable(this.rootId)]);
  /** The thread's page loads whenever the thread changes; replies then arrive live. */
  protected readonly loaded = toSignal(
    this.ids$.pipe(
      tap(() => this.error.set(null)),
      switchMap(([roomId, rootId]) =>
        this.realtime.loadThread(roomId, rootId).pipe(
          map(() => true),
          catchError((error: unknown) => {
            this.error.set(describeApiError(error));
            return EMPTY;
          }),
        ),
      ),
    ),
  );
  private readonly root = toSignal(
    this.ids$.pipe(switchMap(([roomId, rootId]) => this.realtime.messages$(roomId).pipe(map((messages) => messages.find((m) => m.id === rootId) ?? null)))),
  );
  private readonly replies = toSignal(this.ids$.pipe(switchMap(([roomId, rootId]) => this.realtime.thread$(roomId, rootId))), { initialValue: [] });

  protected readonly entries = computed<TimelineEntry[]>(() => {
    const root = this.root();
    return root ? [{ kind: 'message', key: root.id, message: root }, ...this.replies()] : this.replies();
  });
  protected readonly replyCount = computed(() => Math.max(this.root()?.replyCount ?? 0, this.replies().filter((e) => e.kind === 'message').length));

  protected send(message: ComposerSubmit): void {
    this.realtime.send(this.roomId(), message.content, { useAi: message.useAi, threadId: this.rootId() });
  }
}
