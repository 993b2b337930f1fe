import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, ConfigError } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import type { DraftChunk } from './chunker.js';
import { EmbeddingsClient } from './embeddings.js';
import { Concept, excludedWords, planConcepts, QuestionLexeme, quoteLexeme, SynonymGroup, withoutExcludedWords } from './query-planner.js';
import { cosineSimilarity, reciprocalRankFusion } from './rank-fusion.js';
import { normalizeSynonyms, readSynonymFile } from './synonyms.js';

/** A chunk found for a question, with what the assistant needs to quote and cite it. */
export interface RetrievedChunk {
  chunkId: string;
  documentId: string;
  title: string;
  roomId: string | null;
  headingPath: string[];
  text: string;
  snippet: string;
  score: number;
}

/**
 * ts_rank_cd weights for {D, C, B, A}: body text D, heading path B, document title A. A word in the
 * title says more about what a chunk is about than the same word in passing in its text.
 */
const RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0];
/** ts_rank_cd normalisation 1: divide by 1 + log(length), so long chunks do not win by size alone. */
const RANK_NORMALIZATION = 1;
/** How many full-text candidates the embedding ranking reorders when there is no pgvector. */
const VECTOR_CANDIDATES = 100;
const SNIPPET_OPTIONS = 'MaxWords=40, MinWords=15, MaxFragments=2, FragmentDelimiter=" … ", StartSel="", StopSel=""';
const BACKFILL_BATCH = 64;

/** The weighted search vector of a chunk; the SQL arguments are expressions in the caller's query. */
export function searchVectorSql(language: string, title: string, headingPath: string, content: string): string {
  return (
    `setweight(to_tsvector(${language}, ${title}), 'A') || ` +
    `setweight(to_tsvector(${language}, array_to_string(${headingPath}, ' ')), 'B') || ` +
    `setweight(to_tsvector(${language}, ${content}), 'D')`
  );
}

/** What the embeddings model reads for a chunk: where it sits, then what it says. */
export function embeddingInput(title: string, headingPath: string[], text: string): string {
  return [title, headingPath.join(' > '), text].filter(Boolean).join('\n');
}

interface LexicalHit {
  id: string;
  score: number;
}

/**
 * The knowledge base's search index in Postgres: writes chunks with their weighted tsvector (and
 * embedding), and answers questions with full-text ranking, fused with embedding similarity when an
 * embeddings model is configured. Knows nothing of users: callers check access first.
 */
