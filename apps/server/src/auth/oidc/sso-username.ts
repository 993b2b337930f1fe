const USERNAME_MAX = 64;

/**
 * A local username for a provider's account, in the shape local usernames have (3-64 of
 * `[a-zA-Z0-9_.-]`): preferred_username, else the e-mail's local part, else a name from the subject.
 * Only a suggestion: `candidates` de-duplicates it against taken names.
 */
export function suggestedUsername(claims: Record<string, unknown>, subject: string): string {
  const preferred = typeof claims['preferred_username'] === 'string' ? claims['preferred_username'] : '';
  const email = typeof claims['email'] === 'string' ? claims['email'].split('@')[0] : '';
  for (const raw of [preferred, email ?? '']) {
    const cleaned = raw
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-zA-Z0-9_.-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, USERNAME_MAX - 4);
    if (cleaned.length >= 3) return cleaned;
  }
  return `sso-${subject.replace(/[^a-zA-Z0-9]/g, '').slice(0, 12) || 'user'}`;
}

/** `name`, `name-2`, `name-3`, …: each fits the 64-character limit. */
export function* usernameCandidates(base: string, tries: number): Generator<string> {
  yield base;
  for (let n = 2; n <= tries; n++) {
    const suffix = `-${n}`;
    yield `${base.slice(0, USERNAME_MAX - suffix.length)}${suffix}`;
  }
}

/** Whether a role claim (string, or array such as `groups`) holds one of the admin values. */
export function claimGrantsAdmin(claim: unknown, adminValues: readonly string[]): boolean {
  const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[\s,]+/) : [];
  return values.some((value) => typeof value === 'string' && adminValues.includes(value));
}
