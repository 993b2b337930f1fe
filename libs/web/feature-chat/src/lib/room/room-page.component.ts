import { ChangeDetectionStrategy, Component, computed, DOCUMENT, effect, inject, input, signal, untracked } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { ErrorCode } from '@chat/contract';
import { CHAT_CONFIG, ChatRealtimeService, ChatRequestError, DisconnectedError, RoomMembersStore, RoomsStore, SessionStore } from '@chat/web-data-access';
import { ComposerComponent, ComposerSubmit, MessageEdit, MessageListComponent, MessageReact, TypingIndicatorComponent } from '@chat/web-ui';
import { map, Observable, switchMap, take } from 'rxjs';
import { MembersPanelComponent } from '../members/members-panel.component';
import { RoomSettingsComponent } from './room-settings.component';
import { ThreadPanelComponent } from './thread-panel.component';

/** One room at /rooms/:roomId: its messages, who is typing, the composer and the members. */
@Component({
  selector: 'chat-room-page',
  imports: [RouterLink, MessageListComponent, TypingIndicatorComponent, ComposerComponent, MembersPanelComponent, RoomSettingsComponent, ThreadPanelComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './room-page.component.html',
  styleUrl: './room-page.component.css',
})
export class RoomPageComponent {
  private readonly realtime = inject(ChatRealtimeService);
  private readonly rooms = inject(RoomsStore);
  private readonly session = inject(SessionStore);
  private readonly members = inject(RoomMembersStore);
  protected readonly maxLength = inject(CHAT_CONFIG).messageMaxLength;

  /** From the route (component input binding). */
  readonly roomId = input.required<string>();
  /** `?around=<seq>&highlight=<messageId>`: a search hit to show in its context. */
  readonly around = input<string | undefined>(undefined);
  readonly highlight = input<string | undefined>(undefined);
  /** `?thread=<rootId>`: open that thread beside the room. */
  readonly thread = input<string | undefined>(undefined);

  private readonly roomId$ = toObservable(this.roomId);
  protected readonly state = toSignal(this.roomId$.pipe(switchMap((id) => this.realtime.room$(id))));
  protected readonly timeline = toSignal(this.roomId$.pipe(switchMap((id) => this.realtime.timeline$(id))), { initialValue: [] });
  private readonly roomList = toSignal(this.rooms.rooms$, { initialValue: [] });
  /** The read position as the room opened, for the "new messages" divider (the live one moves as the reader reads). */
  protected readonly readWhenOpened = toSignal(this.roomId$.pipe(switchMap((id) => this.rooms.readPosition$(id).pipe(take(1)))), { initialValue: null });
  /** Display names by user id, for who reacted. */
  protected readonly people = toSignal(
    this.roomId$.pipe(
      switchMap((id) => this.members.members$(id)),
      map((load) => Object.fromEntries((load.members ?? []).map((m) => [m.userId, m.displayName]))),
    ),
    { initialValue: {} as Record<string, string> },
  );
  protected readonly threadId = signal<string | null>(null);
  protected readonly actionError = signal<string | null>(null);

  protected readonly room = computed(() => this.roomList().find((r) => r.id === this.roomId()) ?? null);
  protected readonly title = computed(() => this.room()?.name ?? this.roomId());
  protected readonly me = computed(() => {
    const user = this.session.user();
    return user ? { id: user.id, username: user.username, displayName: user.displayName } : null;
  });
  /** Owners and admins: stop any reply, delete any message, invite and remove people, change the settings. */
  protected readonly canManage = computed(() => this.session.isAdmin() || this.room()?.myRole === 'owner');
  protected readonly canStopAny = this.canManage;
  protected readonly showSettings = signal(false);
  protected readonly typingNames = computed(() => {
    const state = this.state();
    if (!state) return [];
    return state.typing.map((u) => u.displayName);
  });
  protected readonly error = computed(() => {
    const e = this.state()?.error;
    if (!e) return null;
    if (e.code === ErrorCode.ROOM_NOT_FOUND || e.code === ErrorCode.NOT_FOUND) return 'This room does not exist (or no longer does).';
    if (e.code === ErrorCode.FORBIDDEN) return e.message || 'This room is private: ask its owner to invite you.';
    return e.message;
  });
  /** Beside the conversation on wide screens from the start; over it, on demand, on narrow ones. */
  protected readonly showMembers = signal(inject(DOCUMENT).defaultView?.matchMedia?.('(min-width: 1100px)').matches ?? false);

  constructor() {
    effect(() => {
      const roomId = this.roomId();
      const around = Number(this.around());
      const thread = this.thread();
      untracked(() => {
        this.threadId.set(thread ?? null);
        this.actionError.set(null);
        if (Number.isInteger(around) && around > 0) {
          this.realtime.openAround(roomId, around).subscribe({ error: (error: unknown) => this.showError(error) });
        } else {
          this.realtime.open(roomId);
        }
      });
    });
  }

  protected onEdit(change: MessageEdit): void {
    this.run(this.realtime.editMessage(change.messageId, change.content));
  }

  protected onRemove(messageId: string): void {
    this.run(this.realtime.deleteMessage(messageId));
    if (this.threadId() === messageId) this.threadId.set(null);
  }

  protected onReact(change: MessageReact): void {
    this.run(this.realtime.react(change.messageId, change.emoji, change.on));
  }

  protected jumpToLatest(): void {
    this.realtime.jumpToLatest(this.roomId());
  }

  private run(request: Observable<unknown>): void {
    this.actionError.set(null);
    request.subscribe({ error: (error: unknown) => this.showError(error) });
  }

  private showError(error: unknown): void {
    if (error instanceof DisconnectedError) this.actionError.set('You are offline: try again once the connection is back.');
    else if (error instanceof ChatRequestError) this.actionError.set(error.message);
    else this.actionError.set(error instanceof Error ? error.message : 'That did not work.');
  }

  protected onSend(message: ComposerSubmit): void {
    this.realtime.send(this.roomId(), message.content, { useAi: message.useAi });
  }

  protected onTyping(active: boolean): void {
    this.realtime.typing(this.roomId(), active);
  }

  protected onRead(seq: number): void {
    // The server counts thread replies as unread too; the bottom of the room covers the replies before it.
    const state = this.state();
    const newest = state && !state.newerMissing ? state.latestSeq : seq;
    this.rooms.markRead(this.roomId(), Math.max(seq, newest));
  }

  protected loadOlder(): void {
    this.realtime.loadOlder(this.roomId());
  }

  protected retry(clientMessageId: string): void {
    this.realtime.retry(this.roomId(), clientMessageId);
  }

  protected discard(clientMessageId: string): void {
    this.realtime.discard(this.roomId(), clientMessageId);
  }

  protected stop(messageId: string): void {
    this.realtime.cancelAi(messageId);
  }

  protected retryOpen(): void {
    this.realtime.open(this.roomId());
  }
}
