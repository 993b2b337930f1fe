import { hashPassword, verifyPassword } from './password-hasher.js';

describe('password hasher', () => {
  it('should store scrypt with its parameters, salt and key', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('correct horse');
  });

  it('should verify the right password and refuse a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('should salt each hash differently, so equal passwords do not give equal hashes', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('same password', b)).toBe(true);
  });

  it('should treat compatibility-equivalent Unicode spellings as the same password', async () => {
    // "ﬁ" (U+FB01) and "fi" are the same under NFKC, as are the composed and decomposed "é".
    const hash = await hashPassword('ﬁancé-password');
    expect(await verifyPassword('fiance\u0301-password', hash)).toBe(true);
  });

  it('should refuse stored values that are not a scrypt hash', async () => {
    for (const stored of ['', 'plain-text-password', 'bcrypt$2b$10$abc', 'scrypt$32768$8$1$$']) {
      expect(await verifyPassword('plain-text-password', stored)).toBe(false);
    }
  });

  it('should still verify hashes made with other cost parameters', async () => {
    const current = await hashPassword('tuned');
    const [, , , , salt] = current.split('$');
    const { scryptSync } = await import('node:crypto');
    const key = scryptSync('tuned', Buffer.from(salt, 'base64url'), 32, { N: 2 ** 14, r: 8, p: 1 }).toString('base64url');
    const older = ['scrypt', 2 ** 14, 8, 1, salt, key].join('$');
    expect(await verifyPassword('tuned', older)).toBe(true);
    expect(await verifyPassword('other', older)).toBe(false);
  });
});
