import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { KNOWLEDGE_TITLE_MAX_LENGTH } from '@chat/contract';
import type { KnowledgeDocumentView } from '@chat/contract';
import { describeApiError, KnowledgeApi, toApiError } from '@chat/web-data-access';
import { formatMessageTime } from '@chat/web-util';
import { BehaviorSubject, catchError, map, Observable, of, switchMap } from 'rxjs';

type DocumentsLoad =
  | { state: 'ok'; documents: KnowledgeDocumentView[] }
  | { state: 'missing' }
  | { state: 'error'; message: string };

const MISSING = 'The knowledge base is not available on this server yet (GET /api/knowledge/documents answered 404).';

/** Documents the assistant cites: list, add (a file, or pasted text) and delete. */
@Component({
  selector: 'chat-admin-knowledge',
  imports: [FormsModule, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './admin-knowledge.component.html',
  styleUrl: './admin-knowledge.component.css',
})
export class AdminKnowledgeComponent {
  private readonly api = inject(KnowledgeApi);

  private readonly reload = new BehaviorSubject<void>(undefined);
  protected readonly load = toSignal(
    this.reload.pipe(
      switchMap(() =>
        this.api.list().pipe(
          map((documents): DocumentsLoad => ({ state: 'ok', documents })),
          catchError((error: unknown) =>
            of<DocumentsLoad>(toApiError(error).status === 404 ? { state: 'missing' } : { state: 'error', message: describeApiError(error) }),
          ),
        ),
      ),
    ),
  );
  protected readonly missingMessage = MISSING;
  protected readonly titleMaxLength = KNOWLEDGE_TITLE_MAX_LENGTH;

  protected mode: 'file' | 'text' = 'file';
  protected title = '';
  protected roomId = '';
  protected content = '';
  protected file: File | null = null;
  protected readonly busy = signal(false);
  protected readonly formError = signal<string | null>(null);
  protected readonly formOk = signal<string | null>(null);
  protected readonly deleting = signal<string | null>(null);

  protected pickFile(event: Event): void {
    this.file = (event.target as HTMLInputElement).files?.[0] ?? null;
  }

  protected submit(form: { resetForm(): void }): void {
    const title = this.title.trim();
    const roomId = this.roomId.trim() || undefined;
    let upload$: Observable<KnowledgeDocumentView>;
    if (this.mode === 'file') {
      if (!this.file) return this.formError.set('Choose a file to upload.');
      upload$ = this.api.upload(this.file, { title: title || undefined, roomId });
    } else {
      if (!title || !this.content.trim()) return this.formError.set('A title and some text are needed.');
      upload$ = this.api.createText({ title, content: this.content, ...(roomId ? { roomId } : {}) });
    }
    this.busy.set(true);
    this.formError.set(null);
    this.formOk.set(null);
    upload$.subscribe({
      next: (doc) => {
        this.busy.set(false);
        this.formOk.set(`Added “${doc.title}” (${doc.chunkCount} sections).`);
        this.file = null;
        form.resetForm();
        this.reload.next();
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.formError.set(toApiError(error).status === 404 ? MISSING : describeApiError(error));
      },
    });
  }

  protected remove(doc: KnowledgeDocumentView): void {
    if (!confirm(`Delete “${doc.title}”? The assistant will no longer cite it.`)) return;
    this.deleting.set(doc.id);
    this.api.delete(doc.id).subscribe({
      next: () => {
        this.deleting.set(null);
        this.reload.next();
      },
      error: (error: unknown) => {
        this.deleting.set(null);
        this.formError.set(describeApiError(error));
      },
    });
  }

  protected when(iso: string): string {
    return formatMessageTime(iso);
  }
}
