/** What every parser produces: the document's structure, with the formatting gone. */
export type Block = { kind: 'heading'; level: number; text: string } | { kind: 'text'; text: string };

export interface ParsedDocument {
  /** A title found in the document (Markdown's first H1, HTML's <title>, the PDF's metadata), if any. */
  title: string | null;
  blocks: Block[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The few entities that survive in Markdown and plain text; HTML is decoded by its parser. */
export function decodeBasicEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** One line of prose: runs of whitespace (including newlines and NBSP) become one space. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function heading(level: number, text: string): Block | null {
  const clean = collapseWhitespace(text);
  return clean ? { kind: 'heading', level: Math.min(6, Math.max(1, level)), text: clean } : null;
}

export function paragraph(text: string): Block | null {
  // Keep line breaks (lists, tables, code) but trim each line and drop empty ones.
  const clean = text
    .split('\n')
    .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
  return clean ? { kind: 'text', text: clean } : null;
}

export function pushBlock(blocks: Block[], block: Block | null): void {
  if (block) blocks.push(block);
}

/** The text whose checksum decides whether two uploads are "the same content". */
export function canonicalText(blocks: Block[]): string {
  return blocks.map((b) => collapseWhitespace(b.text)).join('\n');
}

/** A document past one of the parsing limits (nesting, unpacked size, time, memory): refused with 413. */
export class DocumentLimitError extends Error {}

/** Deepest element or list nesting read; real documents stay far below, pathological ones go to thousands. */
export const MAX_NESTING_DEPTH = 100;
