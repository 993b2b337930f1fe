import { TestBed } from '@angular/core/testing';
import { TypingIndicatorComponent } from './typing-indicator.component';

describe(TypingIndicatorComponent.name, () => {
  it('should say who is typing, count several, and keep its line when nobody is', async () => {
    const fixture = TestBed.createComponent(TypingIndicatorComponent);
    const text = () => (fixture.nativeElement.querySelector('[data-testid=typing-indicator]') as HTMLElement).textContent?.trim();

    fixture.componentRef.setInput('names', ['Alice']);
    await fixture.whenStable();
    expect(text()).toBe('Alice is typing…');

    fixture.componentRef.setInput('names', ['Alice', 'Bob']);
    await fixture.whenStable();
    expect(text()).toBe('2 people are typing…');

    fixture.componentRef.setInput('names', []);
    await fixture.whenStable();
    expect(text()).toBe('');
    expect(fixture.nativeElement.querySelector('[data-testid=typing-indicator]')).not.toBeNull();
  });
});
