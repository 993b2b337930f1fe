import { ChangeDetectionStrategy, Component, computed, ElementRef, inject, signal, viewChild } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import { SEARCH_QUERY_MAX_LENGTH, type MessageSearchResult } from '@chat/contract';
import { describeApiError, MessagesApi, RoomsStore } from '@chat/web-data-access';
import { formatMessageTime, messageContextParams, snippetParts, type SnippetPart } from '@chat/web-util';

interface ShownResult {
  result: MessageSearchResult;
  roomName: string;
  parts: SnippetPart[];
}

/**
 * Searches the messages of every room the user may read (quoted phrases and -word work, as the
 * server's full-text search takes them). A result opens its room around the message, highlighted.
 */
@Component({
  selector: 'chat-message-search',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="search" role="search" (submit)="$event.preventDefault(); search()" (keydown.escape)="clear()">
      <label class="visually-hidden" for="message-search">Search messages</label>
      <input
        #field
        id="message-search"
        type="search"
        data-testid="search-input"
        placeholder="Search messages"
        autocomplete="off"
        [attr.maxlength]="maxLength"
        [value]="query()"
        (input)="query.set($any($event.target).value)"
      />
    </form>
    @if (state(); as s) {
      <div class="results" data-testid="search-results" aria-live="polite">
        <div class="results-head">
          <span>{{ s.loading ? 'Searching…' : s.error ? 'Search failed' : s.results.length + (s.hasMore ? '+' : '') + ' found' }}</span>
          <button type="button" class="small ghost" (click)="clear()" aria-label="Close the search results">✕</button>
        </div>
        @if (s.error) {
          <p class="muted" role="alert">{{ s.error }}</p>
        }
        <ul>
          @for (r of shown(); track r.result.message.id) {
            <li>
              <button type="button" class="result" data-testid="search-result" [attr.data-message-id]="r.result.message.id" (click)="open(r.result)">
                <span class="where">
                  <span class="room">{{ r.roomName }}</span>
                  <span class="who">{{ r.result.message.displayName || r.result.message.username }} · {{ time(r.result.message.timestamp) }}</span>
                </span>
                <span class="snippet">
                  @for (p of r.parts; track $index) {
                    @if (p.hit) {
                      <mark>{{ p.text }}</mark>
                    } @else {
                      {{ p.text }}
                    }
                  }
                </span>
              </button>
            </li>
          } @empty {
            @if (!s.loading && !s.error) {
              <li class="muted">No messages match.</li>
            }
          }
        </ul>
      </div>
    }
  `,
  styles: `
    :host { display: block; padding: 0.75rem 0.75rem 0; }
    input { width: 100%; font: inherit; font-size: 0.9rem; padding: 0.4rem 0.6rem; border-radius: 8px; border: 1px solid var(--c-border-strong); background: var(--c-input-bg); color: var(--c-text); box-sizing: border-box; }
    .results { margin-top: 0.5rem; border: 1px solid var(--c-border); border-radius: 10px; background: var(--c-surface); max-height: 50vh; overflow-y: auto; }
    .results-head { display: flex; align-items: center; justify-content: space-between; padding: 0.3rem 0.5rem; font-size: 0.75rem; color: var(--c-text-muted); border-bottom: 1px solid var(--c-border); }
    ul { list-style: none; margin: 0; padding: 0; }
    .result { display: flex; flex-direction: column; gap: 0.15rem; width: 100%; text-align: left; border: none; border-radius: 0; background: none; padding: 0.45rem 0.6rem; border-bottom: 1px solid var(--c-border); }
    .result:hover, .result:focus-visible { background: var(--c-hover); }
    .where { display: flex; justify-content: space-between; gap: 0.5rem; font-size: 0.72rem; color: var(--c-text-muted); }
    .room { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .who { flex: none; }
    .snippet { font-size: 0.85rem; overflow-wrap: anywhere; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
    mark { background: var(--c-warning-bg); color: inherit; box-shadow: inset 0 -2px 0 var(--c-warning); border-radius: 2px; padding: 0 1px; }
    .muted { color: var(--c-text-muted); font-size: 0.85rem; padding: 0.5rem 0.6rem; margin: 0; }
    .ghost { border-color: transparent; background: none; padding: 0.1rem 0.35rem; }
  `,
})
export class MessageSearchComponent {
  private readonly api = inject(MessagesApi);
  private readonly router = inject(Router);
  private readonly rooms = toSignal(inject(RoomsStore).rooms$, { initialValue: [] });

  protected readonly maxLength = SEARCH_QUERY_MAX_LENGTH;
  protected readonly query = signal('');
  protected readonly state = signal<{ loading: boolean; results: MessageSearchResult[]; hasMore: boolean; error: string | null } | null>(null);
  private readonly field = viewChild.required<ElementRef<HTMLInputElement>>('field');
  /** Answers to an older query that come late are dropped. */
  private generation = 0;

  protected readonly shown = computed<ShownResult[]>(() => {
    const names = new Map(this.rooms().map((r) => [r.id, r.name]));
    return (this.state()?.results ?? []).map((result) => ({
      result,
      roomName: names.get(result.message.roomId) ?? result.message.roomId,
      parts: snippetParts(result.snippet),
    }));
  });

  protected time(iso: string): string {
    return formatMessageTime(iso);
  }

  protected search(): void {
    const q = this.query().trim();
    if (!q) return this.clear();
    const generation = ++this.generation;
    this.state.set({ loading: true, results: [], hasMore: false, error: null });
    this.api.search({ q }).subscribe({
      next: (page) => {
        if (generation === this.generation) this.state.set({ loading: false, results: page.results, hasMore: page.hasMore, error: null });
      },
      error: (error: unknown) => {
        if (generation === this.generation) this.state.set({ loading: false, results: [], hasMore: false, error: describeApiError(error) });
      },
    });
  }

  protected open(result: MessageSearchResult): void {
    // A thread reply opens its thread beside the room, the reply highlighted there.
    void this.router.navigate(['/rooms', result.message.roomId], { queryParams: messageContextParams(result.message) });
  }

  protected clear(): void {
    this.generation++;
    this.state.set(null);
    this.query.set('');
    this.field().nativeElement.focus();
  }
}
