import { renderMarkdown } from './render-markdown';

describe('renderMarkdown', () => {
  it('should render Markdown and highlight code in a known language', () => {
    const html = renderMarkdown('Some **bold** text\n\n```ts\nconst x: number = 1;\n```');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('class="hljs language-ts"');
    expect(html).toContain('hljs-keyword');
  });

  it('should show raw HTML as text and strip anything scriptable', () => {
    const html = renderMarkdown('<script>alert(1)</script><img src=x onerror=alert(1)> [click](javascript:alert(1))');
    const div = document.createElement('div');
    div.innerHTML = html;
    expect(div.querySelector('script, img')).toBeNull();
    expect(div.textContent).toContain('<script>alert(1)</script>');
    expect(div.querySelector('a')?.getAttribute('href') ?? '').not.toContain('javascript:');
  });

  it('should open links in a new tab without giving them the opener', () => {
    const div = document.createElement('div');
    div.innerHTML = renderMarkdown('[docs](https://example.com/docs)');
    const a = div.querySelector('a');
    expect(a?.getAttribute('target')).toBe('_blank');
    expect(a?.getAttribute('rel')).toContain('noopener');
  });

  it('should mark @mentions, the reader\'s own apart, but not inside code or e-mail addresses', () => {
    const div = document.createElement('div');
    div.innerHTML = renderMarkdown('hi @Bob and @me_1. `@code` mail x@example.com', { me: 'ME_1' });
    const marked = [...div.querySelectorAll('.mention')].map((el) => [el.textContent, el.classList.contains('mention-me')]);
    expect(marked).toEqual([
      ['@Bob', false],
      ['@me_1', true],
    ]);
    expect(div.querySelector('code')?.textContent).toBe('@code');
  });
});
