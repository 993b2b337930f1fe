import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { ChatRealtimeService, describeApiError, InviteCandidate, RoomMembersStore } from '@chat/web-data-access';
import { catchError, map, Observable, of, switchMap } from 'rxjs';

/** Matches shown under the invite field at most. */
const INVITE_MATCHES_MAX = 8;

/**
 * The room's members, online ones first. The list comes from REST; who is online follows the
 * room's live presence (joined_room, user_joined, user_left). Owners and admins invite and remove
 * people here.
 */
@Component({
  selector: 'chat-members-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="panel" data-testid="members-panel" aria-labelledby="members-title">
      <div class="head">
        <h2 id="members-title">Members <span class="count">· {{ onlineCount() }} online</span></h2>
        @if (canManage()) {
          <button type="button" class="small" data-testid="invite-toggle" aria-controls="invite-box" [attr.aria-expanded]="inviting()" (click)="toggleInvite()">
            {{ inviting() ? 'Done' : '+ Invite' }}
          </button>
        }
      </div>
      @if (inviting()) {
        <div id="invite-box" class="invite" data-testid="invite-box">
          <label for="invite-query">Invite someone</label>
          <input
            id="invite-query"
            type="search"
            autocomplete="off"
            placeholder="Name or username"
            [value]="query()"
            (input)="query.set($any($event.target).value)"
          />
          @if (candidates(); as list) {
            @if (list.error) {
              <p class="muted" role="alert">{{ list.error }}</p>
            } @else {
              <ul class="matches" aria-label="People you can invite">
                @for (c of matches(); track c.userId) {
                  <li>
                    <span class="who">
                      <span class="name">{{ c.displayName }}</span>
                      <span class="username">&#64;{{ c.username }}</span>
                    </span>
                    <button type="button" class="small" [disabled]="busy() === c.userId" [attr.aria-label]="'Invite ' + c.displayName" (click)="invite(c)">Invite</button>
                  </li>
                } @empty {
                  <li class="muted">{{ query() ? 'Nobody by that name who is not already here.' : 'Everyone you know is already here.' }}</li>
                }
              </ul>
            }
          } @else {
            <p class="muted">Loading people…</p>
          }
        </div>
      }
      @if (actionError(); as message) {
        <p class="error" role="alert">{{ message }}</p>
      }
      @if (load(); as state) {
        @if (state.error) {
          <p class="muted" role="alert">{{ state.error }}</p>
        } @else {
          <ul class="list">
            @for (m of sorted(); track m.userId) {
              <li data-testid="member-item" [attr.data-user-id]="m.userId" [attr.data-online]="m.online">
                <span class="dot" [class.on]="m.online" aria-hidden="true"></span>
                <span class="who">
                  <span class="name">{{ m.displayName }}</span>
                  <span class="username">&#64;{{ m.username }}{{ m.role === 'owner' ? ' · owner' : '' }}</span>
                </span>
                <span class="visually-hidden">{{ m.online ? 'online' : 'offline' }}</span>
                @if (canManage() && m.userId !== myId()) {
                  @if (confirming() === m.userId) {
                    <span class="confirm">
                      <button type="button" class="small danger" [disabled]="busy() === m.userId" [attr.aria-label]="'Confirm removing ' + m.displayName" (click)="remove(m.userId)">Remove</button>
                      <button type="button" class="small" (click)="confirming.set(null)">Keep</button>
                    </span>
                  } @else {
                    <button type="button" class="small ghost" [attr.aria-label]="'Remove ' + m.displayName + ' from the room'" (click)="confirming.set(m.userId)">
                      <span aria-hidden="true">✕</span>
                    </button>
                  }
                }
              </li>
            }
          </ul>
        }
      } @else {
        <p class="muted">Loading members…</p>
      }
    </section>
  `,
  styles: `
    .panel { padding: 0.75rem; display: flex; flex-direction: column; gap: 0.5rem; }
    .head { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem; }
    h2 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--c-text-muted); margin: 0; }
    .count { text-transform: none; letter-spacing: 0; }
    ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 0.4rem; }
    li { display: flex; align-items: center; gap: 0.5rem; min-width: 0; }
    .dot { width: 0.55rem; height: 0.55rem; border-radius: 50%; border: 2px solid var(--c-text-muted); flex: none; box-sizing: border-box; }
    .dot.on { background: var(--c-success); border-color: var(--c-success); }
    .who { display: flex; flex-direction: column; min-width: 0; flex: 1; }
    .name { font-size: 0.9rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .username { font-size: 0.75rem; color: var(--c-text-muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .muted { color: var(--c-text-muted); font-size: 0.85rem; margin: 0; }
    .error { color: var(--c-danger); font-size: 0.85rem; margin: 0; }
    .invite { display: flex; flex-direction: column; gap: 0.35rem; padding: 0.5rem; border: 1px solid var(--c-border); border-radius: 8px; background: var(--c-surface); }
    .invite label { font-size: 0.8rem; font-weight: 600; }
    .invite input { font: inherit; padding: 0.35rem 0.5rem; border-radius: 6px; border: 1px solid var(--c-border-strong); background: var(--c-input-bg); color: var(--c-text); min-width: 0; }
    .matches { max-height: 14rem; overflow-y: auto; }
    .ghost { border-color: transparent; background: none; color: var(--c-text-muted); padding: 0.15rem 0.4rem; }
    .ghost:hover:not(:disabled) { color: var(--c-danger); }
    .confirm { display: inline-flex; gap: 0.25rem; flex: none; }
  `,
})
export class MembersPanelComponent {
  private readonly members = inject(RoomMembersStore);
  private readonly realtime = inject(ChatRealtimeService);

  readonly roomId = input.required<string>();
  /** The room's owner or an admin: may invite and remove people. */
  readonly canManage = input(false);
  readonly myId = input<string | null>(null);

  private readonly presence = toSignal(toObservable(this.roomId).pipe(switchMap((id) => this.realtime.presence$(id))), { initialValue: [] });
  private readonly joined = toSignal(
    toObservable(this.roomId).pipe(
      switchMap((id) => this.realtime.room$(id)),
      map((r) => r.joined),
    ),
    { initialValue: false },
  );

  protected readonly load = toSignal(toObservable(this.roomId).pipe(switchMap((roomId) => this.members.members$(roomId))));

  protected readonly inviting = signal(false);
  protected readonly query = signal('');
  protected readonly confirming = signal<string | null>(null);
  protected readonly busy = signal<string | null>(null);
  protected readonly actionError = signal<string | null>(null);
  /** Loaded when the invite box first opens, not with the room. */
  protected readonly candidates = toSignal(
    toObservable(this.inviting).pipe(
      switchMap((open) =>
        open
          ? this.members.candidates$().pipe(
              map((list) => ({ list, error: null as string | null })),
              catchError((error: unknown) => of({ list: [] as InviteCandidate[], error: describeApiError(error) })),
            )
          : of(null),
      ),
    ),
  );

  /** Live presence once the room is joined, the list's own `online` before that. */
  protected readonly sorted = computed(() => {
    const members = this.load()?.members ?? [];
    const live = this.joined();
    const online = new Set(this.presence().map((u) => u.userId));
    return members
      .map((m) => ({ ...m, online: live ? online.has(m.userId) : m.online }))
      .sort((a, b) => Number(b.online) - Number(a.online) || a.displayName.localeCompare(b.displayName));
  });

  protected readonly onlineCount = computed(() => this.sorted().filter((m) => m.online).length);

  protected readonly matches = computed(() => {
    const present = new Set((this.load()?.members ?? []).map((m) => m.userId));
    const q = this.query().trim().toLowerCase();
    return (this.candidates()?.list ?? [])
      .filter((c) => !present.has(c.userId))
      .filter((c) => !q || c.username.toLowerCase().includes(q) || c.displayName.toLowerCase().includes(q))
      .slice(0, INVITE_MATCHES_MAX);
  });

  protected toggleInvite(): void {
    this.inviting.update((open) => !open);
    this.query.set('');
    this.actionError.set(null);
  }

  protected invite(candidate: InviteCandidate): void {
    this.run(candidate.userId, this.members.invite(this.roomId(), candidate.userId));
  }

  protected remove(userId: string): void {
    this.run(userId, this.members.remove(this.roomId(), userId), () => this.confirming.set(null));
  }

  private run(userId: string, request: Observable<unknown>, done?: () => void): void {
    this.busy.set(userId);
    this.actionError.set(null);
    request.subscribe({
      next: () => {
        this.busy.set(null);
        done?.();
      },
      error: (error: unknown) => {
        this.busy.set(null);
        this.actionError.set(describeApiError(error));
      },
    });
  }
}
