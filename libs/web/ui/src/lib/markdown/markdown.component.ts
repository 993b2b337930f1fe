import { ChangeDetectionStrategy, Component, computed, inject, input, signal, ViewEncapsulation } from '@angular/core';
import { DomSanitizer } from '@angular/platform-browser';

type Renderer = (markdown: string, options?: { me?: string | null }) => string;

let loading: Promise<Renderer> | null = null;

/**
 * Loads the Markdown renderer (marked, DOMPurify, highlight.js) as its own chunk, once, so the
 * console's first load does not carry it. Call early to have it ready before the first reply.
 */
export function loadMarkdownRenderer(): Promise<Renderer> {
  loading ??= import('./render-markdown').then((m) => m.renderMarkdown);
  return loading;
}

/** Renders a message (a person's or the assistant's): Markdown, sanitised by DOMPurify, code highlighted, mentions marked. */
@Component({
  selector: 'chat-markdown',
  changeDetection: ChangeDetectionStrategy.OnPush,
  // The rendered HTML is not part of this template, so its styles cannot be encapsulated.
  encapsulation: ViewEncapsulation.None,
  template: `
    @if (html(); as safe) {
      <div class="md" [class.md-streaming]="streaming()" [innerHTML]="safe"></div>
    } @else {
      <div class="md md-plain" [class.md-streaming]="streaming()"><p>{{ text() }}</p></div>
    }
  `,
  styleUrl: './markdown.component.css',
})
export class MarkdownComponent {
  private readonly sanitizer = inject(DomSanitizer);
  private readonly renderer = signal<Renderer | null>(null);

  readonly text = input.required<string>();
  /** Shows a caret after the text while a reply streams. */
  readonly streaming = input(false);
  /** The reader's username: mentions of them are highlighted. */
  readonly me = input<string | null>(null);

  constructor() {
    void loadMarkdownRenderer().then((render) => this.renderer.set(render));
  }

  // renderMarkdown has already sanitised the HTML with DOMPurify; Angular's own sanitiser would
  // also drop highlight.js' classes and the links' rel/target.
  protected readonly html = computed(() => {
    const render = this.renderer();
    return render ? this.sanitizer.bypassSecurityTrustHtml(render(this.text(), { me: this.me() })) : null;
  });
}
