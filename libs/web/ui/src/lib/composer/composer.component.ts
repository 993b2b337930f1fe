import { ChangeDetectionStrategy, Component, computed, ElementRef, input, output, signal, viewChild } from '@angular/core';
import { codePointLength, mentionsAssistant, MESSAGE_MAX_LENGTH_DEFAULT } from '@chat/contract';

export interface ComposerSubmit {
  content: string;
  useAi: boolean;
}

/**
 * Writes a message: Enter sends, Shift+Enter starts a new line, a counter appears near the length
 * limit, and "Ask AI" (or an @ai mention) has the assistant answer.
 */
@Component({
  selector: 'chat-composer',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="composer" (submit)="$event.preventDefault(); submit()" data-testid="composer">
      <label class="visually-hidden" [attr.for]="inputId()">{{ label() }}</label>
      <textarea
        #field
        class="field"
        rows="1"
        data-testid="composer-input"
        [id]="inputId()"
        [value]="text()"
        [attr.placeholder]="placeholder()"
        [attr.aria-describedby]="inputId() + '-hint'"
        [attr.aria-invalid]="tooLong() ? 'true' : null"
        (input)="onInput($event)"
        (keydown)="onKeydown($event)"
        (blur)="typing.emit(false)"
      ></textarea>
      <div class="actions">
        <button
          type="button"
          class="ai-toggle"
          data-testid="ask-ai-toggle"
          [attr.aria-pressed]="askAi()"
          [disabled]="!aiAvailable()"
          [title]="aiAvailable() ? 'Have the AI assistant answer this message' : 'The assistant is turned off in this room'"
          (click)="askAi.set(!askAi())"
        >
          <span aria-hidden="true">✦</span> Ask AI
        </button>
        <button type="submit" class="send" data-testid="send-button" [disabled]="!canSend()">Send</button>
      </div>
      <div class="hints" [id]="inputId() + '-hint'">
        <span class="hint">
          @if (aiRequested()) {
            The assistant will answer this message.
          } @else {
            Enter to send, Shift+Enter for a new line.
          }
        </span>
        @if (showCounter()) {
          <span class="counter" data-testid="char-counter" [class.over]="tooLong()">{{ length() }} / {{ maxLength() }}</span>
        }
      </div>
    </form>
  `,
  styleUrl: './composer.component.css',
})
export class ComposerComponent {
  readonly maxLength = input(MESSAGE_MAX_LENGTH_DEFAULT);
  /** The room has the assistant on. */
  readonly aiAvailable = input(true);
  readonly placeholder = input('Write a message…');
  readonly inputId = input('composer-input');
  /** The field's accessible name. */
  readonly label = input('Message');

  readonly send = output<ComposerSubmit>();
  /** true while the user types, false when they stop, clear the field or leave it. */
  readonly typing = output<boolean>();

  protected readonly text = signal('');
  protected readonly askAi = signal(false);
  protected readonly length = computed(() => codePointLength(this.text()));
  protected readonly tooLong = computed(() => this.length() > this.maxLength());
  /** The counter shows from 90 % of the limit. */
  protected readonly showCounter = computed(() => this.length() >= Math.floor(this.maxLength() * 0.9));
  protected readonly canSend = computed(() => this.text().trim() !== '' && !this.tooLong());
  protected readonly aiRequested = computed(() => this.aiAvailable() && (this.askAi() || mentionsAssistant(this.text())));

  private readonly field = viewChild.required<ElementRef<HTMLTextAreaElement>>('field');

  focus(): void {
    this.field().nativeElement.focus();
  }

  protected onInput(event: Event): void {
    const value = (event.target as HTMLTextAreaElement).value;
    this.text.set(value);
    this.typing.emit(value.trim() !== '');
  }

  protected onKeydown(event: KeyboardEvent): void {
    // Shift+Enter is a new line; Enter while an IME composes a word belongs to the IME.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    this.submit();
  }

  protected submit(): void {
    if (!this.canSend()) return;
    this.send.emit({ content: this.text(), useAi: this.aiAvailable() && this.askAi() });
    this.text.set('');
    // The field may hold the same '' the signal had before; clear it for sure.
    this.field().nativeElement.value = '';
    this.askAi.set(false);
    this.typing.emit(false);
    this.focus();
  }
}
