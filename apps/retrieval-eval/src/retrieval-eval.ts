import 'reflect-metadata';
import { ConsoleLogger, DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DomainEvents } from '../../server/src/common/domain-events.js';
import { AppConfig, loadConfig } from '../../server/src/config/app-config.js';
import { ConfigModule } from '../../server/src/config/config.module.js';
import { DatabaseModule } from '../../server/src/database/database.module.js';
import { startEmbeddedPostgres } from '../../server/src/database/embedded-postgres.js';
import { KnowledgeIndex } from '../../server/src/knowledge/knowledge-index.js';
import { KnowledgeModule } from '../../server/src/knowledge/knowledge.module.js';
import { KnowledgeService } from '../../server/src/knowledge/knowledge.service.js';
import { detectContentType } from '../../server/src/knowledge/parsing/document-reader.js';
import { PresenceModule } from '../../server/src/presence/presence.module.js';
import { FakeOpenAiServer } from '@chat/server-testing';

/**
 * `npm run eval:retrieval`: loads the evaluation documents into a fresh database, asks every
 * labelled question through KnowledgeService.retrieve, and prints recall@1, recall@3 and MRR by
 * document. Options:
 *   --no-synonyms       without the synonym list (to see what it contributes)
 *   --fake-embeddings   with the test suite's deterministic embeddings endpoint (exercises fusion)
 *   --min-recall-at-3 X exit 1 when recall@3 is below X
 *   --verbose           every question, not only the misses
 * EVAL_PG_ADMIN_URL names the server to create the database on (default: the local one; an
 * embedded PostgreSQL when none answers). EMBEDDINGS_MODEL / OPENAI_BASE_URL evaluate a real model.
 */

const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const RETRIEVED_CHUNKS = 10;

interface LabelledQuestion {
  question: string;
  document: string;
}

const print = (line = '') => process.stdout.write(`${line}\n`);

function evalDirectory(): string {
  const candidates = [
    process.env['EVAL_KNOWLEDGE_DIR'],
    resolve('apps/retrieval-eval/data'),
    // dist/apps/retrieval-eval/apps/retrieval-eval/src → the workspace root is five levels up.
    resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../apps/retrieval-eval/data'),
  ].filter((dir): dir is string => Boolean(dir));
  const found = candidates.find((dir) => existsSync(join(dir, 'questions.json')));
  if (!found) throw new Error(`No evaluation set found (looked in ${candidates.join(', ')})`);
  return found;
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = createConnection({ host: hostname, port: Number(port || 5432) });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
    socket.once('timeout', () => (socket.destroy(), done(false)));
  });
}

