import { jest } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { LoginResponse, UserAdminView } from '@chat/contract';
import { createApp } from '../../src/app/create-app.js';
import { createTestDatabase, TestDatabase } from '../support/postgres.js';
import { captureOutput } from '../support/capture-output.js';
import { testConfig } from '../support/test-config.js';

describe('start-up configuration', () => {
  let database: TestDatabase;
  const apps: NestExpressApplication[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await database.drop();
  });

  async function start(env: Record<string, string>): Promise<{ login: (u: string, p: string) => Promise<{ status: number; body: LoginResponse }> }> {
    const app = await createApp(testConfig(database.url, env));
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    return {
      login: async (username, password) => {
        const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        return { status: response.status, body: (await response.json()) as LoginResponse };
      },
    };
  }

  it('should create the admin from ADMIN_USERNAME and ADMIN_PASSWORD on first start, without logging the password', async () => {
    const output = captureOutput();
    const server = await start({ ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'boss-password-123', LOG_LEVEL: 'info' });

    const login = await server.login('boss', 'boss-password-123');
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual({ id: expect.any(String), username: 'boss', displayName: 'Administrator', role: 'admin' });
    expect(output.messages()).toContainEqual(expect.stringContaining('Created admin account "boss" from ADMIN_USERNAME/ADMIN_PASSWORD'));
    expect(output.text()).not.toContain('boss-password-123');
  });

  it('should keep the existing admin on later starts, whatever ADMIN_PASSWORD says then', async () => {
    const first = await start({ ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'first-password-long' });
    expect((await first.login('boss', 'first-password-long')).status).toBe(200);
    await apps.pop()!.close();

    const second = await start({ ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'second-password-long' });
    expect((await second.login('boss', 'first-password-long')).status).toBe(200);
    expect((await second.login('boss', 'second-password-long')).status).toBe(401);
    const token = (await second.login('boss', 'first-password-long')).body.accessToken;
    const { port } = apps[0].getHttpServer().address() as { port: number };
    const users = (await (await fetch(`http://127.0.0.1:${port}/api/users`, { headers: { authorization: `Bearer ${token}` } })).json()) as UserAdminView[];
    expect(users.map((u) => u.username)).toEqual(['boss']);
  });
});
