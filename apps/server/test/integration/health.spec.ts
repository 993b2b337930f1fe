import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { startTestApp, TestApp } from '../support/test-app.js';

interface HealthBody {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string; message?: string }>;
  details?: Record<string, { status: string; message?: string }>;
}

describe('HealthController', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_REST_PER_MINUTE: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer /health/live with 200 and no token', async () => {
    const response = await t.http<{ status: string; uptimeSeconds: number }>('GET', '/health/live');
    expect(response).toEqual({ status: 200, body: { status: 'ok', uptimeSeconds: expect.any(Number) } });
  });

  it('should answer /health/ready with 200 while the database is up', async () => {
    const response = await t.http<HealthBody>('GET', '/health/ready');
    expect(response).toEqual({
      status: 200,
      body: {
        status: 'ok',
        info: { database: { status: 'up', responseTime: expect.any(Number) } },
        error: {},
        details: { database: { status: 'up', responseTime: expect.any(Number) } },
      },
    });
  });

  it('should never rate-limit the probes', async () => {
    // RATE_LIMIT_REST_PER_MINUTE is 1 here.
    for (let i = 0; i < 5; i++) {
      expect((await t.http('GET', '/health/live')).status).toBe(200);
      expect((await t.http('GET', '/health/ready')).status).toBe(200);
    }
  });

  it('should not be served under /api', async () => {
    expect((await t.http('GET', '/api/health/live')).status).toBe(404);
  });
});

describe('HealthController with the database gone', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer /health/ready with 503 naming the database, and keep the process serving', async () => {
    expect((await t.http('GET', '/health/ready')).status).toBe(200);
    // Terminates the app's connections and removes the database: reconnecting cannot succeed.
    await t.database.drop();

    const ready = await t.http<HealthBody>('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      status: 'error',
      info: {},
      error: { database: { status: 'down', message: expect.stringContaining('does not exist') } },
      details: { database: { status: 'down', message: expect.stringContaining('does not exist') } },
    });

    // Still alive: liveness does not depend on the database, and the next readiness check answers too.
    expect((await t.http('GET', '/health/live')).status).toBe(200);
    expect((await t.http('GET', '/health/ready')).status).toBe(503);
    // A valid token during the outage is a server error, not a 401 that would log the client out.
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const api = await t.http('GET', '/api/auth/me', { token: t.adminToken });
    expect(api).toEqual({ status: 500, body: { statusCode: 500, code: 'INTERNAL', message: 'Internal server error' } });
    expect(logged).toHaveBeenCalledWith({ code: 'INTERNAL', err: expect.objectContaining({ message: expect.stringContaining('does not exist') }) }, 'GET /api/auth/me failed');
    logged.mockRestore();
  });
});
