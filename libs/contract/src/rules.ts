/**
 * Rules both ends apply, defined once: the console checks the same thing the server enforces, so
 * a user learns before sending, not from an error.
 */

/** "@ai" anywhere as a word (not part of an e-mail address or "@@ai") asks the assistant. */
export const AI_MENTION_PATTERN = /(^|[^\w@])@ai\b/i;

export function mentionsAssistant(text: string): boolean {
  return AI_MENTION_PATTERN.test(text);
}

/** The text with every "@ai" removed, as the assistant searches for it. */
export function withoutAssistantMention(text: string): string {
  return text.replace(/@ai\b/gi, ' ').trim();
}

/** Characters as MESSAGE_MAX_LENGTH counts them: code points, so an emoji is one, not two UTF-16 units. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** How the assistant's messages are signed (they have no user row). */
export const ASSISTANT_USERNAME = 'assistant';
export const ASSISTANT_DISPLAY_NAME = 'AI Assistant';

/** The server's MESSAGE_MAX_LENGTH when unset. */
export const MESSAGE_MAX_LENGTH_DEFAULT = 4000;
export const ROOM_NAME_MAX_LENGTH = 128;
export const ROOM_DESCRIPTION_MAX_LENGTH = 2000;
export const ROOM_ID_MAX_LENGTH = 64;
/** OWASP's minimum for passwords without other factors; the server also refuses the username and common passwords. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Largest message seq a client may name (`lastSeq`, `before`, `after`): what a JS number holds exactly; the bigint column holds more. */
export const SEQ_MAX = Number.MAX_SAFE_INTEGER;
/** Deepest nesting accepted in a JSON body or socket payload; no request of the API needs more than a few levels. */
export const JSON_MAX_DEPTH = 32;
