import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterOutlet } from '@angular/router';
import { ErrorCode } from '@chat/contract';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Team Chat</h1><router-outlet />`,
})
export class App {
  protected readonly codes = Object.keys(ErrorCode).length;
}
