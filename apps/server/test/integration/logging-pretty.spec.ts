import { randomUUID } from 'node:crypto';
import { captureOutput } from '../support/capture-output.js';
import { eventually, startTestApp } from '../support/test-app.js';

// A file of its own: nestjs-pino keeps one root logger per process (here: per spec file), made by the first app.
describe('LOG_FORMAT=pretty', () => {
  it('should write readable, non-JSON lines with LOG_FORMAT=pretty, still with the request id', async () => {
    const output = captureOutput();
    const t = await startTestApp({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    try {
      const requestId = `pretty-${randomUUID()}`;
      await fetch(`${t.baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${t.adminToken}`, 'x-request-id': requestId } });
      await eventually(() => output.text().includes(requestId) && output.text().includes('request completed'));
      const line = output.lines.find((l) => l.includes('request completed') && l.includes(requestId))!;
      expect(line).toMatch(/INFO/);
      expect(line.trimStart().startsWith('{')).toBe(false);
    } finally {
      await t.close();
      output.restore();
    }
  });});
