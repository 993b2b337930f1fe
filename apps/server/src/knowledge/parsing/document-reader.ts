import { extname } from 'node:path';
import type { KnowledgeContentType } from '@chat/contract';
import type { ParsedDocument } from './blocks.js';
import { parseHtml } from './html-parser.js';
import { parseMarkdown } from './markdown-parser.js';
import { parsePdf, UnreadablePdfError } from './pdf-parser.js';
import { parsePlainText } from './text-parser.js';

/** Why an upload cannot be read; the service answers it with UNSUPPORTED_MEDIA_TYPE. */
export class UnsupportedDocumentError extends Error {}

const BY_MIME: Record<string, KnowledgeContentType> = {
  'text/plain': 'text/plain',
  'text/markdown': 'text/markdown',
  'text/x-markdown': 'text/markdown',
  'text/html': 'text/html',
  'application/xhtml+xml': 'text/html',
  'application/pdf': 'application/pdf',
  'application/x-pdf': 'application/pdf',
};

const BY_EXTENSION: Record<string, KnowledgeContentType> = {
  '.txt': 'text/plain',
  '.text': 'text/plain',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.mdown': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.xhtml': 'text/html',
  '.pdf': 'application/pdf',
};

/** Clients label uploads loosely (curl and many browsers send octet-stream or text/plain for .md). */
const GENERIC_MIME = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

/**
 * The format of an upload, from its declared type and its file name; a generic or plain-text type
 * defers to a more specific extension. Null when it is none the knowledge base reads.
 */
export function detectContentType(mimetype: string | undefined, filename: string | undefined): KnowledgeContentType | null {
  const mime = (mimetype ?? '').split(';')[0].trim().toLowerCase();
  const byExtension = filename ? BY_EXTENSION[extname(filename).toLowerCase()] : undefined;
  if (GENERIC_MIME.has(mime)) return byExtension ?? null;
  if (mime === 'text/plain' && byExtension && byExtension !== 'application/pdf') return byExtension;
  return BY_MIME[mime] ?? null;
}

function decodeUtf8(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnsupportedDocumentError('The file is not UTF-8 text');
  }
  if (text.includes('\u0000')) throw new UnsupportedDocumentError('The file is binary, not text');
  return text;
}

/** Reads an upload of a known type into headings and paragraphs. */
export async function readDocument(contentType: KnowledgeContentType, bytes: Uint8Array): Promise<ParsedDocument> {
  switch (contentType) {
    case 'application/pdf': {
      const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
      if (!head.includes('%PDF-')) throw new UnsupportedDocumentError('The file is not a PDF');
      try {
        return await parsePdf(bytes);
      } catch (error) {
        if (error instanceof UnreadablePdfError) throw new UnsupportedDocumentError(`The PDF could not be read (${error.message})`);
        throw error;
      }
    }
    case 'text/html':
      return parseHtml(decodeUtf8(bytes));
    case 'text/markdown':
      return parseMarkdown(decodeUtf8(bytes));
    case 'text/plain':
      return parsePlainText(decodeUtf8(bytes));
  }
}
