import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { CreateKnowledgeDocumentRequest, KnowledgeDocumentDetail, KnowledgeDocumentView } from '@chat/contract';
import type { Observable } from 'rxjs';
import { apiUrl } from './api-url';

/** The assistant's knowledge base: `/api/knowledge/documents`. */
@Injectable({ providedIn: 'root' })
export class KnowledgeApi {
  private readonly http = inject(HttpClient);
  private readonly url = apiUrl();

  list(): Observable<KnowledgeDocumentView[]> {
    return this.http.get<KnowledgeDocumentView[]>(this.url('knowledge/documents'));
  }

  get(id: string): Observable<KnowledgeDocumentDetail> {
    return this.http.get<KnowledgeDocumentDetail>(this.url(`knowledge/documents/${encodeURIComponent(id)}`));
  }

  createText(request: CreateKnowledgeDocumentRequest): Observable<KnowledgeDocumentView> {
    return this.http.post<KnowledgeDocumentView>(this.url('knowledge/documents'), request);
  }

  /** multipart/form-data: `file`, plus `title` and `roomId` when given. */
  upload(file: File, options: { title?: string; roomId?: string } = {}): Observable<KnowledgeDocumentView> {
    const form = new FormData();
    form.append('file', file, file.name);
    if (options.title) form.append('title', options.title);
    if (options.roomId) form.append('roomId', options.roomId);
    return this.http.post<KnowledgeDocumentView>(this.url('knowledge/documents'), form);
  }

  delete(id: string): Observable<void> {
    return this.http.delete<void>(this.url(`knowledge/documents/${encodeURIComponent(id)}`));
  }
}
