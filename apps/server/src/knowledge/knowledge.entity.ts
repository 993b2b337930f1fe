import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { KnowledgeContentType } from '@chat/contract';

@Entity({ name: 'knowledge_documents' })
export class KnowledgeDocumentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Null: a global document. */
  @Column({ name: 'room_id', type: 'varchar', length: 64, nullable: true })
  roomId: string | null;

  @Column({ type: 'varchar', length: 300 })
  title: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  filename: string | null;

  @Column({ name: 'content_type', type: 'varchar', length: 32 })
  contentType: KnowledgeContentType;

  /** SHA-256 of the extracted, whitespace-normalised text: what "the same content" means. */
  @Column({ type: 'char', length: 64 })
  checksum: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes: number;

  /** The text search configuration the chunks' vectors were built with. */
  @Column({ type: 'varchar', length: 63 })
  language: string;

  @Column({ name: 'uploaded_by', type: 'uuid', nullable: true })
  uploadedBy: string | null;

  @Column({ name: 'chunk_count', type: 'integer', default: 0 })
  chunkCount: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/**
 * Rows are written with SQL (the search vector is computed by Postgres in the configured
 * language), so the vector and embedding columns are read-only here.
 */
@Entity({ name: 'knowledge_chunks' })
export class KnowledgeChunkEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'document_id', type: 'uuid' })
  documentId: string;

  @Column({ type: 'integer' })
  ordinal: number;

  @Column({ name: 'heading_path', type: 'text', array: true, default: () => `'{}'` })
  headingPath: string[];

  @Column({ type: 'text' })
  content: string;

  @Column({ name: 'token_count', type: 'integer' })
  tokenCount: number;

  @Column({ name: 'search_vector', type: 'tsvector', select: false, insert: false, update: false })
  searchVector: string;

  @Column({ type: 'real', array: true, nullable: true, select: false, insert: false, update: false })
  embedding: number[] | null;

  @Column({ name: 'embedding_model', type: 'varchar', length: 200, nullable: true, select: false, insert: false, update: false })
  embeddingModel: string | null;
}
