import { countTokens } from 'gpt-tokenizer';
import { chunkDocument, toSections } from './chunker.js';
import type { Block } from './parsing/blocks.js';

const h = (level: number, text: string): Block => ({ kind: 'heading', level, text });
const p = (text: string): Block => ({ kind: 'text', text });

/** Distinct, numbered sentences, so any repeated text is overlap and nothing else. */
function sentences(count: number, from = 1): string {
  return Array.from({ length: count }, (_, i) => `Sentence number ${from + i} says something about rule ${from + i}.`).join(' ');
}

describe(chunkDocument.name, () => {
  it('should give every chunk the headings above it, outermost first, resetting on a sibling or higher heading', () => {
    const chunks = chunkDocument(
      [p('Preamble.'), h(1, 'Policy'), p('Intro.'), h(2, 'Scope'), p('Who.'), h(3, 'Contractors'), p('Them too.'), h(2, 'Rules'), p('Be nice.'), h(1, 'Annex'), p('Extra.')],
      { maxTokens: 100, overlapTokens: 10 },
    );
    expect(chunks.map((c) => [c.headingPath, c.text])).toEqual([
      [[], 'Preamble.'],
      [['Policy'], 'Intro.'],
      [['Policy', 'Scope'], 'Who.'],
      [['Policy', 'Scope', 'Contractors'], 'Them too.'],
      [['Policy', 'Rules'], 'Be nice.'],
      [['Annex'], 'Extra.'],
    ]);
  });

  it('should handle a heading that skips levels, and a deeper one after a shallower one', () => {
    expect(toSections([h(1, 'A'), h(3, 'A.deep'), p('x'), h(2, 'B'), p('y')]).map((s) => s.headingPath)).toEqual([
      ['A', 'A.deep'],
      ['A', 'B'],
    ]);
  });

  it('should keep paragraphs of one section together up to the token budget, and cut at paragraph boundaries', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => p(sentences(2, i * 2 + 1)));
    const chunks = chunkDocument([h(1, 'Rules'), ...paragraphs], { maxTokens: 80, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(chunk.tokenCount).toBe(countTokens(chunk.text));
      expect(chunk.tokenCount).toBeLessThanOrEqual(80);
      // Whole paragraphs only: every chunk starts at the first sentence of one.
      expect(chunk.text).toMatch(/^Sentence number \d*[13579] /);
    }
    // Nothing lost, nothing repeated without overlap.
    expect(chunks.map((c) => c.text).join('\n\n')).toBe(paragraphs.map((b) => b.text).join('\n\n'));
  });

  it('should split a paragraph larger than a chunk by sentences, each chunk opening with the end of the previous one', () => {
    const text = sentences(60);
    const chunks = chunkDocument([h(1, 'Long'), p(text)], { maxTokens: 120, overlapTokens: 30 });
    expect(chunks.length).toBeGreaterThan(3);
    for (let i = 0; i < chunks.length; i++) {
      expect(chunks[i].tokenCount).toBeLessThanOrEqual(120);
      expect(chunks[i].headingPath).toEqual(['Long']);
      if (i === 0) continue;
      const previous = chunks[i - 1].text;
      // The longest start of this chunk that the previous one ends with is the overlap.
      const words = chunks[i].text.split(' ');
      let overlap = '';
      for (let n = 1; n <= words.length; n++) {
        const head = words.slice(0, n).join(' ');
        if (previous.endsWith(head)) overlap = head;
      }
      expect(overlap).not.toBe('');
      expect(countTokens(overlap)).toBeLessThanOrEqual(30);
      expect(overlap).toMatch(/^Sentence number \d+ .*\.$/);
    }
    // Every sentence is in some chunk.
    for (let n = 1; n <= 60; n++) expect(chunks.some((c) => c.text.includes(`Sentence number ${n} says`))).toBe(true);
  });

  it('should not overlap across sections', () => {
    const chunks = chunkDocument([h(1, 'One'), p(sentences(3)), h(1, 'Two'), p(sentences(3, 100))], { maxTokens: 200, overlapTokens: 50 });
    expect(chunks).toHaveLength(2);
    expect(chunks[1].text.startsWith('Sentence number 100')).toBe(true);
  });

  it('should cut a run-on sentence with no punctuation by tokens', () => {
    const runOn = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const chunks = chunkDocument([p(runOn)], { maxTokens: 100, overlapTokens: 20 });
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(100);
    expect(chunks[chunks.length - 1].text.endsWith('word399')).toBe(true);
  });

  it('should never produce an empty chunk: blank paragraphs, heading-only documents and nothing at all give none', () => {
    expect(chunkDocument([], { maxTokens: 100, overlapTokens: 10 })).toEqual([]);
    expect(chunkDocument([h(1, 'Only a title'), h(2, 'And a subtitle')], { maxTokens: 100, overlapTokens: 10 })).toEqual([]);
    const chunks = chunkDocument([h(1, 'T'), p('   '), p('\n\n'), p('Real text.'), p(' ')], { maxTokens: 100, overlapTokens: 10 });
    expect(chunks).toEqual([{ headingPath: ['T'], text: 'Real text.', tokenCount: countTokens('Real text.') }]);
  });

  it('should respect the default budget of 300 tokens on a long real-looking document', () => {
    const blocks: Block[] = [];
    for (let s = 1; s <= 5; s++) {
      blocks.push(h(2, `Section ${s}`));
      for (let k = 0; k < 6; k++) blocks.push(p(sentences(8, s * 100 + k * 10)));
    }
    const chunks = chunkDocument(blocks, { maxTokens: 300, overlapTokens: 50 });
    expect(Math.max(...chunks.map((c) => c.tokenCount))).toBeLessThanOrEqual(300);
    expect(chunks.every((c) => c.text.trim().length > 0)).toBe(true);
    // Sections of ~6 × 100 tokens need at least two chunks each.
    expect(chunks.length).toBeGreaterThanOrEqual(10);
  });
});
