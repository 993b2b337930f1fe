import { lexer, type Token, type Tokens } from 'marked';
import { type Block, decodeBasicEntities, DocumentLimitError, heading, MAX_NESTING_DEPTH, paragraph, type ParsedDocument, pushBlock } from './blocks.js';
import { parseHtml } from './html-parser.js';

function inline(tokens: Token[] | undefined): string {
  if (!tokens) return '';
  return tokens
    .map((token): string => {
      switch (token.type) {
        case 'br':
          return '\n';
        case 'codespan':
          return token.text;
        case 'image':
          return token.text;
        case 'html':
          // Inline tags (<b>, <kbd>) carry no words of their own.
          return '';
        default:
          return 'tokens' in token && token.tokens ? inline(token.tokens) : decodeBasicEntities('text' in token ? String(token.text) : '');
      }
    })
    .join('');
}

function listLines(list: Tokens.List, depth: number): string[] {
  const lines: string[] = [];
  list.items.forEach((item, i) => {
    const marker = list.ordered ? `${Number(list.start || 1) + i}.` : '-';
    const own = item.tokens.filter((t) => t.type !== 'list');
    const text = own.map((t) => ('tokens' in t && t.tokens ? inline(t.tokens) : 'text' in t ? decodeBasicEntities(String(t.text)) : '')).join(' ');
    lines.push(`${'  '.repeat(depth)}${marker} ${text.replace(/\s+/g, ' ').trim()}`);
    for (const nested of item.tokens) if (nested.type === 'list') lines.push(...listLines(nested as Tokens.List, depth + 1));
  });
  return lines;
}

function walk(tokens: Token[], blocks: Block[]): void {
  for (const token of tokens) {
    switch (token.type) {
      case 'heading':
        pushBlock(blocks, heading(token.depth, inline(token.tokens)));
        break;
      case 'paragraph':
      case 'text':
        pushBlock(blocks, paragraph(inline(token.tokens) || decodeBasicEntities(token.text)));
        break;
      case 'list':
        pushBlock(blocks, paragraph(listLines(token as Tokens.List, 0).join('\n')));
        break;
      case 'code':
        pushBlock(blocks, paragraph(token.text));
        break;
      case 'table': {
        const table = token as Tokens.Table;
        const row = (cells: Tokens.TableCell[]) => cells.map((c) => inline(c.tokens).trim()).join(' | ');
        pushBlock(blocks, paragraph([row(table.header), ...table.rows.map(row)].join('\n')));
        break;
      }
      case 'blockquote':
        walk(token.tokens ?? [], blocks);
        break;
      case 'html':
        blocks.push(...parseHtml(token.raw).blocks);
        break;
      default:
        // space, hr, def: nothing to read.
        break;
    }
  }
}

export function parseMarkdown(source: string): ParsedDocument {
  assertMarkdownNesting(source);
  const blocks: Block[] = [];
  walk(lexer(source), blocks);
  const firstH1 = blocks.find((b) => b.kind === 'heading' && b.level === 1);
  return { title: firstH1?.text ?? null, blocks };
}

/**
 * Nesting is written as indentation and `>` runs: a line deeper than the cap is refused before the
 * lexer, whose time grows with the square of the nesting.
 */
export function assertMarkdownNesting(source: string): void {
  const limit = MAX_NESTING_DEPTH;
  for (const line of source.split('\n')) {
    const indent = /^[ \t>]*/.exec(line)![0];
    let depth = 0;
    for (const ch of indent) depth += ch === '\t' ? 2 : ch === '>' ? 2 : 0.5;
    if (depth > limit) throw new DocumentLimitError(`The Markdown nests deeper than ${limit} levels`);
  }
}
