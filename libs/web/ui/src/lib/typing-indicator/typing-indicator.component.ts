import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { typingText } from '@chat/web-util';

/** "Alice is typing…" / "3 people are typing…", in a line that keeps its height when empty. */
@Component({
  selector: 'chat-typing-indicator',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<p class="typing" data-testid="typing-indicator" aria-live="polite">
    @if (text()) {
      <span class="dots" aria-hidden="true"><i></i><i></i><i></i></span>{{ text() }}
    }
  </p>`,
  styles: `
    .typing { margin: 0; min-height: 1.25rem; font-size: 0.8rem; color: var(--c-text-muted); display: flex; align-items: center; gap: 0.4rem; }
    .dots { display: inline-flex; gap: 2px; }
    .dots i { width: 4px; height: 4px; border-radius: 50%; background: currentColor; animation: blink 1.2s infinite ease-in-out; }
    .dots i:nth-child(2) { animation-delay: 0.2s; }
    .dots i:nth-child(3) { animation-delay: 0.4s; }
    @keyframes blink { 0%, 80%, 100% { opacity: 0.25; } 40% { opacity: 1; } }
    @media (prefers-reduced-motion: reduce) { .dots i { animation: none; } }
  `,
})
export class TypingIndicatorComponent {
  readonly names = input.required<readonly string[]>();
  protected readonly text = computed(() => typingText(this.names()));
}
