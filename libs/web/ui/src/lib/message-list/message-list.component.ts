import {
  afterNextRender,
  afterRenderEffect,
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  DOCUMENT,
  effect,
  ElementRef,
  inject,
  Injector,
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

export interface MessageEdit {
  messageId: string;
  content: string;
}

export interface MessageReact {
  messageId: string;
  emoji: string;
  /** true adds the reader's reaction, false takes it back. */
  on: boolean;
}

/** The reactions offered in one tap; the server takes any single emoji. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'] as const;

/** Holding a message this long on a touch screen shows its actions. */
const LONG_PRESS_MS = 500;

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
  private readonly injector = inject(Injector);

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
  /** Room owners and admins may delete anyone's message; everyone may delete their own. */
  readonly canDeleteAny = input(false);
  /** Inside a thread panel: no "reply in thread", no reply counts. */
  readonly inThread = input(false);
  /** The reader's read position when the room opened: a "new messages" divider goes after it. */
  readonly lastReadSeq = input<number | null>(null);
  /** A message to scroll to and highlight (a search hit). */
  readonly highlightId = input<string | null>(null);
  /** The newest messages are not loaded (the list shows history around a search hit). */
  readonly newerMissing = input(false);
  /** Display names by user id, for who reacted. */
  readonly people = input<Readonly<Record<string, string>>>({});

  readonly loadOlder = output<void>();
  readonly retry = output<string>();
  readonly discard = output<string>();
  readonly stop = output<string>();
  /** The reader has seen everything up to this seq. */
  readonly readUpTo = output<number>();
  readonly edit = output<MessageEdit>();
  readonly remove = output<string>();
  readonly react = output<MessageReact>();
  readonly openThread = output<string>();
  readonly jumpToLatest = output<void>();

  protected readonly groups = computed(() => groupMessages(this.entries(), this.me()));
  /** Messages that arrived while the reader was scrolled up. */
  protected readonly unseen = signal(0);
  protected readonly announcement = signal('');
  protected readonly quickReactions = QUICK_REACTIONS;
  /** The message whose actions show on a touch screen (long press), or whose picker is open. */
  protected readonly active = signal<string | null>(null);
  protected readonly picking = signal<string | null>(null);
  protected readonly editing = signal<{ id: string; text: string } | null>(null);
  protected readonly confirmingDelete = signal<string | null>(null);
  /** The first message after the reader's read position that someone else wrote. */
  protected readonly dividerKey = computed(() => {
    const read = this.lastReadSeq();
    if (read === null) return null;
    const me = this.me()?.id;
    const first = this.entries().find((e) => e.kind === 'message' && e.message.seq > read && e.message.userId !== me);
    return first?.key ?? null;
  });
  private pressTimer: ReturnType<typeof setTimeout> | null = null;
  private scrolledTo: string | null = null;

  private readonly scroller = viewChild.required<ElementRef<HTMLElement>>('scroller');
  private atBottom = true;
  private rendered: { roomId: string; firstKey?: string; lastKey?: string; height: number } | null = null;
  private announced: { roomId: string; ready: boolean; baseSeq: number; seq: number; started: Set<string>; finished: Set<string> } | null = null;

  constructor() {
    // Fetch the renderer before the first reply needs it, so replies never render twice.
    void loadMarkdownRenderer();
    afterRenderEffect({ write: () => this.keepPosition(this.roomId(), this.entries(), this.highlightId()) });
    effect(() => this.announce(this.roomId(), this.entries()));
    // Coming back to a hidden tab that sits at the bottom: what it shows has now been seen.
    const onVisible = () => {
      if (this.document.visibilityState === 'visible' && this.atBottom) this.reachedBottom();
    };
    this.document.addEventListener('visibilitychange', onVisible);
    inject(DestroyRef).onDestroy(() => this.document.removeEventListener('visibilitychange', onVisible));
  }

  protected readonly citationsOf = citationsOf;
  protected readonly initials = initials;

  protected time(iso: string): string {
    return formatMessageTime(iso);
  }

  protected isOwn(message: ChatMessage): boolean {
    return message.userId !== null && message.userId === this.me()?.id;
  }

  protected canEdit(message: ChatMessage): boolean {
    return !message.isAi && !message.deletedAt && this.isOwn(message);
  }

  protected canDelete(message: ChatMessage): boolean {
    return !message.deletedAt && message.status !== 'streaming' && (this.isOwn(message) || this.canDeleteAny());
  }

  protected reacted(reaction: { userIds: string[] }): boolean {
    const me = this.me()?.id;
    return me !== undefined && reaction.userIds.includes(me);
  }

  protected reactors(reaction: { emoji: string; userIds: string[] }): string {
    const names = reaction.userIds.map((id) => (id === this.me()?.id ? 'You' : (this.people()[id] ?? 'Someone')));
    return `${names.join(', ')} reacted with ${reaction.emoji}`;
  }

  protected toggleReaction(message: ChatMessage, emoji: string): void {
    const mine = message.reactions.find((r) => r.emoji === emoji);
    this.react.emit({ messageId: message.id, emoji, on: !(mine && this.reacted(mine)) });
    this.picking.set(null);
  }

  protected startEdit(message: ChatMessage): void {
    this.editing.set({ id: message.id, text: message.content });
    this.active.set(null);
    afterNextRender(
      () => {
        const field = this.scroller().nativeElement.querySelector<HTMLTextAreaElement>('[data-testid=edit-input]');
        field?.focus();
        field?.setSelectionRange(field.value.length, field.value.length);
      },
      { injector: this.injector },
    );
  }

  protected saveEdit(message: ChatMessage): void {
    const editing = this.editing();
    if (!editing) return;
    const content = editing.text.trim();
    if (content && content !== message.content) this.edit.emit({ messageId: message.id, content });
    this.editing.set(null);
  }

  protected onEditKeydown(event: KeyboardEvent, message: ChatMessage): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      this.editing.set(null);
    } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.saveEdit(message);
    }
  }

  protected confirmDelete(messageId: string): void {
    this.remove.emit(messageId);
    this.confirmingDelete.set(null);
  }

  protected onPressStart(messageId: string): void {
    this.onPressEnd();
    this.pressTimer = setTimeout(() => this.active.set(messageId), LONG_PRESS_MS);
  }

  protected onPressEnd(): void {
    if (this.pressTimer !== null) clearTimeout(this.pressTimer);
    this.pressTimer = null;
  }

  protected closePopovers(): void {
    this.picking.set(null);
    this.active.set(null);
    this.confirmingDelete.set(null);
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

  private keepPosition(roomId: string, entries: readonly TimelineEntry[], highlight: string | null): void {
    const el = this.scroller().nativeElement;
    const firstKey = entries[0]?.key;
    const lastKey = entries[entries.length - 1]?.key;
    const before = this.rendered;
    const target = highlight && highlight !== this.scrolledTo ? el.querySelector<HTMLElement>(`[data-message-id="${highlight.replace(/["\\]/g, '\\$&')}"]`) : null;
    if (target) {
      // A search hit: show it in the middle, and leave the reader there.
      this.scrolledTo = highlight;
      target.scrollIntoView?.({ block: 'center' });
      this.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK_PX;
    } else if (!before || before.roomId !== roomId || before.lastKey === undefined) {
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
