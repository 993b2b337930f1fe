import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'chat-room-placeholder',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<div class="placeholder"><p>Pick a room on the left, or create one.</p></div>`,
  styles: `.placeholder { display: grid; place-items: center; height: 100%; color: var(--c-text-muted); padding: 1rem; text-align: center; }`,
})
export class RoomPlaceholderComponent {}
