/** A fresh id that makes a send idempotent: resending it never stores the message twice. */
export function newClientMessageId(): string {
  return crypto.randomUUID();
}

/** Up to two initials for an avatar. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0][0], words[words.length - 1][0]] : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}
