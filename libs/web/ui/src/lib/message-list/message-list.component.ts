import {
  afterRenderEffect,
  ChangeDetectionStrategy,
  Component,
  computed,
  DOCUMENT,
  effect,
  ElementRef,
  inject,
  input,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { RouterLink } from '@angular/router';
import type { ChatMessage } from '@chat/contract';
import { citationsOf, formatMessageTime, groupMessages, initials, TimelineEntry } from '@chat/web-util';
import { loadMarkdownRenderer, MarkdownComponent } from '../markdown/markdown.component';

export interface MessageListUser {
  id: string;
  username: string;
  displayName: string;
}

/** Within this many pixels of the end counts as "at the bottom". */
const BOTTOM_SLACK_PX = 48;
/** Closer than this to the top asks for older history. */
const TOP_LOAD_PX = 160;

/**
 * The room's messages, grouped by author. Stays at the newest message while the reader is there,
 * never moves a reader who scrolled up (a "new messages" marker appears instead), keeps the
 * reader's place when older history is prepended, and announces new messages to screen readers.
 */
@Component({
  selector: 'chat-message-list',
  imports: [MarkdownComponent, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './message-list.component.html',
  styleUrl: './message-list.component.css',
})
export class MessageListComponent {
  private readonly document = inject(DOCUMENT);

  /** A new room resets scrolling and announcements. */
  readonly roomId = input.required<string>();
  readonly entries = input.required<readonly TimelineEntry[]>();
  readonly me = input<MessageListUser | null>(null);
  readonly hasMore = input(false);
  readonly loadingOlder = input(false);
  /** The room's newest history has arrived: from then on, what arrives is news. */
  readonly historyLoaded = input(true);
  /** Room owners and admins may stop any reply; everyone may stop the ones they asked for. */
  readonly canStopAny = input(false);

  readonly loadOlder = output<void>();
  readonly retry = output<string>();
  readonly discard = output<string>();
  readonly stop = output<string>();
  /** The reader has seen everything up to this seq. */
  readonly readUpTo = output<number>();

  protected readonly groups = computed(() => groupMessages(this.entries(), this.me()));
  /** Messages that arrived while the reader was scrolled up. */
  protected readonly unseen = signal(0);
  protected readonly announcement = signal('');

  private readonly scroller = viewChild.required<ElementRef<HTMLElement>>('scroller');
  private atBottom = true;
  private rendered: { roomId: string; firstKey?: string; lastKey?: string; height: number } | null = null;
  private announced: { roomId: string; ready: boolean; baseSeq: number; seq: number; started: Set<string>; finished: Set<string> } | null = null;

  constructor() {
    // Fetch the renderer before the first reply needs it, so replies never render twice.
    void loadMarkdownRenderer();
    afterRenderEffect({ write: () => this.keepPosition(this.roomId(), this.entries()) });
    effect(() => this.announce(this.roomId(), this.entries()));
  }

  protected readonly citationsOf = citationsOf;
  protected readonly initials = initials;

  protected time(iso: string): string {
    return formatMessageTime(iso);
  }

  protected canStop(message: ChatMessage): boolean {
    return this.canStopAny() || (message.metadata?.requestedBy !== undefined && message.metadata.requestedBy === this.me()?.id);
  }

  protected onScroll(): void {
    const el = this.scroller().nativeElement;
    this.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK_PX;
    if (this.atBottom) this.reachedBottom();
    if (el.scrollTop < TOP_LOAD_PX && this.hasMore() && !this.loadingOlder()) this.loadOlder.emit();
  }

  protected scrollToBottom(): void {
    const el = this.scroller().nativeElement;
    el.scrollTop = el.scrollHeight;
    this.atBottom = true;
    this.reachedBottom();
  }

  private reachedBottom(): void {
    this.unseen.set(0);
    const seq = this.newestSeq(this.entries());
    if (seq > 0 && this.document.visibilityState !== 'hidden') this.readUpTo.emit(seq);
  }

  private keepPosition(roomId: string, entries: readonly TimelineEntry[]): void {
    const el = this.scroller().nativeElement;
    const firstKey = entries[0]?.key;
    const lastKey = entries[entries.length - 1]?.key;
    const before = this.rendered;
    if (!before || before.roomId !== roomId || before.lastKey === undefined) {
      // A room just opened (or its first messages arrived): start at the newest.
      el.scrollTop = el.scrollHeight;
      this.atBottom = true;
      this.unseen.set(0);
      if (lastKey !== undefined) untracked(() => this.reachedBottom());
    } else if (firstKey !== before.firstKey && lastKey === before.lastKey) {
      // Older history was prepended: keep the same messages in view.
      el.scrollTop += el.scrollHeight - before.height;
    } else if (lastKey !== before.lastKey && this.isMine(entries[entries.length - 1])) {
      // The reader just sent something: show it, wherever they were.
      this.scrollToBottomNow(el);
    } else if (this.atBottom) {
      this.scrollToBottomNow(el);
    } else if (lastKey !== before.lastKey) {
      const start = entries.findIndex((e) => e.key === before.lastKey);
      const added = start < 0 ? 1 : entries.length - 1 - start;
      this.unseen.update((n) => n + added);
    }
    this.rendered = { roomId, firstKey, lastKey, height: el.scrollHeight };
  }

  private scrollToBottomNow(el: HTMLElement): void {
    el.scrollTop = el.scrollHeight;
    this.atBottom = true;
    untracked(() => this.reachedBottom());
  }

  private isMine(entry: TimelineEntry | undefined): boolean {
    if (!entry) return false;
    return entry.kind === 'outgoing' || (entry.message.userId !== null && entry.message.userId === this.me()?.id);
  }

  private newestSeq(entries: readonly TimelineEntry[]): number {
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e.kind === 'message') return e.message.seq;
    }
    return 0;
  }

  /** One short line per new message from someone else, and for each reply as it starts and ends. */
  private announce(roomId: string, entries: readonly TimelineEntry[]): void {
    const messages = entries.filter((e): e is Extract<TimelineEntry, { kind: 'message' }> => e.kind === 'message').map((e) => e.message);
    const newest = messages.length ? messages[messages.length - 1].seq : 0;
    const state = this.announced;
    const ready = this.historyLoaded();
    if (!state || state.roomId !== roomId || !state.ready) {
      // What is there when a room opens, and its history as it loads, is not news.
      this.announced = { roomId, ready, baseSeq: newest, seq: newest, started: new Set(), finished: new Set() };
      if (!state || state.roomId !== roomId) untracked(() => this.announcement.set(''));
      return;
    }
    const me = untracked(() => this.me())?.id;
    const lines: string[] = [];
    for (const m of messages) {
      // Older pages loaded by scrolling up are history too.
      if (m.seq <= state.baseSeq) continue;
      if (!m.isAi) {
        if (m.seq > state.seq && m.userId !== me) lines.push(`${m.displayName || m.username}: ${summary(m.content)}`);
      } else if (m.status === 'streaming') {
        if (!state.started.has(m.id)) lines.push(`${m.displayName} is answering…`);
        state.started.add(m.id);
      } else if (!state.finished.has(m.id)) {
        state.started.add(m.id);
        state.finished.add(m.id);
        lines.push(`${m.displayName} ${m.status === 'complete' ? 'replied' : m.status === 'cancelled' ? 'stopped' : 'failed'}: ${summary(m.content)}`);
      }
    }
    state.seq = Math.max(state.seq, newest);
    if (lines.length) untracked(() => this.announcement.set(lines.join('\n')));
  }
}

function summary(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}…` : flat;
}
