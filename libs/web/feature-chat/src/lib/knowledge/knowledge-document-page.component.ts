import { afterRenderEffect, ChangeDetectionStrategy, Component, DOCUMENT, inject, input } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, RouterLink } from '@angular/router';
import type { KnowledgeDocumentDetail } from '@chat/contract';
import { KnowledgeApi, toApiError } from '@chat/web-data-access';
import { formatMessageTime } from '@chat/web-util';
import { catchError, map, of, switchMap } from 'rxjs';

type DocumentLoad = { doc: KnowledgeDocumentDetail; error: null } | { doc: null; error: string };

/** Where a citation leads: the document, with the cited chunk (#chunk-<id>) scrolled into view. */
@Component({
  selector: 'chat-knowledge-document-page',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <article class="doc">
      <p><a routerLink="/rooms">‹ Back to rooms</a></p>
      @if (load(); as state) {
        @if (state.doc; as doc) {
          <h2>{{ doc.title }}</h2>
          <p class="meta">
            {{ doc.filename ?? 'Text' }} · {{ doc.chunkCount }} {{ doc.chunkCount === 1 ? 'section' : 'sections' }} · added {{ when(doc.createdAt) }}
          </p>
          @for (chunk of doc.chunks; track chunk.id) {
            <section class="chunk" [id]="'chunk-' + chunk.id" [class.cited]="fragment() === 'chunk-' + chunk.id" tabindex="-1">
              @if (chunk.headingPath.length) {
                <h3>{{ chunk.headingPath.join(' › ') }}</h3>
              }
              <p>{{ chunk.text }}</p>
            </section>
          }
        } @else {
          <p class="error" role="alert" data-testid="knowledge-error">{{ state.error }}</p>
        }
      } @else {
        <p>Loading…</p>
      }
    </article>
  `,
  styles: `
    .doc { max-width: 50rem; margin: 0 auto; padding: 1rem; overflow-wrap: anywhere; }
    .meta { color: var(--c-text-muted); font-size: 0.85rem; }
    .chunk { border-left: 3px solid transparent; padding: 0.25rem 0.75rem; margin: 0.5rem 0; border-radius: 4px; }
    .chunk.cited { border-left-color: var(--c-ai-accent); background: var(--c-ai-bg); }
    .chunk p { white-space: pre-wrap; margin: 0.25rem 0; }
    h3 { font-size: 0.85rem; color: var(--c-text-muted); margin: 0.25rem 0; }
    .error { color: var(--c-danger); }
  `,
})
export class KnowledgeDocumentPageComponent {
  private readonly api = inject(KnowledgeApi);
  private readonly document = inject(DOCUMENT);

  readonly documentId = input.required<string>();
  protected readonly fragment = toSignal(inject(ActivatedRoute).fragment, { initialValue: null });

  protected readonly load = toSignal(
    toObservable(this.documentId).pipe(
      switchMap((id) =>
        this.api.get(id).pipe(
          map((doc): DocumentLoad => ({ doc, error: null })),
          catchError((error: unknown) => {
            const e = toApiError(error);
            const message = e.status === 404 ? 'This document is not available: it was removed, or this server has no knowledge base yet.' : e.message;
            return of<DocumentLoad>({ doc: null, error: message });
          }),
        ),
      ),
    ),
  );

  constructor() {
    // The document arrives after navigation, so the router cannot scroll to the cited chunk itself.
    afterRenderEffect(() => {
      const fragment = this.fragment();
      if (!fragment || !this.load()?.doc) return;
      const target = this.document.getElementById(fragment);
      target?.scrollIntoView({ block: 'center' });
      target?.focus({ preventScroll: true });
    });
  }

  protected when(iso: string): string {
    return formatMessageTime(iso);
  }
}
