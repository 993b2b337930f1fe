import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app/create-app.js';
import { ConfigError } from '../../src/config/app-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { KnowledgeBase1764900000000 } from '../../src/database/migrations/1764900000000-knowledge-base.js';
import { runMigrations } from '../../src/database/migrate.js';
import { KnowledgeService } from '../../src/knowledge/knowledge.service.js';
import { createTestDatabase, TestDatabase } from '../support/postgres.js';
import { testConfig } from '../support/test-config.js';

describe('knowledge base start-up', () => {
  let database: TestDatabase;
  const apps: NestExpressApplication[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await database.drop();
  });

  async function start(env: Record<string, string> = {}): Promise<NestExpressApplication> {
    const app = await createApp(testConfig(database.url, env));
    apps.push(app);
    await app.init();
    return app;
  }

  it('should create the knowledge tables with a GIN index on the search vectors, and drop them again on revert', async () => {
    const db = await new DataSource(dataSourceOptions(database.url)).initialize();
    try {
      await runMigrations(db);
      const indexes = await db.query<{ indexname: string; indexdef: string }[]>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('knowledge_documents', 'knowledge_chunks') ORDER BY indexname`,
      );
      expect(indexes.find((i) => i.indexname === 'knowledge_chunks_search_idx')?.indexdef).toMatch(/USING gin \(search_vector\)/);
      expect(indexes.find((i) => i.indexname === 'knowledge_documents_scope_checksum_key')?.indexdef).toMatch(/UNIQUE INDEX .*COALESCE\(room_id/);
      const columns = await db.query<{ column_name: string; data_type: string }[]>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'knowledge_chunks' AND column_name IN ('search_vector', 'embedding', 'heading_path') ORDER BY column_name`,
      );
      expect(columns).toEqual([
        { column_name: 'embedding', data_type: 'ARRAY' },
        { column_name: 'heading_path', data_type: 'ARRAY' },
        { column_name: 'search_vector', data_type: 'tsvector' },
      ]);
      const runner = db.createQueryRunner();
      await new KnowledgeBase1764900000000().down(runner);
      await runner.release();
      expect(await db.query(`SELECT to_regclass('knowledge_chunks') AS chunks, to_regclass('knowledge_documents') AS documents`)).toEqual([{ chunks: null, documents: null }]);
    } finally {
      await db.destroy();
    }
  });

  it('should refuse to start with a KNOWLEDGE_LANGUAGE Postgres does not know, naming the variable', async () => {
    const failure = await createApp(testConfig(database.url, { KNOWLEDGE_LANGUAGE: 'klingon' })).then(
      async (app) => {
        apps.push(app);
        return app.init().then(() => null, (error: unknown) => error);
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).message).toBe('Invalid configuration: KNOWLEDGE_LANGUAGE names no text search configuration in this database: "klingon"');
  });

  it('should rebuild the search vectors of stored documents when KNOWLEDGE_LANGUAGE changes', async () => {
    const english = await start();
    const stored = await english.get(KnowledgeService).ingest({
      title: 'Catering',
      filename: null,
      contentType: 'text/plain',
      bytes: new TextEncoder().encode('Caterers are booked for all meetings with customers.'),
      roomId: null,
      uploadedBy: null,
    });
    // English stems: "meeting" finds "meetings".
    expect((await english.get(KnowledgeService).retrieve(null, 'meeting', 5)).map((c) => c.documentId)).toEqual([stored.id]);
    await english.close();
    apps.splice(apps.indexOf(english), 1);

    const simple = await start({ KNOWLEDGE_LANGUAGE: 'simple' });
    const db = simple.get(DataSource);
    expect(await db.query('SELECT language FROM knowledge_documents')).toEqual([{ language: 'simple' }]);
    const knowledge = simple.get(KnowledgeService);
    // "simple" does not stem: only the exact word is found now.
    expect(await knowledge.retrieve(null, 'meeting', 5)).toEqual([]);
    expect((await knowledge.retrieve(null, 'meetings', 5)).map((c) => c.documentId)).toEqual([stored.id]);
  });
});
