import { HttpErrorResponse } from '@angular/common/http';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { KnowledgeDocumentView } from '@chat/contract';
import { KnowledgeApi } from '@chat/web-data-access';
import { of, throwError } from 'rxjs';
import { AdminKnowledgeComponent } from './admin-knowledge.component';

const doc: KnowledgeDocumentView = {
  id: 'd1',
  title: 'Handbook',
  filename: 'handbook.md',
  contentType: 'text/markdown',
  roomId: null,
  uploadedBy: 'u1',
  createdAt: '2026-01-01T00:00:00.000Z',
  chunkCount: 4,
  sizeBytes: 1200,
};

describe(AdminKnowledgeComponent.name, () => {
  function setup(api: Partial<KnowledgeApi>) {
    TestBed.configureTestingModule({ providers: [provideRouter([]), { provide: KnowledgeApi, useValue: api }] });
    return TestBed.createComponent(AdminKnowledgeComponent);
  }

  it('should list documents with a link to each', async () => {
    const fixture = setup({ list: () => of([doc]) });
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelectorAll('[data-testid=knowledge-item]')).toHaveLength(1);
    expect(el.querySelector('[data-testid=knowledge-item] a')?.getAttribute('href')).toBe('/knowledge/d1');
  });

  it('should say plainly when the server has no knowledge API', async () => {
    const fixture = setup({ list: () => throwError(() => new HttpErrorResponse({ status: 404, statusText: 'Not Found', url: '/api/knowledge/documents' })) });
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-testid=knowledge-missing]')?.textContent).toContain('not available');
  });

  it('should post pasted text as JSON and reload the list', async () => {
    const createText = vi.fn(() => of(doc));
    const list = vi.fn(() => of([] as KnowledgeDocumentView[]));
    const fixture = setup({ list, createText });
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    (el.querySelector('input[value=text]') as HTMLInputElement).click();
    await fixture.whenStable();
    const fill = (selector: string, value: string) => {
      const input = el.querySelector(selector) as HTMLInputElement | HTMLTextAreaElement;
      input.value = value;
      input.dispatchEvent(new Event('input'));
    };
    fill('input[name=title]', 'Handbook');
    fill('textarea[name=content]', '# Leave\nTwenty days.');
    await fixture.whenStable();
    (el.querySelector('[data-testid=knowledge-form] button[type=submit]') as HTMLButtonElement).click();
    await fixture.whenStable();
    expect(createText).toHaveBeenCalledWith({ title: 'Handbook', content: '# Leave\nTwenty days.' });
    expect(list).toHaveBeenCalledTimes(2);
    expect(el.textContent).toContain('Added “Handbook”');
  });
});
