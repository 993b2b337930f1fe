import { DataSource } from 'typeorm';
import { hashPassword, meetsOwaspMinimum } from '../../src/auth/password-hasher.js';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { ADMIN, startTestApp, TestApp } from '../support/test-app.js';

const SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

describe('Login floods (audit point 5)', () => {
  let t: TestApp;
  const login = async (username: string, password: string) => {
    const { status, body } = await t.http<{ code?: string; retryAfterMs?: number }>('POST', '/api/auth/login', { body: { username, password } });
    return { status, code: body.code, retryAfterMs: body.retryAfterMs };
  };

  describe('limits', () => {
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_LOGIN_PER_MINUTE: '3', RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE: '8' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should share one bucket between spellings of a username, and never let U+0130 sign in as admin', async () => {
      // startTestApp signed the admin in once; two more bad attempts fill the per-username budget of 3.
      expect((await login('admin', 'wrong password 1')).status).toBe(401);
      expect((await login('ADMIN', 'wrong password 2')).status).toBe(401);
      expect(await login('Admin', ADMIN.password)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      // A look-alike is its own name: its own bucket, and no account behind it.
      expect((await login('adm\u0130n', ADMIN.password)).status).toBe(401);
    });

    it('should limit one address across many usernames', async () => {
      // The admin's three and the look-alike's one already counted for this address: 8 in all.
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await login(`nobody-${i}`, 'wrong password')).status);
      expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
      expect(statuses.slice(4)).toEqual([429, 429]);
    });
  });

  describe('hashing', () => {
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_LOGIN_PER_MINUTE: '1000', RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE: '1000', LOGIN_MAX_CONCURRENT_HASHES: '2' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should refuse logins beyond the concurrent hashing cap with 429 rather than queue them', async () => {
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => login(`flood-${i}`, 'wrong password')));
      const refused = results.filter((r) => r.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect(r).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
      expect(results.every((r) => r.status === 401 || r.status === 429)).toBe(true);
      // Once the flood is over a good login passes.
      expect((await login(ADMIN.username, ADMIN.password)).status).toBe(200);
    });

    it('should rehash an older, cheaper hash at the next successful login', async () => {
      const { user, password } = await t.createUser();
      const db = t.app.get(DataSource);
      await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, await hashPassword(password, { N: 2 ** 13, r: 8, p: 1 })]);
      expect((await login(user.username, password)).status).toBe(200);
      const [{ password_hash: stored }] = await db.query('SELECT password_hash FROM users WHERE id = $1', [user.id]);
      const { N, r, p } = t.config.passwordHash;
      expect(stored).toMatch(new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$`));
      expect((await login(user.username, password)).status).toBe(200);
    });
  });

  it("should hash at OWASP's minimum by default and refuse a cheaper cost outside tests", () => {
    const config = loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'production' });
    expect(meetsOwaspMinimum(config.passwordHash)).toBe(true);
    expect(() => loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'production', PASSWORD_HASH_COST: '16384,8,1' })).toThrow(ConfigError);
    expect(meetsOwaspMinimum({ N: 2 ** 15, r: 8, p: 1 })).toBe(false);
  });
});
