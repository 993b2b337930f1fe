import { extractTextItems, getDocumentProxy, getMeta } from 'unpdf';
import { type Block, collapseWhitespace, heading, paragraph, type ParsedDocument, pushBlock } from './blocks.js';

interface Line {
  text: string;
  fontSize: number;
  y: number;
  page: number;
}

/** A line this much larger than the body text is a heading. */
const HEADING_SIZE_RATIO = 1.15;
const HEADING_MAX_LENGTH = 120;
const PAGE_NUMBER = /^(?:page\s+)?\d+(?:\s*(?:of|\/)\s*\d+)?$/i;
const BULLET = /^[•●▪◦‣∙·-]\s*/;

export class UnreadablePdfError extends Error {}

/**
 * PDF text with its structure recovered from the layout: a line set in a larger font than the body
 * is a heading (the larger, the higher its level), and a wider gap between lines ends a paragraph.
 */
export async function parsePdf(bytes: Uint8Array): Promise<ParsedDocument> {
  let pdf;
  try {
    // pdf.js takes ownership of the buffer it is given, so it gets a copy.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (error) {
    throw new UnreadablePdfError(error instanceof Error ? error.message : String(error));
  }
  try {
    const [{ items }, meta] = await Promise.all([extractTextItems(pdf), getMeta(pdf).catch(() => null)]);
    const lines = toLines(items);
    const metaTitle = typeof meta?.info?.['Title'] === 'string' ? collapseWhitespace(meta.info['Title']) : '';
    return { title: metaTitle || null, blocks: toBlocks(lines) };
  } finally {
    await pdf.loadingTask.destroy();
  }
}

type Item = Awaited<ReturnType<typeof extractTextItems>>['items'][number][number];

function toLines(pages: Item[][]): Line[] {
  const lines: Line[] = [];
  pages.forEach((items, page) => {
    let current: Line | null = null;
    const end = () => {
      if (current && current.text.trim()) lines.push({ ...current, text: collapseWhitespace(current.text) });
      current = null;
    };
    for (const item of items) {
      if (current && Math.abs((current as Line).y - item.y) > Math.max(2, item.fontSize / 2) && item.str.trim()) end();
      if (item.str) {
        if (!current) current = { text: '', fontSize: 0, y: item.y, page };
        current.text += item.str;
        if (item.str.trim()) current.fontSize = Math.max(current.fontSize, item.fontSize);
      }
      if (item.hasEOL) end();
    }
    end();
  });
  return lines;
}

function toBlocks(lines: Line[]): Block[] {
  const round = (size: number) => Math.round(size * 2) / 2;
  // The body size is the one most of the text is set in.
  const charsBySize = new Map<number, number>();
  for (const line of lines) charsBySize.set(round(line.fontSize), (charsBySize.get(round(line.fontSize)) ?? 0) + line.text.length);
  const bodySize = [...charsBySize.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const isHeading = (line: Line) => round(line.fontSize) >= bodySize * HEADING_SIZE_RATIO && line.text.length <= HEADING_MAX_LENGTH;
  const headingSizes = [...new Set(lines.filter(isHeading).map((l) => round(l.fontSize)))].sort((a, b) => b - a);

  const blocks: Block[] = [];
  let text = '';
  let pendingHeading: { size: number; text: string } | null = null;
  let previous: Line | null = null;

  const flushText = () => {
    pushBlock(blocks, paragraph(text));
    text = '';
  };
  const flushHeading = () => {
    if (pendingHeading) pushBlock(blocks, heading(headingSizes.indexOf(pendingHeading.size) + 1, pendingHeading.text));
    pendingHeading = null;
  };

  for (const line of lines) {
    const gap = previous && previous.page === line.page ? previous.y - line.y : 0;
    const farApart = gap > 1.5 * Math.max(line.fontSize, previous?.fontSize ?? 0);
    if (PAGE_NUMBER.test(line.text)) continue;
    if (isHeading(line)) {
      flushText();
      const size = round(line.fontSize);
      // A long heading wraps onto a second line of the same size.
      if (pendingHeading && pendingHeading.size === size && !farApart) pendingHeading.text += ` ${line.text}`;
      else {
        flushHeading();
        pendingHeading = { size, text: line.text };
      }
    } else {
      flushHeading();
      const bullet = BULLET.test(line.text) && line.text.length > 2;
      if (text && (farApart || bullet) && !(bullet && isListText(text) && !farApart)) flushText();
      if (bullet) text += `${text ? '\n' : ''}- ${line.text.replace(BULLET, '')}`;
      else if (text.endsWith('-') && /^\p{Ll}/u.test(line.text)) text = text.slice(0, -1) + line.text;
      else text += text ? ` ${line.text}` : line.text;
    }
    previous = line;
  }
  flushHeading();
  flushText();
  return blocks;
}

function isListText(text: string): boolean {
  return text.startsWith('- ');
}
