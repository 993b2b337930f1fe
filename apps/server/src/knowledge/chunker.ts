import { countTokens, decode, encode } from 'gpt-tokenizer';
import type { Block } from './parsing/blocks.js';

export interface ChunkOptions {
  maxTokens: number;
  overlapTokens: number;
}

export interface DraftChunk {
  /** Headings above the chunk, outermost first. */
  headingPath: string[];
  text: string;
  tokenCount: number;
}

interface Section {
  headingPath: string[];
  paragraphs: string[];
}

/** A piece no larger than a chunk; `glue` is how it joins the piece before it. */
interface Piece {
  text: string;
  tokens: number;
  glue: ' ' | '\n\n';
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** Groups paragraphs under the headings they sit below. */
export function toSections(blocks: Block[]): Section[] {
  const sections: Section[] = [];
  const stack: { level: number; text: string }[] = [];
  let current: Section = { headingPath: [], paragraphs: [] };
  for (const block of blocks) {
    if (block.kind === 'heading') {
      if (current.paragraphs.length > 0) sections.push(current);
      while (stack.length > 0 && stack[stack.length - 1].level >= block.level) stack.pop();
      stack.push({ level: block.level, text: block.text });
      current = { headingPath: stack.map((h) => h.text), paragraphs: [] };
    } else if (block.text.trim()) {
      current.paragraphs.push(block.text.trim());
    }
  }
  if (current.paragraphs.length > 0) sections.push(current);
  return sections;
}

function sentences(text: string): string[] {
  return [...sentenceSegmenter.segment(text)].map((s) => s.segment.trim()).filter(Boolean);
}

/** Splits text that will not fit one chunk: by sentence, and a run-on sentence by tokens. */
function pieces(paragraph: string, maxTokens: number): Piece[] {
  const tokens = countTokens(paragraph);
  if (tokens <= maxTokens) return [{ text: paragraph, tokens, glue: '\n\n' }];
  const out: Piece[] = [];
  for (const sentence of sentences(paragraph)) {
    const sentenceTokens = countTokens(sentence);
    if (sentenceTokens <= maxTokens) {
      out.push({ text: sentence, tokens: sentenceTokens, glue: ' ' });
      continue;
    }
    const ids = encode(sentence);
    for (let i = 0; i < ids.length; i += maxTokens) {
      const text = decode(ids.slice(i, i + maxTokens)).trim();
      if (text) out.push({ text, tokens: countTokens(text), glue: ' ' });
    }
  }
  if (out.length > 0) out[0] = { ...out[0], glue: '\n\n' };
  return out;
}

/** The end of a chunk to repeat at the start of the next: whole sentences, else whole words. */
function overlapTail(text: string, overlapTokens: number): string {
  if (overlapTokens <= 0) return '';
  const tail: string[] = [];
  let used = 0;
  const all = sentences(text);
  for (let i = all.length - 1; i >= 0; i--) {
    const cost = countTokens(all[i]) + (tail.length > 0 ? 1 : 0);
    if (used + cost > overlapTokens) break;
    tail.unshift(all[i]);
    used += cost;
  }
  if (tail.length > 0) return tail.join(' ');
  // One long last sentence: its last words.
  const words = [...wordSegmenter.segment(all[all.length - 1] ?? '')].map((w) => w.segment);
  let suffix = '';
  for (let i = words.length - 1; i >= 0; i--) {
    const candidate = words[i] + suffix;
    if (countTokens(candidate.trim()) > overlapTokens) break;
    suffix = candidate;
  }
  return suffix.trim();
}

function join(parts: Piece[]): string {
  return parts.map((p, i) => (i === 0 ? p.text : p.glue + p.text)).join('');
}

/**
 * Cuts a document into chunks of at most `maxTokens` tokens. A chunk never spans two sections, so
 * its heading path is exact; inside a section, chunks end at paragraph (else sentence) boundaries
 * and each starts by repeating up to `overlapTokens` of the one before, so a fact that straddles a
 * cut is still whole in one of them. No chunk is empty.
 */
export function chunkDocument(blocks: Block[], options: ChunkOptions): DraftChunk[] {
  const { maxTokens } = options;
  const overlapTokens = Math.min(options.overlapTokens, Math.floor(maxTokens / 2));
  const chunks: DraftChunk[] = [];
  for (const section of toSections(blocks)) {
    const queue = section.paragraphs.flatMap((p) => pieces(p, maxTokens));
    let current: Piece[] = [];
    // Summing piece counts (plus one per join) is close to the exact count; the exact count decides.
    let estimate = 0;
    const emit = (parts: Piece[]) => {
      const text = join(parts).trim();
      if (text) chunks.push({ headingPath: section.headingPath, text, tokenCount: countTokens(text) });
    };
    for (let i = 0; i < queue.length; i++) {
      const piece = queue[i];
      if (current.length === 0 || estimate + 1 + piece.tokens <= maxTokens) {
        current.push(piece);
        estimate += piece.tokens + (current.length > 1 ? 1 : 0);
        if (countTokens(join(current)) <= maxTokens || current.length === 1) continue;
        // The estimate was a little short: this piece opens the next chunk instead.
        current.pop();
      }
      const previousText = join(current);
      emit(current);
      const tail = overlapTail(previousText, overlapTokens);
      const tailPiece: Piece = { text: tail, tokens: countTokens(tail), glue: '\n\n' };
      const opening: Piece = { ...piece, glue: piece.glue };
      current = tail && tailPiece.tokens + 1 + piece.tokens <= maxTokens && countTokens(join([tailPiece, opening])) <= maxTokens ? [tailPiece, opening] : [opening];
      estimate = current.reduce((sum, p) => sum + p.tokens, 0) + current.length - 1;
    }
    if (current.length > 0) emit(current);
  }
  return chunks;
}
