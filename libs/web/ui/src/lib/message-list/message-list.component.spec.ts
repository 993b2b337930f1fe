import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { FRESH_MESSAGE_STATE } from '@chat/contract';
import type { ChatMessage } from '@chat/contract';
import { OutgoingMessage, TimelineEntry, toTimeline} from '@chat/web-util';
import { MessageListComponent } from './message-list.component';

const ME = { id: 'u-me', username: 'me', displayName: 'Me' };
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function msg(seq: number, author: 'me' | 'alice' | 'ai', extra: Partial<ChatMessage> = {}): ChatMessage {
  const base = { id: `m${seq}`, roomId: 'r', seq, content: `message ${seq}`, timestamp: new Date(T0 + seq * 1000).toISOString(), status: 'complete' as const, ...FRESH_MESSAGE_STATE };
  const who =
    author === 'ai'
      ? { userId: null, username: 'assistant', displayName: 'AI Assistant', isAi: true }
      : author === 'me'
        ? { userId: 'u-me', username: 'me', displayName: 'Me', isAi: false }
        : { userId: 'u-alice', username: 'alice', displayName: 'Alice', isAi: false };
  return { ...base, ...who, ...extra };
}

describe(MessageListComponent.name, () => {
  let fixture: ComponentFixture<MessageListComponent>;
  let host: HTMLElement;

  async function render(entries: TimelineEntry[], inputs: Record<string, unknown> = {}): Promise<void> {
    fixture.componentRef.setInput('roomId', 'r');
    fixture.componentRef.setInput('me', ME);
    fixture.componentRef.setInput('entries', entries);
    for (const [name, value] of Object.entries(inputs)) fixture.componentRef.setInput(name, value);
    await fixture.whenStable();
  }

  beforeEach(() => {
    TestBed.configureTestingModule({ imports: [MessageListComponent], providers: [provideRouter([])] });
    fixture = TestBed.createComponent(MessageListComponent);
    host = fixture.nativeElement as HTMLElement;
  });

  it('should group messages by author with names, times and an AI badge', async () => {
    await render(toTimeline([msg(1, 'alice'), msg(2, 'alice'), msg(3, 'me'), msg(4, 'ai')], []));

    const groups = [...host.querySelectorAll('section.group')];
    expect(groups.map((g) => g.className.match(/group-(own|other|ai)/)?.[1])).toEqual(['other', 'own', 'ai']);
    expect(groups.map((g) => g.querySelector('.author')?.textContent?.trim())).toEqual(['Alice', 'Me (you)', 'AI Assistant']);
    expect(groups[0].querySelectorAll('[data-testid=message-item]')).toHaveLength(2);
    expect(groups[2].querySelector('.badge-ai')?.textContent?.trim()).toBe('AI');
    expect(groups[1].querySelector('.badge-ai')).toBeNull();
    expect(groups.every((g) => g.querySelector('time')?.getAttribute('datetime'))).toBe(true);
    expect([...host.querySelectorAll('[data-testid=message-item]')].map((e) => e.getAttribute('data-seq'))).toEqual(['1', '2', '3', '4']);
  });

  it('should mark a service account’s messages with a bot badge, and nobody else’s', async () => {
    await render(toTimeline([msg(1, 'alice'), msg(2, 'alice', { userId: 'u-bot', username: 'ci', displayName: 'CI', isBot: true }), msg(3, 'ai')], []));
    const groups = [...host.querySelectorAll('section.group')];
    expect(groups.map((g) => g.querySelector('[data-testid=bot-badge]')?.textContent?.trim() ?? null)).toEqual([null, 'bot', null]);
  });

  it('should show user text as text, never as HTML', async () => {
    await render(toTimeline([msg(1, 'alice', { content: '<img src=x onerror="alert(1)"><b>bold</b>' })], []));
    const item = host.querySelector('[data-testid=message-item]') as HTMLElement;
    expect(item.querySelector('img, b')).toBeNull();
    expect(item.textContent).toContain('<b>bold</b>');
  });

  it('should offer Retry for a failed send and Stop for a reply the user asked for', async () => {
    const failed: OutgoingMessage = { clientMessageId: 'c1', roomId: 'r', content: 'oops', useAi: false, status: 'failed', error: 'Too many', createdAt: new Date(T0 + 9000).toISOString() };
    const streaming = msg(5, 'ai', { status: 'streaming', content: '', metadata: { requestedBy: 'u-me' } });
    const othersReply = msg(6, 'ai', { status: 'streaming', content: 'x', metadata: { requestedBy: 'u-alice' } });
    await render(toTimeline([streaming, othersReply], [failed]));

    const retried: string[] = [];
    const stopped: string[] = [];
    fixture.componentInstance.retry.subscribe((id) => retried.push(id));
    fixture.componentInstance.stop.subscribe((id) => stopped.push(id));

    const stops = host.querySelectorAll<HTMLButtonElement>('[data-testid=stop-button]');
    expect(stops).toHaveLength(1);
    stops[0].click();
    host.querySelector<HTMLButtonElement>('[data-testid=retry-button]')?.click();
    expect(stopped).toEqual(['m5']);
    expect(retried).toEqual(['c1']);
    expect(host.querySelector('[data-pending=true]')?.textContent).toContain('Not sent: Too many');
  });

  it('should show cancelled and failed replies plainly, and citations as links to the knowledge base', async () => {
    await render(
      toTimeline(
        [
          msg(1, 'ai', { status: 'cancelled', content: 'Partial' }),
          msg(2, 'ai', { status: 'error', content: 'Oops', metadata: { errorCode: 'AI_TIMEOUT' } }),
          msg(3, 'ai', { metadata: { citations: [{ n: 1, documentId: 'doc-1', title: 'Handbook', chunkId: 'c-7', snippet: 'Leave' }] } }),
        ],
        [],
      ),
    );
    expect(host.querySelector('[data-testid=ai-cancelled]')?.textContent).toContain('Stopped');
    expect(host.querySelector('[data-testid=ai-error]')?.textContent).toContain('AI_TIMEOUT');
    const link = host.querySelector('[data-testid=citations] a') as HTMLAnchorElement;
    expect(link.getAttribute('href')).toBe('/knowledge/doc-1#chunk-c-7');
    expect(link.textContent?.trim()).toBe('[1] Handbook');
  });

  it('should announce new messages from others in a live region, but not the history it opened with', async () => {
    await render(toTimeline([msg(1, 'alice')], []), { historyLoaded: true });
    const announcer = host.querySelector('[data-testid=message-announcer]') as HTMLElement;
    expect(announcer.getAttribute('aria-live')).toBe('polite');
    expect(announcer.textContent?.trim()).toBe('');

    await render(toTimeline([msg(1, 'alice'), msg(2, 'alice', { content: 'Lunch?' }), msg(3, 'me')], []));
    expect(announcer.textContent?.trim()).toBe('Alice: Lunch?');
  });

  it('should not render the "new messages" marker while the reader is at the bottom', async () => {
    await render(toTimeline([msg(1, 'alice')], []));
    await render(toTimeline([msg(1, 'alice'), msg(2, 'alice')], []));
    expect(host.querySelector('[data-testid=new-messages-marker]')).toBeNull();
  });

  it('should mark edits, show tombstones, and toggle reaction chips naming who reacted', async () => {
    const edited = msg(1, 'alice', { content: 'fixed', editedAt: new Date(T0 + 5000).toISOString() });
    const deleted = msg(2, 'alice', { content: '', deletedAt: new Date(T0 + 6000).toISOString() });
    const liked = msg(3, 'alice', { reactions: [{ emoji: '👍', count: 2, userIds: ['u-alice', 'u-me'] }] });
    await render(toTimeline([edited, deleted, liked], []), { people: { 'u-alice': 'Alice' } });
    const items = [...host.querySelectorAll<HTMLElement>('[data-testid=message-item]')];
    expect(items[0].querySelector('[data-testid=message-edited]')?.textContent).toBe('(edited)');
    expect(items[1].querySelector('[data-testid=message-deleted]')?.textContent).toContain('deleted');
    expect(items[1].querySelector('[data-testid=react-button], [data-testid=edit-button]')).toBeNull();
    const chip = items[2].querySelector<HTMLButtonElement>('[data-testid=reaction-chip]')!;
    expect(chip.getAttribute('aria-pressed')).toBe('true');
    expect(chip.title).toBe('Alice, You reacted with 👍');
    const reacts: unknown[] = [];
    fixture.componentInstance.react.subscribe((r) => reacts.push(r));
    chip.click();
    expect(reacts).toEqual([{ messageId: 'm3', emoji: '👍', on: false }]);
  });

  it('should offer edit and delete only where allowed, and emit the edit on Enter', async () => {
    await render(toTimeline([msg(1, 'alice'), msg(2, 'me')], []));
    const [theirs, mine] = [...host.querySelectorAll<HTMLElement>('[data-testid=message-item]')];
    expect(theirs.querySelector('[data-testid=edit-button], [data-testid=delete-button]')).toBeNull();
    expect(theirs.querySelector('[data-testid=reply-thread-button]')).not.toBeNull();
    const edits: unknown[] = [];
    fixture.componentInstance.edit.subscribe((e) => edits.push(e));
    mine.querySelector<HTMLButtonElement>('[data-testid=edit-button]')!.click();
    await fixture.whenStable();
    const field = host.querySelector<HTMLTextAreaElement>('[data-testid=edit-input]')!;
    field.value = 'message 2, fixed';
    field.dispatchEvent(new Event('input'));
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await fixture.whenStable();
    expect(edits).toEqual([{ messageId: 'm2', content: 'message 2, fixed' }]);
    expect(host.querySelector('[data-testid=edit-input]')).toBeNull();

    // An owner may delete anyone's message.
    await render(toTimeline([msg(1, 'alice'), msg(2, 'me')], []), { canDeleteAny: true });
    expect(host.querySelectorAll('[data-testid=delete-button]')).toHaveLength(2);
  });

  it('should put the new-messages divider before the first unread message of someone else', async () => {
    await render(toTimeline([msg(1, 'alice'), msg(2, 'me'), msg(3, 'alice'), msg(4, 'alice')], []), { lastReadSeq: 1 });
    const divider = host.querySelector('[data-testid=new-messages-divider]');
    expect(divider?.nextElementSibling?.getAttribute('data-seq')).toBe('3');
    await render(toTimeline([msg(1, 'alice')], []), { lastReadSeq: 1 });
    expect(host.querySelector('[data-testid=new-messages-divider]')).toBeNull();
  });
});
