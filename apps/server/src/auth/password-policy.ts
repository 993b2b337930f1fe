import { readFileSync } from 'node:fs';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@chat/contract';
import { AppException } from '../common/app-exception.js';

/** The list shipped with the server; the build copies it next to the compiled code. */
export const COMMON_PASSWORDS_FILE = new URL('./data/common-passwords.txt', import.meta.url);

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(COMMON_PASSWORDS_FILE, 'utf8')
      .split('\n')
      .map((line) => line.trim().toLowerCase())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
  return common;
}

/** Why a new password is refused, or null. Length counts code points, as a user counts characters. */
export function passwordProblem(password: string, username: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `password must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const folded = password.normalize('NFKC').toLowerCase();
  if (folded === normalizeUsername(username)) return 'password must not be the username';
  if (commonPasswords().has(folded)) return 'password is too common';
  return null;
}

export function assertPasswordPolicy(password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw AppException.validation([problem]);
}

/**
 * The one spelling of a username for lookups and login rate-limit keys. Stored usernames are ASCII,
 * so whatever does not fold to the same ASCII (`admİn` with U+0130) is a different, unknown name.
 */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}
