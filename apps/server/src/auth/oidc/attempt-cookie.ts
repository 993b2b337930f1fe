import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** What one sign-in attempt must remember between the redirect to the provider and its callback. */
export interface SsoAttempt {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** A console path to land on afterwards. */
  returnTo: string;
  /** Epoch ms. */
  expiresAt: number;
}

export const ATTEMPT_COOKIE = 'chat_sso_attempt';
export const ATTEMPT_TTL_MS = 10 * 60_000;

/**
 * The attempt lives in the browser, sealed (AES-256-GCM, a key derived from JWT_SECRET), so the
 * callback may reach any instance and nothing is kept per attempt on the server. Hand-written on
 * node:crypto: a dozen lines, where the cookie libraries at hand sign but do not encrypt (the
 * code_verifier must stay secret).
 */
export class AttemptSealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'chat-sso', 'sso-attempt-cookie', 32));
  }

  seal(attempt: SsoAttempt): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(attempt), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** Null for anything forged, tampered, malformed or expired. */
  open(sealed: string | undefined, now = Date.now()): SsoAttempt | null {
    if (!sealed || sealed.length > 4096) return null;
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const attempt = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as SsoAttempt;
      return typeof attempt.state === 'string' && typeof attempt.expiresAt === 'number' && attempt.expiresAt > now ? attempt : null;
    } catch {
      return null;
    }
  }
}

/** One cookie's value from a Cookie header (no cookie parser is installed for one name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