async function adminConnection(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  const given = process.env['EVAL_PG_ADMIN_URL'];
  if (given) return { adminUrl: given, stop: async () => undefined };
  if (await reachable(LOCAL_ADMIN_URL)) return { adminUrl: LOCAL_ADMIN_URL, stop: async () => undefined };
  print('No PostgreSQL at 127.0.0.1:5432; starting an embedded one.');
  const embedded = await startEmbeddedPostgres(mkdtempSync(join(tmpdir(), 'knowledge-eval-pg-')));
  return { adminUrl: embedded.url, stop: embedded.stop };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

@Module({ providers: [DomainEvents], exports: [DomainEvents] })
class EvalEventsModule {}

/** Only what the knowledge base needs: no HTTP, sockets or assistant. */
function evalModule(config: AppConfig): DynamicModule {
  @Module({})
  class KnowledgeEvalModule {}
  return {
    module: KnowledgeEvalModule,
    imports: [ConfigModule.forRoot(config), { module: EvalEventsModule, global: true }, DatabaseModule, PresenceModule, KnowledgeModule],
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'no-synonyms': { type: 'boolean', default: false },
      'fake-embeddings': { type: 'boolean', default: false },
      'min-recall-at-3': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const dir = evalDirectory();
  const { questions } = JSON.parse(readFileSync(join(dir, 'questions.json'), 'utf8')) as { questions: LabelledQuestion[] };
  const files = readdirSync(join(dir, 'documents')).sort();
  for (const q of questions) if (!files.includes(q.document)) throw new Error(`Question "${q.question}" names a missing document: ${q.document}`);

  const admin = await adminConnection();
  const database = `knowledge_eval_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(admin.adminUrl, `CREATE DATABASE ${database}`);
  const url = new URL(admin.adminUrl);
  url.pathname = `/${database}`;

  let fake: FakeOpenAiServer | undefined;
  let app: INestApplicationContext | undefined;
  try {
    const env: Record<string, string | undefined> = { ...process.env };
    if (values['fake-embeddings']) {
      fake = new FakeOpenAiServer();
      env['OPENAI_BASE_URL'] = await fake.start();
      env['EMBEDDINGS_MODEL'] = 'fake-hashed-words';
    }
    const config = loadConfig({
      ...env,
      DATABASE_URL: url.toString(),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'knowledge-eval-')),
      JWT_SECRET: 'knowledge-eval-secret-never-used-for-tokens-000',
      LOG_LEVEL: env['LOG_LEVEL'] ?? 'warn',
    });
    app = await NestFactory.createApplicationContext(evalModule(config), { logger: new ConsoleLogger({ logLevels: ['fatal', 'error', 'warn'] }) });
    const knowledge = app.get(KnowledgeService);
    const index = app.get(KnowledgeIndex);
    if (values['no-synonyms']) await index.useSynonyms([]);

    const idByFile = new Map<string, string>();
    const titleById = new Map<string, string>();
    let chunkCount = 0;
    for (const file of files) {
      const contentType = detectContentType(undefined, file);
      if (!contentType) throw new Error(`Cannot tell the format of ${file}`);
      const view = await knowledge.ingest({ title: null, filename: file, contentType, bytes: readFileSync(join(dir, 'documents', file)), roomId: null, uploadedBy: null });
      idByFile.set(file, view.id);
      titleById.set(view.id, view.title);
      chunkCount += view.chunkCount;
    }
    const mode = [
      `full text (${config.knowledge.language})`,
      values['no-synonyms'] ? 'no synonyms' : 'synonyms',
      config.knowledge.embeddingsModel ? `embeddings ${config.knowledge.embeddingsModel} (${index.usesPgvector ? 'pgvector' : 'in the application'}), RRF` : null,
    ].filter(Boolean);
    print(`Loaded ${files.length} documents (${chunkCount} chunks of ≤${config.knowledge.chunkTokens} tokens). Retrieval: ${mode.join(', ')}.`);
    print();

    let hitsAt1 = 0;
    let hitsAt3 = 0;
    let reciprocalRanks = 0;
    for (const { question, document } of questions) {
      const chunks = await knowledge.retrieve(null, question, RETRIEVED_CHUNKS);
      const ranking = [...new Set(chunks.map((c) => c.documentId))];
      const rank = ranking.indexOf(idByFile.get(document)!) + 1;
      if (rank === 1) hitsAt1++;
      if (rank >= 1 && rank <= 3) hitsAt3++;
      if (rank >= 1) reciprocalRanks += 1 / rank;
      if (values.verbose || rank !== 1) {
        const top = ranking.slice(0, 3).map((id) => titleById.get(id)).join(' | ') || '(nothing)';
        print(`${rank === 1 ? 'ok ' : rank === 0 ? 'MISS' : `#${rank}  `.slice(0, 4)} ${question}\n     expected: ${titleById.get(idByFile.get(document)!)}; got: ${top}`);
      }
    }
    const n = questions.length;
    const recallAt1 = hitsAt1 / n;
    const recallAt3 = hitsAt3 / n;
    print();
    print(`questions: ${n}`);
    print(`recall@1:  ${recallAt1.toFixed(3)}  (${hitsAt1}/${n})`);
    print(`recall@3:  ${recallAt3.toFixed(3)}  (${hitsAt3}/${n})`);
    print(`MRR:       ${(reciprocalRanks / n).toFixed(3)}`);
    const minimum = values['min-recall-at-3'] !== undefined ? Number(values['min-recall-at-3']) : undefined;
    if (minimum !== undefined && recallAt3 < minimum) {
      print(`recall@3 is below the required ${minimum}`);
      process.exitCode = 1;
    }
  } finally {
    await app?.close();
    await fake?.close();
    await adminQuery(admin.adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => console.error(`Could not drop ${database}:`, error));
    await admin.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
