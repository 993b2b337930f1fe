// Runs in a worker thread of the parse pool (document-parser-pool.ts): everything CPU- and
// memory-heavy about an upload happens here, under the pool's time and memory limits.
import type { KnowledgeContentType } from '@chat/contract';
import { chunkDocument, type DraftChunk } from '../chunker.js';
import { canonicalText, DocumentLimitError } from './blocks.js';
import { readDocument, UnsupportedDocumentError } from './document-reader.js';
import { assertPdfUnpacksWithin } from './pdf-unpacked-size.js';

export interface ParseTask {
  contentType: KnowledgeContentType;
  bytes: Uint8Array;
  chunkTokens: number;
  overlapTokens: number;
  /** Most characters of text a document may unpack to (a small PDF can inflate to hundreds of MB). */
  maxTextChars: number;
  /** Most bytes a PDF's compressed streams may inflate to, checked before pdf.js inflates them. */
  maxUnpackedBytes: number;
}

export type ParseOutcome =
  | { ok: true; title: string | null; drafts: DraftChunk[]; canonical: string }
  | { ok: false; kind: 'unsupported' | 'limit'; message: string };

export default async function parse(task: ParseTask): Promise<ParseOutcome> {
  try {
    if (task.contentType === 'application/pdf') await assertPdfUnpacksWithin(task.bytes, task.maxUnpackedBytes);
    const parsed = await readDocument(task.contentType, task.bytes);
    const canonical = canonicalText(parsed.blocks);
    if (canonical.length > task.maxTextChars) {
      return { ok: false, kind: 'limit', message: `The document unpacks to more than ${task.maxTextChars} characters of text` };
    }
    const drafts = chunkDocument(parsed.blocks, { maxTokens: task.chunkTokens, overlapTokens: task.overlapTokens });
    return { ok: true, title: parsed.title, drafts, canonical };
  } catch (error) {
    // Error classes do not survive the thread boundary: the outcome says which kind it was.
    if (error instanceof UnsupportedDocumentError) return { ok: false, kind: 'unsupported', message: error.message };
    if (error instanceof DocumentLimitError) return { ok: false, kind: 'limit', message: error.message };
    throw error;
  }
}
