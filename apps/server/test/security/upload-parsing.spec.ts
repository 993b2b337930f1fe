import type { KnowledgeDocumentView } from '@chat/contract';
import { uploadFile, uploadJson } from '../support/knowledge-helpers.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const nestedHtml = (levels: number) => `<html><body>${'<div><span><b>'.repeat(levels)}deep${'</b></span></div>'.repeat(levels)}</body></html>`;
const nestedMarkdownList = (levels: number) => Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n');

describe('Uploads cannot freeze the server (audit point 1)', () => {
  let t: TestApp;
  const stored = async () => (await t.http<KnowledgeDocumentView[]>('GET', '/api/knowledge/documents', { token: t.adminToken })).body.length;
  const live = async () => (await fetch(`${t.baseUrl}/health/live`)).status;

  beforeAll(async () => {
    t = await startTestApp({ KNOWLEDGE_PARSE_TIMEOUT_MS: '2000', RATE_LIMIT_UPLOADS_PER_MINUTE: '20' });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['HTML nested 20,000 elements deep', 'text/html', nestedHtml(7000)],
    ['a Markdown list nested 2,000 deep', 'text/markdown', nestedMarkdownList(2000)],
  ])('should refuse %s with a coded 413 and store nothing', async (_name, contentType, content) => {
    const before = await stored();
    const upload = uploadJson(t, t.adminToken, { title: 'deep', content, contentType: contentType as 'text/html' });
    // The server answers meanwhile: parsing is not on its event loop.
    expect(await live()).toBe(200);
    const answer = await upload;
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await stored()).toBe(before);
  });

  it('should refuse a multipart HTML file that nests too deep', async () => {
    const answer = await uploadFile(t, t.adminToken, { name: 'deep.html', type: 'text/html', content: nestedHtml(5000) });
    expect(answer).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('should still read an ordinary nested document', async () => {
    const answer = await uploadJson(t, t.adminToken, { title: 'ok', content: nestedHtml(20), contentType: 'text/html' });
    expect(answer.status).toBe(201);
  });

  it('should refuse a document that takes longer than the parse time limit', async () => {
    const slow = await startTestApp({ KNOWLEDGE_PARSE_TIMEOUT_MS: '100' });
    try {
      const content = Array.from({ length: 40_000 }, (_, i) => `Paragraph ${i} talks about topic ${i % 97} with several words in it.\n`).join('\n');
      const answer = await uploadJson(slow, slow.adminToken, { title: 'slow', content, contentType: 'text/plain' });
      expect(answer).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
      expect((await fetch(`${slow.baseUrl}/health/live`)).status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('should rate-limit uploads per user', async () => {
    const limited = await startTestApp({ RATE_LIMIT_UPLOADS_PER_MINUTE: '2' });
    try {
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await uploadJson(limited, limited.adminToken, { title: `doc ${i}`, content: `# Doc ${i}\n\nText number ${i}.` })).status);
      expect(codes).toEqual([201, 201, 429]);
    } finally {
      await limited.close();
    }
  });
});
