import { io } from 'socket.io-client';
import { startTestApp, TestApp } from '../support/test-app.js';

const EVIL = 'https://evil.example';
const GOOD = 'https://good.example';

async function headersOf(t: TestApp, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers }> {
  const response = await fetch(`${t.baseUrl}${path}`, init);
  await response.arrayBuffer();
  return { status: response.status, headers: response.headers };
}

/** A Socket.IO handshake over websocket from a page at `origin`: 'connected' or the refusal. */
function handshakeFrom(t: TestApp, origin: string): Promise<string> {
  const socket = io(t.baseUrl, { auth: { token: t.adminToken }, extraHeaders: { origin }, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve) => {
    socket.once('connect', () => (socket.disconnect(), resolve('connected')));
    socket.once('connect_error', (error) => (socket.disconnect(), resolve(`refused: ${error.message}`)));
  });
}

describe('HTTP hardening (audit point 8)', () => {
  describe('by default', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it('should send CSP with frame-ancestors none, nosniff, frame and referrer headers, and no HSTS', async () => {
      for (const path of ['/api/auth/me', '/health/live', '/']) {
        const { headers } = await headersOf(t, path);
        const csp = headers.get('content-security-policy') ?? '';
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("object-src 'none'");
        expect(csp).not.toContain('unsafe-eval');
        expect(headers.get('x-content-type-options')).toBe('nosniff');
        expect(headers.get('x-frame-options')).toBe('DENY');
        expect(headers.get('referrer-policy')).toBe('no-referrer');
        expect(headers.get('strict-transport-security')).toBeNull();
        expect(headers.get('x-powered-by')).toBeNull();
      }
    });

    it.each([EVIL, 'null'])('should not reflect Origin: %s on REST, preflight or not', async (origin) => {
      const simple = await headersOf(t, '/api/auth/me', { headers: { origin, authorization: `Bearer ${t.adminToken}` } });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
      expect(simple.headers.get('access-control-allow-credentials')).toBeNull();
      const preflight = await headersOf(t, '/api/rooms', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });

    it.each([EVIL, 'null'])('should refuse a Socket.IO polling handshake from Origin: %s without reflecting it', async (origin) => {
      const { status, headers } = await headersOf(t, '/socket.io/?EIO=4&transport=polling', { headers: { origin } });
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      expect(headers.get('access-control-allow-origin')).toBeNull();
    });

    it('should refuse a websocket handshake from another origin and accept the same origin', async () => {
      expect(await handshakeFrom(t, EVIL)).toMatch(/^refused/);
      expect(await handshakeFrom(t, t.baseUrl)).toBe('connected');
      const polling = await headersOf(t, '/socket.io/?EIO=4&transport=polling', { headers: { origin: t.baseUrl } });
      expect(polling.status).toBe(200);
    });

    it('should serve the API docs outside production', async () => {
      expect((await headersOf(t, '/api/docs-json')).status).toBe(200);
    });
  });

  describe('in production behind a TLS proxy, with one listed origin', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ NODE_ENV: 'production', TRUST_PROXY: 'true', CORS_ORIGINS: GOOD, PASSWORD_HASH_COST: '' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should keep the API docs private', async () => {
      expect((await headersOf(t, '/api/docs')).status).toBe(404);
      expect((await headersOf(t, '/api/docs-json')).status).toBe(404);
    });

    it('should send HSTS', async () => {
      const { headers } = await headersOf(t, '/health/live');
      expect(headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    });

    it('should allow the listed origin on REST and Socket.IO, and still no other', async () => {
      const rest = await headersOf(t, '/api/auth/me', { headers: { origin: GOOD, authorization: `Bearer ${t.adminToken}` } });
      expect(rest.headers.get('access-control-allow-origin')).toBe(GOOD);
      expect((await headersOf(t, '/api/auth/me', { headers: { origin: EVIL } })).headers.get('access-control-allow-origin')).toBeNull();
      const polling = await headersOf(t, '/socket.io/?EIO=4&transport=polling', { headers: { origin: GOOD } });
      expect(polling.status).toBe(200);
      expect(polling.headers.get('access-control-allow-origin')).toBe(GOOD);
      expect(await handshakeFrom(t, GOOD)).toBe('connected');
      expect(await handshakeFrom(t, EVIL)).toMatch(/^refused/);
    });
  });
});
