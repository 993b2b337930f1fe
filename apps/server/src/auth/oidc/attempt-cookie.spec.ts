import { AttemptSealer, cookieValue } from './attempt-cookie.js';
import type { SsoAttempt } from './attempt-cookie.js';

const attempt = (expiresAt = Date.now() + 60_000): SsoAttempt => ({ state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/rooms', expiresAt });

describe(AttemptSealer.name, () => {
  const sealer = new AttemptSealer('a-jwt-secret-that-is-at-least-32-characters');

  it('should open what it sealed, and keep the code verifier unreadable', () => {
    const sealed = sealer.seal(attempt());
    expect(sealer.open(sealed)).toMatchObject({ state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/rooms' });
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('"codeVerifier"');
  });

  it('should refuse a tampered, foreign, expired or malformed attempt', () => {
    const sealed = sealer.seal(attempt());
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1] ^= 1;
    expect(sealer.open(bytes.toString('base64url'))).toBeNull();
    expect(new AttemptSealer('another-secret-that-is-at-least-32-characters').open(sealed)).toBeNull();
    expect(sealer.open(sealer.seal(attempt(Date.now() - 1)))).toBeNull();
    expect(sealer.open('not-base64-at-all!')).toBeNull();
    expect(sealer.open(undefined)).toBeNull();
  });
});

describe(cookieValue.name, () => {
  it('should find one cookie among several', () => {
    expect(cookieValue('a=1; chat_sso_attempt=abc=def; b=2', 'chat_sso_attempt')).toBe('abc=def');
    expect(cookieValue('a=1', 'chat_sso_attempt')).toBeUndefined();
    expect(cookieValue(undefined, 'x')).toBeUndefined();
  });
});
