import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { ConnectionState } from '@chat/web-util';

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

@Component({
  selector: 'chat-connection-indicator',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span class="indicator" role="status" data-testid="connection-indicator" [attr.data-state]="state()" [title]="'Connection: ' + label()">
    <span class="dot" aria-hidden="true"></span><span class="label">{{ label() }}</span>
  </span>`,
  styles: `
    .indicator { display: inline-flex; align-items: center; gap: 0.35rem; font-size: 0.8rem; white-space: nowrap; }
    .dot { width: 0.6rem; height: 0.6rem; border-radius: 50%; background: var(--c-text-muted); flex: none; }
    [data-state='connected'] .dot { background: var(--c-success); }
    [data-state='connecting'] .dot, [data-state='reconnecting'] .dot { background: var(--c-warning); animation: pulse 1s infinite alternate; }
    [data-state='offline'] .dot { background: var(--c-danger); }
    @keyframes pulse { to { opacity: 0.3; } }
    @media (prefers-reduced-motion: reduce) { .dot { animation: none !important; } }
    @media (max-width: 480px) { [data-state='connected'] .label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); } }
  `,
})
export class ConnectionIndicatorComponent {
  readonly state = input.required<ConnectionState>();
  protected readonly label = computed(() => LABELS[this.state()]);
}
