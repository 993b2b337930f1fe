/** Formats the knowledge base reads; anything else is refused with UNSUPPORTED_MEDIA_TYPE. */
export const KNOWLEDGE_CONTENT_TYPES = ['text/plain', 'text/markdown', 'text/html', 'application/pdf'] as const;
export type KnowledgeContentType = (typeof KNOWLEDGE_CONTENT_TYPES)[number];

/** Formats a JSON upload's `content` may be in (a PDF only comes as a file). */
export const KNOWLEDGE_TEXT_CONTENT_TYPES = ['text/plain', 'text/markdown', 'text/html'] as const;
export type KnowledgeTextContentType = (typeof KNOWLEDGE_TEXT_CONTENT_TYPES)[number];

export const KNOWLEDGE_TITLE_MAX_LENGTH = 300;
export const KNOWLEDGE_SEARCH_LIMIT_DEFAULT = 5;
export const KNOWLEDGE_SEARCH_LIMIT_MAX = 50;

export interface KnowledgeDocumentView {
  id: string;
  title: string;
  /** The uploaded file's name; null for a JSON upload. */
  filename: string | null;
  contentType: KnowledgeContentType;
  /** Null for a global document (every room's assistant may use it). */
  roomId: string | null;
  /** Null once the uploader's account is gone. */
  uploadedBy: string | null;
  createdAt: string;
  chunkCount: number;
  /** Bytes of the upload as received (the file, or the UTF-8 `content`). */
  sizeBytes: number;
}

export interface KnowledgeChunkView {
  id: string;
  /** Position in the document, from 0. */
  ordinal: number;
  /** The headings the chunk sits under, outermost first; empty before the first heading. */
  headingPath: string[];
  text: string;
}

export interface KnowledgeDocumentDetail extends KnowledgeDocumentView {
  chunks: KnowledgeChunkView[];
}

/** `POST /api/knowledge/documents` as JSON; a file goes as multipart (`file`, `title?`, `roomId?`). */
export interface CreateKnowledgeDocumentRequest {
  title: string;
  content: string;
  /** Omitted or null: a global document (admins only). */
  roomId?: string | null;
  /** How to read `content`; default `text/markdown` (plain text reads the same way). */
  contentType?: KnowledgeTextContentType;
}

export interface KnowledgeSearchResult {
  documentId: string;
  title: string;
  chunkId: string;
  snippet: string;
  /** Higher is better; only comparable within one answer. */
  score: number;
}

export interface KnowledgeSearchResponse {
  results: KnowledgeSearchResult[];
}

/** A source the assistant's answer refers to as [n]. */
export interface Citation {
  n: number;
  documentId: string;
  title: string;
  chunkId: string;
  snippet: string;
}
