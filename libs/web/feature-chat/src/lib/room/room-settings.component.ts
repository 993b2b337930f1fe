import { afterNextRender, ChangeDetectionStrategy, Component, ElementRef, inject, input, OnInit, output, signal, viewChild } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ROOM_DESCRIPTION_MAX_LENGTH, ROOM_NAME_MAX_LENGTH, RoomView, RoomVisibility, UpdateRoomRequest } from '@chat/contract';
import { describeApiError, RoomsApi, RoomsStore } from '@chat/web-data-access';

/** The server's limit on a room's system prompt (UpdateRoomDto). */
const SYSTEM_PROMPT_MAX_LENGTH = 8000;

/**
 * The owner's (or an admin's) settings of a room in a modal dialog: the native <dialog> gives focus
 * trapping and Escape for free. Sends only what changed (PATCH /api/rooms/:roomId).
 */
@Component({
  selector: 'chat-room-settings',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <dialog #dialog class="settings" aria-labelledby="room-settings-title" data-testid="room-settings" (close)="closed.emit()">
      <form (ngSubmit)="save()">
        <h2 id="room-settings-title">Room settings</h2>
        <label for="settings-name">Name</label>
        <input id="settings-name" name="name" required [maxlength]="limits.name" [(ngModel)]="name" />
        <label for="settings-description">Description</label>
        <input id="settings-description" name="description" [maxlength]="limits.description" [(ngModel)]="description" />
        <label for="settings-visibility">Who can join</label>
        <select id="settings-visibility" name="visibility" [(ngModel)]="visibility">
          <option value="public">Everyone (public room)</option>
          <option value="private">Invited people only (private room)</option>
        </select>
        <label class="inline"><input type="checkbox" name="aiEnabled" data-testid="settings-ai" [(ngModel)]="aiEnabled" /> The AI assistant answers in this room</label>
        <label for="settings-prompt">Assistant instructions <span class="optional">(system prompt)</span></label>
        <textarea id="settings-prompt" name="systemPrompt" rows="4" [maxlength]="limits.systemPrompt" [(ngModel)]="systemPrompt"></textarea>
        @if (error(); as message) {
          <p class="error" role="alert">{{ message }}</p>
        }
        <div class="buttons">
          <button type="button" (click)="dialog.close()">Cancel</button>
          <button type="submit" class="primary" [disabled]="busy()">{{ busy() ? 'Saving…' : 'Save' }}</button>
        </div>
      </form>
    </dialog>
  `,
  styles: `
    .settings { width: min(32rem, calc(100vw - 2rem)); border: 1px solid var(--c-border); border-radius: 12px; background: var(--c-surface); color: var(--c-text); padding: 1rem; box-shadow: 0 12px 40px rgb(0 0 0 / 0.3); }
    .settings::backdrop { background: rgb(0 0 0 / 0.35); }
    form { display: grid; gap: 0.3rem; }
    h2 { margin: 0 0 0.5rem; font-size: 1.05rem; }
    label { font-size: 0.85rem; font-weight: 600; margin-top: 0.3rem; }
    .optional { font-weight: normal; color: var(--c-text-muted); }
    input:not([type='checkbox']), textarea, select { font: inherit; padding: 0.4rem 0.55rem; border-radius: 6px; border: 1px solid var(--c-border-strong); background: var(--c-input-bg); color: var(--c-text); min-width: 0; }
    textarea { resize: vertical; }
    .inline { font-weight: normal; display: inline-flex; gap: 0.35rem; align-items: center; }
    .error { color: var(--c-danger); margin: 0.25rem 0 0; font-size: 0.85rem; }
    .buttons { display: flex; justify-content: flex-end; gap: 0.5rem; margin-top: 0.75rem; }
  `,
})
export class RoomSettingsComponent implements OnInit {
  private readonly api = inject(RoomsApi);
  private readonly rooms = inject(RoomsStore);

  readonly room = input.required<RoomView>();
  readonly closed = output<void>();

  protected readonly limits = { name: ROOM_NAME_MAX_LENGTH, description: ROOM_DESCRIPTION_MAX_LENGTH, systemPrompt: SYSTEM_PROMPT_MAX_LENGTH };
  protected name = '';
  protected description = '';
  protected visibility: RoomVisibility = 'public';
  protected aiEnabled = true;
  protected systemPrompt = '';
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');

  constructor() {
    afterNextRender(() => this.dialog().nativeElement.showModal());
  }

  ngOnInit(): void {
    const room = this.room();
    this.name = room.name;
    this.description = room.description ?? '';
    this.visibility = room.visibility;
    this.aiEnabled = room.aiEnabled;
    this.systemPrompt = room.systemPrompt ?? '';
  }

  protected save(): void {
    const room = this.room();
    const name = this.name.trim();
    if (!name) return this.error.set('Give the room a name.');
    const changes: UpdateRoomRequest = {};
    if (name !== room.name) changes.name = name;
    if ((this.description.trim() || null) !== room.description) changes.description = this.description.trim() || null;
    if (this.visibility !== room.visibility) changes.visibility = this.visibility;
    if (this.aiEnabled !== room.aiEnabled) changes.aiEnabled = this.aiEnabled;
    if ((this.systemPrompt.trim() || null) !== room.systemPrompt) changes.systemPrompt = this.systemPrompt.trim() || null;
    if (Object.keys(changes).length === 0) return this.dialog().nativeElement.close();
    this.busy.set(true);
    this.error.set(null);
    this.api.update(room.id, changes).subscribe({
      next: () => {
        this.busy.set(false);
        this.rooms.refresh();
        this.dialog().nativeElement.close();
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.error.set(describeApiError(error));
      },
    });
  }
}
