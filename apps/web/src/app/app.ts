import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { ChatNotice, ChatRealtimeService, SessionStore } from '@chat/web-data-access';
import { ConnectionIndicatorComponent } from '@chat/web-ui';
import { concat, map, mergeMap, of, scan, timer } from 'rxjs';

/** How long a notice (an assistant failure, a server restart) stays up. */
const NOTICE_MS = 8_000;

interface ShownNotice extends ChatNotice {
  id: number;
}

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, ConnectionIndicatorComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './app.html',
  styleUrl: './app.css',
})
export class App {
  private readonly session = inject(SessionStore);
  private readonly realtime = inject(ChatRealtimeService);

  protected readonly user = this.session.user;
  protected readonly isAdmin = this.session.isAdmin;
  protected readonly connection = toSignal(this.realtime.connection$, { initialValue: 'offline' as const });

  /** Each notice shows for NOTICE_MS, several at once if they come together. */
  protected readonly notices = toSignal(
    this.realtime.notices$.pipe(
      mergeMap((notice, id) => {
        const shown: ShownNotice = { ...notice, id };
        return concat(of({ add: shown }), timer(NOTICE_MS).pipe(map(() => ({ remove: id }))));
      }),
      scan(
        (list: ShownNotice[], change: { add: ShownNotice } | { remove: number }) =>
          'add' in change ? [...list, change.add].slice(-3) : list.filter((n) => n.id !== change.remove),
        [],
      ),
    ),
    { initialValue: [] as ShownNotice[] },
  );

  protected logout(): void {
    this.session.logout();
  }
}
