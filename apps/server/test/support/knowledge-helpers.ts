import { readFileSync } from 'node:fs';
import type { CreateKnowledgeDocumentRequest, HttpErrorBody, KnowledgeDocumentView, RoomView, RoomVisibility } from '@chat/contract';
import type { TestApp } from './test-app.js';

/** The evaluation set's documents double as realistic fixtures. */
export const EVAL_DOCUMENTS = new URL('../../../retrieval-eval/data/documents/', import.meta.url);

export function evalDocument(name: string): Buffer {
  return readFileSync(new URL(name, EVAL_DOCUMENTS));
}

export type UploadAnswer = { status: number; body: KnowledgeDocumentView & HttpErrorBody };

export function uploadJson(t: TestApp, token: string, body: Partial<CreateKnowledgeDocumentRequest> & Record<string, unknown>): Promise<UploadAnswer> {
  return t.http('POST', '/api/knowledge/documents', { token, body });
}

/** A multipart upload, as a browser form or `curl -F` sends it. */
export async function uploadFile(
  t: TestApp,
  token: string,
  file: { name: string; type: string; content: Buffer | string } | null,
  fields: Record<string, string> = {},
): Promise<UploadAnswer> {
  const form = new FormData();
  if (file) form.append('file', new Blob([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)], { type: file.type }), file.name);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = await fetch(`${t.baseUrl}/api/knowledge/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function createKnowledgeRoom(t: TestApp, token: string, id: string, visibility: RoomVisibility, members: { id: string }[] = []): Promise<RoomView> {
  const created = await t.http<RoomView>('POST', '/api/rooms', { token, body: { id, name: id, visibility } });
  if (created.status !== 201) throw new Error(`create room ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  for (const member of members) {
    const put = await t.http('PUT', `/api/rooms/${id}/members/${member.id}`, { token, body: {} });
    if (put.status !== 200) throw new Error(`add member to ${id}: ${put.status}`);
  }
  return created.body;
}

/** `count` distinct sentences: text that chunks into many pieces and never repeats itself. */
export function longText(count: number, topic = 'rule'): string {
  return Array.from({ length: count }, (_, i) => `Paragraph ${i} sets out ${topic} number ${i} for everyone.`).join('\n\n');
}
