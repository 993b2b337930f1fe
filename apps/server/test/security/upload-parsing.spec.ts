import type { KnowledgeDocumentView } from '@chat/contract';
import { nestedHtml, nestedMarkdownList, pdfBomb } from '@chat/server-testing';
import { uploadFile, uploadJson } from '../support/knowledge-helpers.js';
import { startTestApp, TestApp } from '../support/test-app.js';

describe('Uploads cannot freeze the server (audit point 1)', () => {
  let t: TestApp;
  const stored = async () => (await t.http<KnowledgeDocumentView[]>('GET', '/api/knowledge/documents', { token: t.adminToken })).body.length;
  const live = async () => (await fetch(`${t.baseUrl}/health/live`)).status;

  beforeAll(async () => {
    // Generous, so each refusal below comes from the cap it tests, not from the timer racing a worker's
    // cold start on a busy machine (the time limit has a spec of its own, at 100 ms).
    t = await startTestApp({ KNOWLEDGE_PARSE_TIMEOUT_MS: '10000', RATE_LIMIT_UPLOADS_PER_MINUTE: '20' });
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

  it('should refuse a PDF whose stream unpacks far beyond the cap, store nothing, and keep the memory in bounds', async () => {
    // 1 GB of text-showing operators in about 1 MB of file; the cap is 16 unpacked bytes per upload byte (160 MB).
    const bomb = await pdfBomb(1024 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const before = await stored();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
    try {
      const upload = uploadFile(t, t.adminToken, { name: 'bomb.pdf', type: 'application/pdf', content: bomb });
      expect(await live()).toBe(200);
      const answer = await upload;
      expect([413, 422]).toContain(answer.status);
      expect(answer.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/unpacks to more than/) });
    } finally {
      clearInterval(sampler);
    }
    expect(await stored()).toBe(before);
    // The worker runs in this process. The streams are measured while inflating, nothing kept, so
    // the process grows by a fraction of the 160 MB cap, not by the bomb's gigabyte.
    expect(rssPeak - rssBefore).toBeLessThan(150 * 1024 * 1024);
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
