import { request } from 'node:http';
import { startTestApp, TestApp } from '../support/test-app.js';

const DECLARED_BYTES = 21 * 1024 * 1024;

/**
 * Starts a POST declaring a 21 MB JSON body, sends only its first kilobyte, and resolves with the
 * status the server answers while the rest has not been sent (or null if it waits for the body).
 */
function answerBeforeBody(baseUrl: string, path: string, headers: Record<string, string>, waitMs = 3000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(DECLARED_BYTES), ...headers } },
      (res) => {
        clearTimeout(timer);
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      resolve(null);
    }, waitMs);
    req.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
    req.write(`{"title":"big","content":"${'x'.repeat(1024)}`);
  });
}

describe('Large bodies before authentication (audit point 10)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ KNOWLEDGE_MAX_UPLOAD_BYTES: String(10 * 1024 * 1024) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should refuse an anonymous upload before reading its body', async () => {
    expect(await answerBeforeBody(t.baseUrl, '/api/knowledge/documents', {})).toBe(401);
  });

  it('should refuse a forged token before reading the body', async () => {
    expect(await answerBeforeBody(t.baseUrl, '/api/knowledge/documents', { authorization: 'Bearer not.a.token' })).toBe(401);
  });

  it('should give the large-body parser to the exact upload route only', async () => {
    // 2 MB: over the API's 1 MB JSON limit, well under the upload limit.
    const body = JSON.stringify({ title: 'x', content: 'y'.repeat(2 * 1024 * 1024) });
    for (const path of ['/api/knowledge/documents/extra', '/api/knowledge/documents-and-more', '/api/knowledge/documentsx']) {
      const response = await fetch(`${t.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
        body,
      });
      expect({ path, status: response.status, code: ((await response.json()) as { code: string }).code }).toEqual({ path, status: 413, code: 'PAYLOAD_TOO_LARGE' });
    }
  });

  it('should still accept a signed-in JSON upload larger than 1 MB on the upload route', async () => {
    const content = `# Handbook\n\n${'Every paragraph of the handbook says something. '.repeat(30_000)}`;
    const { status, body } = await t.http<{ title: string }>('POST', '/api/knowledge/documents', { token: t.adminToken, body: { title: 'Handbook', content } });
    expect(status).toBe(201);
    expect(body.title).toBe('Handbook');
  });
});
