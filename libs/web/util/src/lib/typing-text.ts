/** "Alice is typing…" for one, "3 people are typing…" for more; empty for nobody. */
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  return `${names.length} people are typing…`;
}
