import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { ChatRealtimeService, RoomMembersStore } from '@chat/web-data-access';
import { map, switchMap } from 'rxjs';

/**
 * The room's members, online ones first. The list comes from REST; who is online follows the
 * room's live presence (joined_room, user_joined, user_left).
 */
@Component({
  selector: 'chat-members-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="panel" data-testid="members-panel" aria-labelledby="members-title">
      <h2 id="members-title">Members <span class="count">· {{ onlineCount() }} online</span></h2>
      @if (load(); as state) {
        @if (state.error) {
          <p class="muted" role="alert">{{ state.error }}</p>
        } @else {
          <ul>
            @for (m of sorted(); track m.userId) {
              <li data-testid="member-item" [attr.data-user-id]="m.userId" [attr.data-online]="m.online">
                <span class="dot" [class.on]="m.online" aria-hidden="true"></span>
                <span class="who">
                  <span class="name">{{ m.displayName }}</span>
                  <span class="username">&#64;{{ m.username }}{{ m.role === 'owner' ? ' · owner' : '' }}</span>
                </span>
                <span class="visually-hidden">{{ m.online ? 'online' : 'offline' }}</span>
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
    .panel { padding: 0.75rem; }
    h2 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--c-text-muted); margin: 0 0 0.5rem; }
    .count { text-transform: none; letter-spacing: 0; }
    ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 0.4rem; }
    li { display: flex; align-items: center; gap: 0.5rem; min-width: 0; }
    .dot { width: 0.55rem; height: 0.55rem; border-radius: 50%; border: 2px solid var(--c-text-muted); flex: none; box-sizing: border-box; }
    .dot.on { background: var(--c-success); border-color: var(--c-success); }
    .who { display: flex; flex-direction: column; min-width: 0; }
    .name { font-size: 0.9rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .username { font-size: 0.75rem; color: var(--c-text-muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .muted { color: var(--c-text-muted); font-size: 0.85rem; }
  `,
})
export class MembersPanelComponent {
  private readonly members = inject(RoomMembersStore);
  private readonly realtime = inject(ChatRealtimeService);

  readonly roomId = input.required<string>();

  private readonly presence = toSignal(toObservable(this.roomId).pipe(switchMap((id) => this.realtime.presence$(id))), { initialValue: [] });
  private readonly joined = toSignal(
    toObservable(this.roomId).pipe(
      switchMap((id) => this.realtime.room$(id)),
      map((r) => r.joined),
    ),
    { initialValue: false },
  );

  protected readonly load = toSignal(toObservable(this.roomId).pipe(switchMap((roomId) => this.members.members$(roomId))));

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
}
