import type { MigrationInterface, QueryRunner } from 'typeorm';

export class KnowledgeBase1764900000000 implements MigrationInterface {
  name = 'KnowledgeBase1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // pgvector is optional: used for embedding search when the server has it and we may create it.
    // Without it (or without the right to create it) embeddings are compared in the application.
    await queryRunner.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
          CREATE EXTENSION IF NOT EXISTS vector;
        END IF;
      EXCEPTION WHEN insufficient_privilege OR feature_not_supported THEN
        RAISE NOTICE 'pgvector is available but could not be created: %', SQLERRM;
      END
      $$`);

    await queryRunner.query(`
      CREATE TABLE knowledge_documents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        room_id varchar(64) REFERENCES rooms (id) ON DELETE CASCADE,
        title varchar(300) NOT NULL CHECK (btrim(title) <> ''),
        filename varchar(255),
        content_type varchar(32) NOT NULL
          CHECK (content_type IN ('text/plain', 'text/markdown', 'text/html', 'application/pdf')),
        checksum char(64) NOT NULL,
        size_bytes integer NOT NULL CHECK (size_bytes >= 0),
        language varchar(63) NOT NULL,
        uploaded_by uuid REFERENCES users (id) ON DELETE SET NULL,
        chunk_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The same text once per scope; NULL (global) is folded to '' because NULLs never collide in a
    // unique index, and '' is never a room id.
    await queryRunner.query(`CREATE UNIQUE INDEX knowledge_documents_scope_checksum_key ON knowledge_documents ((coalesce(room_id, '')), checksum)`);
    await queryRunner.query(`CREATE INDEX knowledge_documents_room_idx ON knowledge_documents (room_id)`);

    await queryRunner.query(`
      CREATE TABLE knowledge_chunks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        document_id uuid NOT NULL REFERENCES knowledge_documents (id) ON DELETE CASCADE,
        ordinal integer NOT NULL CHECK (ordinal >= 0),
        heading_path text[] NOT NULL DEFAULT '{}',
        content text NOT NULL CHECK (btrim(content) <> ''),
        token_count integer NOT NULL,
        search_vector tsvector NOT NULL,
        embedding real[],
        embedding_model varchar(200),
        CONSTRAINT knowledge_chunks_document_ordinal_key UNIQUE (document_id, ordinal)
      )`);
    await queryRunner.query(`CREATE INDEX knowledge_chunks_search_idx ON knowledge_chunks USING gin (search_vector)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE knowledge_chunks`);
    await queryRunner.query(`DROP TABLE knowledge_documents`);
  }
}
