import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { NavigationEnd, Router, RouterOutlet } from '@angular/router';
import { filter, map, startWith } from 'rxjs';
import { QuotaStatusComponent } from './quota-status.component';
import { RoomListComponent } from './room-list.component';
import { MessageSearchComponent } from '../search/message-search.component';

/** Rooms beside the open room; on a phone, one or the other. */
@Component({
  selector: 'chat-layout',
  imports: [RouterOutlet, RoomListComponent, QuotaStatusComponent, MessageSearchComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="layout" [class.room-open]="roomOpen()">
      <aside class="sidebar" aria-label="Rooms">
        <chat-message-search />
        <chat-room-list />
        <chat-quota-status />
      </aside>
      <div class="content">
        <router-outlet />
      </div>
    </div>
  `,
  styles: `
    :host { display: block; height: 100%; }
    .layout { display: grid; grid-template-columns: 16rem minmax(0, 1fr); height: 100%; min-height: 0; }
    .sidebar { border-right: 1px solid var(--c-border); background: var(--c-sidebar); overflow-y: auto; min-height: 0; }
    .content { min-width: 0; min-height: 0; display: flex; flex-direction: column; }
    @media (max-width: 720px) {
      .layout { grid-template-columns: minmax(0, 1fr); }
      .layout.room-open .sidebar { display: none; }
      .layout:not(.room-open) .content { display: none; }
      .sidebar { border-right: none; }
    }
  `,
})
export class ChatLayoutComponent {
  private readonly router = inject(Router);

  protected readonly roomOpen = toSignal(
    this.router.events.pipe(
      filter((e) => e instanceof NavigationEnd),
      map(() => this.router.url),
      startWith(this.router.url),
      map((url) => /^\/rooms\/[^/?#]+/.test(url)),
    ),
    { initialValue: false },
  );
}
