import { ComponentFixture, TestBed } from '@angular/core/testing';
import { ComposerComponent, ComposerSubmit } from './composer.component';

describe(ComposerComponent.name, () => {
  let fixture: ComponentFixture<ComposerComponent>;
  let field: HTMLTextAreaElement;
  let sent: ComposerSubmit[];
  let typing: boolean[];

  beforeEach(async () => {
    fixture = TestBed.createComponent(ComposerComponent);
    sent = [];
    typing = [];
    fixture.componentInstance.send.subscribe((m) => sent.push(m));
    fixture.componentInstance.typing.subscribe((t) => typing.push(t));
    await fixture.whenStable();
    field = fixture.nativeElement.querySelector('[data-testid=composer-input]');
  });

  async function type(text: string): Promise<void> {
    field.value = text;
    field.dispatchEvent(new Event('input'));
    await fixture.whenStable();
  }

  function press(key: string, init: KeyboardEventInit = {}): KeyboardEvent {
    const event = new KeyboardEvent('keydown', { key, cancelable: true, ...init });
    field.dispatchEvent(event);
    return event;
  }

  const byTestId = (id: string) => fixture.nativeElement.querySelector(`[data-testid=${id}]`) as HTMLButtonElement;

  it('should send on Enter and clear the field', async () => {
    await type('Hello there');
    const enter = press('Enter');
    await fixture.whenStable();
    expect(enter.defaultPrevented).toBe(true);
    expect(sent).toEqual([{ content: 'Hello there', useAi: false }]);
    expect(field.value).toBe('');
    expect(typing).toEqual([true, false]);
  });

  it('should leave Shift+Enter to the textarea as a new line', async () => {
    await type('line one');
    const shiftEnter = press('Enter', { shiftKey: true });
    expect(shiftEnter.defaultPrevented).toBe(false);
    expect(sent).toEqual([]);
  });

  it('should not send while an IME composes, nor an empty message', async () => {
    await type('かな');
    press('Enter', { isComposing: true });
    await type('   ');
    press('Enter');
    expect(sent).toEqual([]);
    expect(byTestId('send-button').disabled).toBe(true);
  });

  it('should send with useAi when Ask AI is on, once', async () => {
    byTestId('ask-ai-toggle').click();
    await fixture.whenStable();
    expect(byTestId('ask-ai-toggle').getAttribute('aria-pressed')).toBe('true');
    await type('What is our leave policy?');
    byTestId('send-button').click();
    await fixture.whenStable();
    await type('thanks');
    press('Enter');
    expect(sent).toEqual([
      { content: 'What is our leave policy?', useAi: true },
      { content: 'thanks', useAi: false },
    ]);
  });

  it('should say an @ai mention asks the assistant', async () => {
    await type('@ai summarise this');
    expect(fixture.nativeElement.textContent).toContain('The assistant will answer');
  });

  it('should show a counter near the limit and refuse text over it', async () => {
    fixture.componentRef.setInput('maxLength', 100);
    await type('x'.repeat(89));
    expect(byTestId('char-counter')).toBeNull();
    await type('x'.repeat(90));
    expect(byTestId('char-counter').textContent?.trim()).toBe('90 / 100');
    expect(byTestId('send-button').disabled).toBe(false);
    await type('😀'.repeat(101));
    expect(byTestId('char-counter').textContent?.trim()).toBe('101 / 100');
    expect(byTestId('char-counter').classList).toContain('over');
    expect(byTestId('send-button').disabled).toBe(true);
    press('Enter');
    expect(sent).toEqual([]);
  });

  it('should turn Ask AI off where the assistant is off', async () => {
    fixture.componentRef.setInput('aiAvailable', false);
    await fixture.whenStable();
    expect(byTestId('ask-ai-toggle').disabled).toBe(true);
  });
});
