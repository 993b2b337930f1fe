import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's equivalent scrypt settings (r=8): N=2^17 p=1, 2^16 p=2, 2^15 p=3, 2^14 p=5, 2^13 p=10.
 * The default keeps 32 MiB per hash (what concurrent logins cost in memory) at the minimum's work.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };
const OWASP_MIN_P_BY_LOG2_N: Record<number, number> = { 13: 10, 14: 5, 15: 3, 16: 2, 17: 1 };
const KEY_LENGTH = 32;

/** Whether the parameters reach OWASP's minimum (anything stronger than one of its rows). */
export function meetsOwaspMinimum({ N, r, p }: ScryptParams): boolean {
  if (r < 8) return false;
  const log2 = Math.log2(N);
  if (log2 >= 17) return true;
  const minP = OWASP_MIN_P_BY_LOG2_N[Math.floor(log2)];
  return minP !== undefined && p >= minP;
}

const maxmem = ({ N, r, p }: ScryptParams) => 128 * N * r * p + 16 * 1024 * 1024;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...params, maxmem: maxmem(params) }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Format: `scrypt$N$r$p$salt$hash` (base64url), so parameters can be raised later without breaking old hashes. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A hash made with other parameters than today's: rehashed at the next successful login. */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) !== params.N || Number(r) !== params.r || Number(p) !== params.p;
}

// Stored parameters are ours, but a corrupted row must not make one login allocate gigabytes.
const MAX_STORED_COST = 128 * 2 ** 20 * 8;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every((v) => Number.isInteger(v) && v > 0) || 128 * params.N * params.r > MAX_STORED_COST) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), params);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
