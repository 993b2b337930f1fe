import { type Block, heading, paragraph, type ParsedDocument, pushBlock } from './blocks.js';

const NUMBERED = /^((?:\d+\.)*\d+)\.?\s+(\S.*)$/;
const LIST_ITEM = /^\s*(?:[-*•·‣◦]|\d+[.)]|[a-z][.)])\s+/;

/**
 * A line standing alone that reads like a title: short, no sentence punctuation at its end, and
 * numbered ("2.1 Reporting"), in capitals ("SECURITY"), or Markdown-style ("## Scope").
 * Returns its level, or 0 for ordinary text.
 */
function headingLevel(line: string, previousNumberedLevel: number): { level: number; text: string } | null {
  const text = line.trim();
  if (text.length === 0 || text.length > 90 || /[.,;!?]$/.test(text)) return null;
  const hashes = /^(#{1,6})\s+(.+)$/.exec(text);
  if (hashes) return { level: hashes[1].length, text: hashes[2] };
  const numbered = NUMBERED.exec(text);
  if (numbered && /^\p{Lu}/u.test(numbered[2]) && numbered[2].split(/\s+/).length <= 10) {
    return { level: numbered[1].split('.').length, text };
  }
  const letters = text.replace(/[^\p{L}]/gu, '');
  if (letters.length >= 3 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()) return { level: 1, text };
  // A short capitalised line on its own, under the last numbered heading.
  if (/^\p{Lu}/u.test(text) && text.split(/\s+/).length <= 8 && !text.endsWith(':')) return { level: previousNumberedLevel + 1, text };
  return null;
}

/**
 * Plain text: paragraphs are separated by blank lines; hard-wrapped prose is joined back into one
 * line, lists keep one item per line; headings are recognised as described above.
 */
export function parsePlainText(source: string): ParsedDocument {
  const blocks: Block[] = [];
  let numberedLevel = 0;
  const paragraphs = source.replace(/\r\n?/g, '\n').split(/\n[^\S\n]*\n/);
  for (const raw of paragraphs) {
    const lines = raw.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    // Setext underline: "Title" over "=====" or "-----".
    if (lines.length >= 2 && /^\s*(=+|-+)\s*$/.test(lines[1]) && lines[1].trim().length >= 3) {
      pushBlock(blocks, heading(lines[1].trim()[0] === '=' ? 1 : 2, lines[0]));
      lines.splice(0, 2);
      if (lines.length === 0) continue;
    }
    const first = lines.length === 1 ? headingLevel(lines[0], numberedLevel) : null;
    if (first) {
      if (NUMBERED.test(lines[0].trim())) numberedLevel = first.level;
      else if (first.level === 1) numberedLevel = 1;
      pushBlock(blocks, heading(first.level, first.text));
      continue;
    }
    // A heading line directly over its text, with no blank line between.
    const top = lines.length > 1 && !LIST_ITEM.test(lines[0]) ? headingLevel(lines[0], numberedLevel) : null;
    if (top && (NUMBERED.test(lines[0].trim()) || /^#{1,6}\s/.test(lines[0].trim()) || top.level === 1)) {
      if (NUMBERED.test(lines[0].trim())) numberedLevel = top.level;
      pushBlock(blocks, heading(top.level, top.text));
      lines.shift();
    }
    const isList = lines.some((line) => LIST_ITEM.test(line));
    pushBlock(blocks, paragraph(isList ? joinListLines(lines) : lines.join(' ')));
  }
  // A document that opens with a top-level heading is titled by it ("PASSWORD STANDARD" → "Password Standard"),
  // and its numbered sections ("1. Purpose", also level 1 by their numbering) sit below the title.
  const first = blocks[0];
  const title = first?.kind === 'heading' && first.level === 1 ? unshout(first.text) : null;
  if (title !== null && blocks.slice(1).some((b) => b.kind === 'heading' && b.level === 1)) {
    return { title, blocks: blocks.map((b, i) => (i > 0 && b.kind === 'heading' ? { ...b, level: Math.min(6, b.level + 1) } : b)) };
  }
  return { title, blocks };
}

function unshout(text: string): string {
  if (text !== text.toUpperCase()) return text;
  const minor = new Set(['a', 'an', 'and', 'as', 'at', 'by', 'for', 'in', 'of', 'on', 'or', 'the', 'to', 'with']);
  return text
    .toLowerCase()
    .split(' ')
    .map((word, i) => (i > 0 && minor.has(word) ? word : word.replace(/\p{L}/u, (letter) => letter.toUpperCase())))
    .join(' ');
}

/** List items keep their own line; a wrapped continuation line joins its item. */
function joinListLines(lines: string[]): string {
  const out: string[] = [];
  for (const line of lines) {
    if (LIST_ITEM.test(line) || out.length === 0) out.push(line.trim());
    else out[out.length - 1] += ` ${line.trim()}`;
  }
  return out.join('\n');
}
