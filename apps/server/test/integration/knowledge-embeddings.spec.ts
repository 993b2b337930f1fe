import { DataSource } from 'typeorm';
import { KnowledgeIndex } from '../../src/knowledge/knowledge-index.js';
import { KnowledgeService } from '../../src/knowledge/knowledge.service.js';
import { RRF_K } from '../../src/knowledge/rank-fusion.js';
import { fakeEmbedding, FakeOpenAiServer } from '@chat/server-testing';
import { uploadJson } from '../support/knowledge-helpers.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const MODEL = 'fake-embedder';

describe('KnowledgeIndex with an embeddings model', () => {
  let fake: FakeOpenAiServer;
  let t: TestApp;
  let db: DataSource;
  let knowledge: KnowledgeService;

  beforeAll(async () => {
    fake = new FakeOpenAiServer();
    t = await startTestApp({ OPENAI_BASE_URL: await fake.start(), EMBEDDINGS_MODEL: MODEL, LLM_MAX_RETRIES: '0' });
    db = t.app.get(DataSource);
    knowledge = t.app.get(KnowledgeService);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const embeddingRequests = () => fake.requests.filter((r) => r.path === '/v1/embeddings');
  const stored = (documentId: string) =>
    db.query<{ content: string; embedding: number[] | null; embedding_model: string | null }[]>(
      `SELECT content, embedding, embedding_model FROM knowledge_chunks WHERE document_id = $1 ORDER BY ordinal`,
      [documentId],
    );

  it('should say whether it compares embeddings with pgvector, as the database has it', async () => {
    const [vector] = await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'vector'`);
    expect(t.app.get(KnowledgeIndex).usesPgvector).toBe(vector !== undefined);
  });

  it("should embed every chunk at upload with the configured model, reading title and headings with the text", async () => {
    const before = embeddingRequests().length;
    const doc = await uploadJson(t, t.adminToken, {
      title: 'Garden rules',
      content: '# Garden\n\n## Watering\n\nWater the tomatoes every evening.\n\n## Tools\n\nReturn the spade to the shed.',
    });
    expect(doc.status).toBe(201);
    const requests = embeddingRequests().slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0].body).toMatchObject({
      model: MODEL,
      input: ['Garden rules\nGarden > Watering\nWater the tomatoes every evening.', 'Garden rules\nGarden > Tools\nReturn the spade to the shed.'],
    });
    const rows = await stored(doc.body.id);
    expect(rows.map((r) => r.embedding_model)).toEqual([MODEL, MODEL]);
    // Stored as sent (real[] keeps single precision).
    const expected = fakeEmbedding('Garden rules\nGarden > Watering\nWater the tomatoes every evening.', 256);
    expect(rows[0].embedding).toHaveLength(256);
    rows[0].embedding!.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
  });

  it('should embed the question and fuse the full-text and embedding rankings by reciprocal rank', async () => {
    await uploadJson(t, t.adminToken, { title: 'Bicycle storage', content: 'Bicycles go in the basement rack; the rack is locked at night.' });
    await uploadJson(t, t.adminToken, { title: 'Night security', content: 'The building is locked at night and the basement is closed.' });
    const before = embeddingRequests().length;
    const results = await knowledge.retrieve(null, 'where do bicycles go at night', 5);
    const asked = embeddingRequests().slice(before);
    expect(asked.map((r) => r.body['input'])).toEqual([['where do bicycles go at night']]);
    expect(results[0].title).toBe('Bicycle storage');
    // A fused score is a sum of 1 / (k + rank) over the two rankings.
    for (const result of results) {
      expect(result.score).toBeGreaterThan(0);
      expect(result.score).toBeLessThanOrEqual(2 / (RRF_K + 1) + 1e-12);
    }
    expect(results[0].score).toBeCloseTo(2 / (RRF_K + 1));
  });

  it('should store chunks without embeddings when the endpoint fails, still find them by full text, and embed them later', async () => {
    fake.failEmbeddings = 1;
    const doc = await uploadJson(t, t.adminToken, { title: 'Aquarium care', content: 'Feed the office fish twice a day and clean the aquarium on Mondays.' });
    expect(doc.status).toBe(201);
    expect((await stored(doc.body.id)).map((r) => r.embedding)).toEqual([null]);

    const found = await knowledge.retrieve(null, 'aquarium fish', 3);
    expect(found[0].documentId).toBe(doc.body.id);

    expect(await t.app.get(KnowledgeIndex).backfillEmbeddings()).toBe(1);
    expect((await stored(doc.body.id)).map((r) => [r.embedding?.length, r.embedding_model])).toEqual([[256, MODEL]]);
    expect(await t.app.get(KnowledgeIndex).backfillEmbeddings()).toBe(0);
  });

  it('should answer by full text alone when the question cannot be embedded', async () => {
    fake.failEmbeddings = 1;
    const results = await knowledge.retrieve(null, 'aquarium fish', 3);
    expect(fake.failEmbeddings).toBe(0);
    expect(results[0].title).toBe('Aquarium care');
    // Not a fused score: full-text scores are not bounded by 2 / (k + 1).
    expect(results[0].score).toBeGreaterThan(2 / (RRF_K + 1));
  });
});
