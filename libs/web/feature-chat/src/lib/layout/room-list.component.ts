import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { Router, RouterLink, RouterLinkActive } from '@angular/router';
import type { RoomView } from '@chat/contract';
import { RoomsStore } from '@chat/web-data-access';
import { CreateRoomFormComponent } from '../create-room/create-room-form.component';
import { MentionNotifier } from '../notifications/mention-notifier.service';

@Component({
  selector: 'chat-room-list',
  imports: [RouterLink, RouterLinkActive, CreateRoomFormComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <nav class="rooms" aria-labelledby="rooms-title">
      <div class="head">
        <h2 id="rooms-title">Rooms</h2>
        <button type="button" class="small" data-testid="new-room-button" [attr.aria-expanded]="creating()" (click)="creating.set(!creating())">
          {{ creating() ? 'Close' : '+ New room' }}
        </button>
      </div>
      @if (creating()) {
        <chat-create-room-form (created)="onCreated($event)" (cancelled)="creating.set(false)" />
      }
      @if (items(); as list) {
        <ul data-testid="room-list">
          @for (item of list; track item.room.id) {
            <li>
              <a
                class="room"
                data-testid="room-item"
                [attr.data-room-id]="item.room.id"
                [routerLink]="['/rooms', item.room.id]"
                routerLinkActive="active"
                ariaCurrentWhenActive="page"
              >
                <span class="name">
                  <span class="sigil" aria-hidden="true">{{ item.room.visibility === 'private' ? '🔒' : '#' }}</span>
                  {{ item.room.name }}
                  @if (item.room.visibility === 'private') {
                    <span class="visually-hidden">(private)</span>
                  }
                </span>
                @if (item.mentions > 0) {
                  <span class="unread mention" data-testid="room-mentions" [title]="item.mentions + ' unread mention' + (item.mentions === 1 ? '' : 's')"
                    >&#64;{{ item.mentions > 99 ? '99+' : item.mentions }}<span class="visually-hidden"> {{ item.mentions === 1 ? 'mention' : 'mentions' }}</span></span
                  >
                }
                @if (item.unread > 0) {
                  <span class="unread" data-testid="room-unread">{{ item.unread > 99 ? '99+' : item.unread }}<span class="visually-hidden"> unread</span></span>
                }
              </a>
            </li>
          } @empty {
            <li class="none">No rooms yet. Create the first one.</li>
          }
        </ul>
      } @else {
        <p class="none">Loading rooms…</p>
      }
      @if (notifier.ask() === 'ask') {
        <div class="notify" data-testid="notifications-prompt">
          <p>Get a browser notification when someone mentions you while this tab is in the background?</p>
          <div class="notify-buttons">
            <button type="button" class="small" (click)="notifier.dismiss()">Not now</button>
            <button type="button" class="small primary" data-testid="notifications-enable" (click)="notifier.enable()">Turn on</button>
          </div>
        </div>
      }
    </nav>
  `,
  styles: `
    :host { display: block; }
    .rooms { display: flex; flex-direction: column; gap: 0.5rem; padding: 0.75rem; }
    .head { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem; }
    h2 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--c-text-muted); margin: 0; }
    ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 2px; }
    .room { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem; padding: 0.5rem 0.6rem; border-radius: 8px; color: var(--c-text); text-decoration: none; min-height: 2.25rem; box-sizing: border-box; }
    .room:hover { background: var(--c-hover); }
    .room.active { background: var(--c-selected); font-weight: 600; }
    .name { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .sigil { color: var(--c-text-muted); display: inline-block; width: 1.1rem; }
    .room:has(.unread) .name { font-weight: 600; }
    .mention { background: var(--c-danger) !important; color: #fff !important; }
    .unread { flex: none; min-width: 1.25rem; padding: 0 0.4rem; border-radius: 999px; background: var(--c-accent); color: var(--c-on-accent); font-size: 0.75rem; font-weight: 700; text-align: center; line-height: 1.25rem; }
    .notify { margin-top: 0.75rem; padding: 0.6rem; border: 1px solid var(--c-border); border-radius: 10px; background: var(--c-surface); font-size: 0.8rem; }
    .notify p { margin: 0 0 0.5rem; color: var(--c-text-muted); }
    .notify-buttons { display: flex; justify-content: flex-end; gap: 0.4rem; }
    .none { color: var(--c-text-muted); font-size: 0.85rem; padding: 0.25rem 0.6rem; }
  `,
})
export class RoomListComponent {
  private readonly store = inject(RoomsStore);
  private readonly router = inject(Router);

  protected readonly items = toSignal(this.store.items$);
  protected readonly notifier = inject(MentionNotifier);
  protected readonly creating = signal(false);

  protected onCreated(room: RoomView): void {
    this.creating.set(false);
    void this.router.navigate(['/rooms', room.id]);
  }
}