@Injectable()
export class KnowledgeIndex implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KnowledgeIndex.name);
  private synonyms: SynonymGroup[] = [];
  private pgvector = false;
  private stopping = false;
  private backfill: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly embeddings: EmbeddingsClient,
  ) {}

  get language(): string {
    return this.config.knowledge.language;
  }

  get usesPgvector(): boolean {
    return this.pgvector;
  }

  async onModuleInit(): Promise<void> {
    const [known] = await this.dataSource.query<unknown[]>(`SELECT 1 FROM pg_ts_config WHERE cfgname = $1`, [this.language]);
    if (!known) throw new ConfigError('KNOWLEDGE_LANGUAGE', `names no text search configuration in this database: "${this.language}"`);
    const [vector] = await this.dataSource.query<{ extversion: string }[]>(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
    this.pgvector = vector !== undefined;
    await this.useSynonyms(readSynonymFile());
    await this.reindexOtherLanguages();
    const embeddings = this.embeddings.model ? `embeddings ${this.embeddings.model}, compared ${this.pgvector ? `by pgvector ${vector?.extversion}` : 'in the application'}` : 'no embeddings';
    this.logger.log(`Knowledge search: full text (${this.language}, ${this.synonyms.length} synonym groups), ${embeddings}`);
  }

  onApplicationBootstrap(): void {
    if (this.embeddings.model) this.backfill = this.backfillEmbeddings().then(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.backfill;
  }

  /** Replaces the synonym groups (normalised with the index's language). */
  async useSynonyms(groups: string[][]): Promise<void> {
    this.synonyms = await normalizeSynonyms(this.dataSource, this.language, groups);
  }

  /** Vectors for new chunks, or null when embeddings are off or the endpoint fails (full text still works). */
  async embedChunks(title: string, chunks: DraftChunk[]): Promise<(number[] | null)[]> {
    if (!this.embeddings.model || chunks.length === 0) return chunks.map(() => null);
    try {
      return await this.embeddings.embed(chunks.map((c) => embeddingInput(title, c.headingPath, c.text)));
    } catch (error) {
      this.logger.warn(`Storing chunks without embeddings (they are retried at the next start): ${error instanceof Error ? error.message : error}`);
      return chunks.map(() => null);
    }
  }

  async insertChunks(manager: EntityManager, documentId: string, title: string, chunks: DraftChunk[], embeddings: (number[] | null)[]): Promise<void> {
    const rows = chunks.map((chunk, ordinal) => ({
      ordinal,
      heading_path: chunk.headingPath,
      content: chunk.text,
      token_count: chunk.tokenCount,
      embedding: embeddings[ordinal] ?? null,
    }));
    await manager.query(
      `INSERT INTO knowledge_chunks (document_id, ordinal, heading_path, content, token_count, search_vector, embedding, embedding_model)
       SELECT $1, r.ordinal, r.heading_path, r.content, r.token_count, ${searchVectorSql('$2::regconfig', '$3::text', 'r.heading_path', 'r.content')},
              r.embedding, CASE WHEN r.embedding IS NULL THEN NULL ELSE $5::varchar END
         FROM jsonb_to_recordset($4::jsonb) AS r(ordinal int, heading_path text[], content text, token_count int, embedding real[])`,
      [documentId, this.language, title, JSON.stringify(rows), this.embeddings.model],
    );
  }

  /**
   * Chunks of `roomId`'s documents and the global ones (only global ones for null) for a question,
   * best first. Without embeddings the order is the full-text ranking; with them, the full-text and
   * the embedding rankings fused by reciprocal rank.
   */
  async search(roomId: string | null, question: string, limit: number): Promise<RetrievedChunk[]> {
    const text = question.trim().slice(0, 2000);
    if (!text || limit < 1) return [];
    const concepts = planConcepts(await this.lexemesOf(withoutExcludedWords(text)), this.synonyms);
    const anyConcept = concepts.map((c) => `(${c.query})`).join(' | ');
    const [lexical, questionVector] = await Promise.all([
      concepts.length > 0 ? this.lexicalRanking(roomId, text, concepts, anyConcept) : Promise.resolve([]),
      this.embedQuestion(text),
    ]);
    let ranking: LexicalHit[] = lexical;
    if (questionVector) {
      const byVector = this.pgvector
        ? await this.vectorRankingInDatabase(roomId, questionVector, Math.max(VECTOR_CANDIDATES, limit))
        : await this.vectorRankingOf(lexical.slice(0, VECTOR_CANDIDATES).map((h) => h.id), questionVector);
      const fused = reciprocalRankFusion([lexical.map((h) => h.id), byVector]);
      ranking = [...fused.entries()].map(([id, score]) => ({ id, score }));
    }
    return this.details(ranking.slice(0, limit), anyConcept);
  }

  /** Text's lexemes as the index's language sees them (stemmed, stop words gone), with positions. */
  private async lexemesOf(text: string): Promise<QuestionLexeme[]> {
    if (!text.trim()) return [];
    const rows = await this.dataSource.query<{ lexeme: string; positions: number[] }[]>(
      `SELECT lexeme, positions FROM unnest(to_tsvector($1::regconfig, $2))`,
      [this.language, text],
    );
    return rows.flatMap((row) => row.positions.map((position) => ({ lexeme: row.lexeme, position })));
  }

  /**
   * Full-text ranking. A chunk is a candidate when it matches any concept of the question (and no
   * word the question excludes with "-"). Each concept it matches adds ts_rank_cd × the concept's
   * rarity (BM25's idf), so a rare word outweighs a common one. Rarity is counted over the chunks
   * the question may see (the room's and the global ones) only: counted over every room, a score
   * would tell an outsider which words another room's documents contain. The sum is scaled
   * by the square of the share of the question's weight the chunk covers: a soft AND, so a chunk
   * about most of the question beats one that repeats a single word. A chunk that matches the
   * question as written (websearch_to_tsquery: every word, quoted phrases) gets that rank on top.
   */
  private async lexicalRanking(roomId: string | null, question: string, concepts: Concept[], anyConcept: string): Promise<LexicalHit[]> {
    const excluded = (await this.lexemesOf(excludedWords(question).join(' '))).map((q) => quoteLexeme(q.lexeme)).join(' | ');
    const rows = await this.dataSource.query<{ id: string; score: number }[]>(
      `WITH concept AS (
         SELECT c.query::tsquery AS query FROM unnest($3::text[]) AS c(query)
       ),
       scope AS (
         SELECT k.id, k.search_vector
           FROM knowledge_chunks k JOIN knowledge_documents d ON d.id = k.document_id
          WHERE d.room_id IS NULL OR d.room_id = $2::varchar
       ),
       corpus AS (SELECT greatest(count(*), 1)::float8 AS n FROM scope),
       weighted AS (
         SELECT c.query, ln(1 + (corpus.n - df.n + 0.5) / (df.n + 0.5)) AS idf
           FROM concept c CROSS JOIN corpus
           CROSS JOIN LATERAL (SELECT count(*)::float8 AS n FROM scope k WHERE k.search_vector @@ c.query) df
       ),
       total AS (SELECT sum(idf) AS idf FROM weighted),
       candidate AS (
         SELECT k.id, k.search_vector FROM scope k
          WHERE k.search_vector @@ $4::tsquery AND NOT k.search_vector @@ $8::tsquery
       ),
       scored AS (
         SELECT c.id,
                sum(w.idf * ts_rank_cd($5::float4[], c.search_vector, w.query, $6)) AS lexical,
                sum(w.idf) AS matched_idf
           FROM candidate c JOIN weighted w ON c.search_vector @@ w.query
          GROUP BY c.id
       )
       SELECT s.id,
              (s.lexical * power(s.matched_idf / t.idf, 2)
                + t.idf * ts_rank_cd($5::float4[], k.search_vector, websearch_to_tsquery($1::regconfig, $7), $6))::float8 AS score
         FROM scored s JOIN knowledge_chunks k ON k.id = s.id CROSS JOIN total t
        ORDER BY score DESC, s.id
        LIMIT 500`,
      [this.language, roomId, concepts.map((c) => c.query), anyConcept, RANK_WEIGHTS, RANK_NORMALIZATION, question, excluded],
    );
    return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
  }

  private async embedQuestion(question: string): Promise<number[] | null> {
    if (!this.embeddings.model) return null;
    try {
      const [vector] = await this.embeddings.embed([question]);
      return vector ?? null;
    } catch (error) {
      this.logger.warn(`Searching by full text only: the question could not be embedded (${error instanceof Error ? error.message : error})`);
      return null;
    }
  }

  private async vectorRankingInDatabase(roomId: string | null, vector: number[], limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT k.id
         FROM knowledge_chunks k JOIN knowledge_documents d ON d.id = k.document_id
        WHERE (d.room_id IS NULL OR d.room_id = $1::varchar)
          AND k.embedding_model = $2 AND array_length(k.embedding, 1) = $3
        ORDER BY k.embedding::vector <=> $4::vector
        LIMIT $5`,
      [roomId, this.embeddings.model, vector.length, `[${vector.join(',')}]`, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Without pgvector: the full-text candidates, reordered by cosine similarity in the application. */
  private async vectorRankingOf(ids: string[], vector: number[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.dataSource.query<{ id: string; embedding: number[] }[]>(
      `SELECT id, embedding FROM knowledge_chunks WHERE id = ANY($1::uuid[]) AND embedding_model = $2 AND embedding IS NOT NULL`,
      [ids, this.embeddings.model],
    );
    return rows
      .map((r) => ({ id: r.id, similarity: cosineSimilarity(r.embedding, vector) }))
      .sort((a, b) => b.similarity - a.similarity)
      .map((r) => r.id);
  }

  private async details(ranking: LexicalHit[], anyConcept: string): Promise<RetrievedChunk[]> {
    if (ranking.length === 0) return [];
    const rows = await this.dataSource.query<
      { id: string; document_id: string; title: string; room_id: string | null; heading_path: string[]; content: string; snippet: string }[]
    >(
      `SELECT k.id, k.document_id, d.title, d.room_id, k.heading_path, k.content,
              ts_headline($1::regconfig, k.content, $3::tsquery, $4) AS snippet
         FROM knowledge_chunks k JOIN knowledge_documents d ON d.id = k.document_id
        WHERE k.id = ANY($2::uuid[])`,
      [this.language, ranking.map((r) => r.id), anyConcept, SNIPPET_OPTIONS],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ranking.flatMap(({ id, score }) => {
      const row = byId.get(id);
      if (!row) return [];
      return [{ chunkId: row.id, documentId: row.document_id, title: row.title, roomId: row.room_id, headingPath: row.heading_path, text: row.content, snippet: row.snippet.trim(), score }];
    });
  }

  /** Documents indexed under another KNOWLEDGE_LANGUAGE get their vectors rebuilt in this one. */
  private async reindexOtherLanguages(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const updated = await manager.query<[unknown[], number]>(
        `UPDATE knowledge_chunks k SET search_vector = ${searchVectorSql('$1::regconfig', 'd.title', 'k.heading_path', 'k.content')}
           FROM knowledge_documents d
          WHERE d.id = k.document_id AND d.language <> $1`,
        [this.language],
      );
      const documents = await manager.query<[unknown[], number]>(`UPDATE knowledge_documents SET language = $1 WHERE language <> $1`, [this.language]);
      if (documents[1] > 0) this.logger.log(`Re-indexed ${documents[1]} document(s) (${updated[1]} chunks) for KNOWLEDGE_LANGUAGE=${this.language}`);
    });
  }

  /**
   * Embeds the chunks stored without an embedding of the configured model (uploaded before it was
   * configured, or while the endpoint was down); runs in the background at start-up. Returns how
   * many it embedded; stops at the first failure (the rest wait for the next start).
   */
  async backfillEmbeddings(): Promise<number> {
    let done = 0;
    if (!this.embeddings.model) return 0;
    try {
      while (!this.stopping) {
        const rows = await this.dataSource.query<{ id: string; title: string; heading_path: string[]; content: string }[]>(
          `SELECT k.id, d.title, k.heading_path, k.content
             FROM knowledge_chunks k JOIN knowledge_documents d ON d.id = k.document_id
            WHERE k.embedding_model IS DISTINCT FROM $1
            ORDER BY k.id LIMIT $2`,
          [this.embeddings.model, BACKFILL_BATCH],
        );
        if (rows.length === 0 || this.stopping) break;
        const vectors = await this.embeddings.embed(rows.map((r) => embeddingInput(r.title, r.heading_path, r.content)));
        await this.dataSource.query(
          `UPDATE knowledge_chunks k SET embedding = r.embedding, embedding_model = $2
             FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, embedding real[])
            WHERE k.id = r.id`,
          [JSON.stringify(rows.map((r, i) => ({ id: r.id, embedding: vectors[i] }))), this.embeddings.model],
        );
        done += rows.length;
      }
      if (done > 0) this.logger.log(`Embedded ${done} stored chunk(s) with ${this.embeddings.model}`);
    } catch (error) {
      if (!this.stopping) this.logger.warn(`Stopped embedding stored chunks after ${done}: ${error instanceof Error ? error.message : error}`);
    }
    return done;
  }
}
