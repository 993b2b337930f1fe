import { ChangeDetectionStrategy, Component, inject, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ROOM_DESCRIPTION_MAX_LENGTH, ROOM_ID_MAX_LENGTH, ROOM_ID_PATTERN, ROOM_NAME_MAX_LENGTH, RoomView, RoomVisibility } from '@chat/contract';
import { describeApiError, RoomsStore } from '@chat/web-data-access';

@Component({
  selector: 'chat-create-room-form',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="create" (ngSubmit)="submit()" data-testid="create-room-form" aria-labelledby="create-room-title">
      <h3 id="create-room-title">New room</h3>
      <label for="room-name">Name</label>
      <input id="room-name" name="name" data-testid="create-room-name" required [maxlength]="limits.name" [(ngModel)]="name" />
      <label for="room-id">Address <span class="optional">(optional)</span></label>
      <input
        id="room-id"
        name="id"
        data-testid="create-room-id"
        placeholder="e.g. team-design"
        autocapitalize="none"
        spellcheck="false"
        [maxlength]="limits.id"
        aria-describedby="room-id-hint"
        [(ngModel)]="id"
      />
      <small id="room-id-hint">Lowercase letters, digits, - and _. The room's link is /rooms/&lt;address&gt;.</small>
      <label for="room-description">Description <span class="optional">(optional)</span></label>
      <input id="room-description" name="description" [maxlength]="limits.description" [(ngModel)]="description" />
      <fieldset>
        <legend>Who can join</legend>
        <label class="inline"><input type="radio" name="visibility" value="public" [(ngModel)]="visibility" /> Everyone</label>
        <label class="inline"><input type="radio" name="visibility" value="private" [(ngModel)]="visibility" /> Invited people</label>
      </fieldset>
      <label class="inline"><input type="checkbox" name="aiEnabled" [(ngModel)]="aiEnabled" /> AI assistant on</label>
      @if (error(); as message) {
        <p class="error" role="alert">{{ message }}</p>
      }
      <div class="buttons">
        <button type="button" (click)="cancelled.emit()">Cancel</button>
        <button type="submit" class="primary" data-testid="create-room-submit" [disabled]="busy()">{{ busy() ? 'Creating…' : 'Create' }}</button>
      </div>
    </form>
  `,
  styles: `
    .create { display: grid; gap: 0.3rem; padding: 0.75rem; border: 1px solid var(--c-border); border-radius: 10px; background: var(--c-surface); }
    h3 { margin: 0 0 0.25rem; font-size: 1rem; }
    label { font-size: 0.85rem; font-weight: 600; margin-top: 0.25rem; }
    .optional { font-weight: normal; color: var(--c-text-muted); }
    input:not([type='radio']):not([type='checkbox']) { font: inherit; padding: 0.4rem 0.55rem; border-radius: 6px; border: 1px solid var(--c-border-strong); background: var(--c-input-bg); color: var(--c-text); min-width: 0; }
    small { color: var(--c-text-muted); font-size: 0.75rem; }
    fieldset { border: none; padding: 0; margin: 0.4rem 0 0; display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; }
    legend { font-size: 0.85rem; font-weight: 600; padding: 0; margin-bottom: 0.2rem; }
    .inline { font-weight: normal; display: inline-flex; gap: 0.35rem; align-items: center; }
    .error { color: var(--c-danger); margin: 0.25rem 0 0; font-size: 0.85rem; }
    .buttons { display: flex; justify-content: flex-end; gap: 0.5rem; margin-top: 0.5rem; }
  `,
})
export class CreateRoomFormComponent {
  private readonly rooms = inject(RoomsStore);

  readonly created = output<RoomView>();
  readonly cancelled = output<void>();

  /** The server's limits, so the form refuses what the server would. */
  protected readonly limits = { name: ROOM_NAME_MAX_LENGTH, id: ROOM_ID_MAX_LENGTH, description: ROOM_DESCRIPTION_MAX_LENGTH };
  protected name = '';
  protected id = '';
  protected description = '';
  protected visibility: RoomVisibility = 'public';
  protected aiEnabled = true;
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected submit(): void {
    const name = this.name.trim();
    const id = this.id.trim();
    if (!name) return this.error.set('Give the room a name.');
    if (id && !ROOM_ID_PATTERN.test(id)) return this.error.set('The address may use lowercase letters, digits, - and _ (up to 64), starting with a letter or digit.');
    this.busy.set(true);
    this.error.set(null);
    this.rooms
      .create({ name, visibility: this.visibility, aiEnabled: this.aiEnabled, ...(id ? { id } : {}), ...(this.description.trim() ? { description: this.description.trim() } : {}) })
      .subscribe({
        next: (room) => {
          this.busy.set(false);
          this.created.emit(room);
        },
        error: (error: unknown) => {
          this.busy.set(false);
          this.error.set(describeApiError(error));
        },
      });
  }
}
