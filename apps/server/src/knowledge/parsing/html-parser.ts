import { Parser } from 'htmlparser2';
import { type Block, collapseWhitespace, DocumentLimitError, heading, MAX_NESTING_DEPTH, paragraph, type ParsedDocument, pushBlock } from './blocks.js';

/** Content that is never prose. */
const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'canvas', 'iframe', 'object', 'nav', 'head', 'select', 'button']);
/** Elements that end the paragraph before them and start a new one. */
const BLOCKS = new Set([
  'p', 'div', 'section', 'article', 'main', 'header', 'footer', 'aside', 'address', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'caption', 'blockquote', 'pre', 'figure', 'figcaption', 'form', 'fieldset',
  'legend', 'details', 'summary', 'hr', 'body', 'html',
]);
const HEADING = /^h([1-6])$/;

export function parseHtml(source: string): ParsedDocument {
  const blocks: Block[] = [];
  let text = '';
  let skipDepth = 0;
  let preDepth = 0;
  let headingLevel = 0;
  let inTitle = false;
  let title = '';
  let cellsInRow = 0;
  let depth = 0;

  const flush = () => {
    pushBlock(blocks, headingLevel ? heading(headingLevel, text) : paragraph(preDepth ? text : collapseWhitespaceKeepBreaks(text)));
    text = '';
  };

  const parser = new Parser(
    {
      onopentag(name) {
        // htmlparser2 reports implied closes too, so open minus close is the real nesting.
        if (++depth > MAX_NESTING_DEPTH) throw new DocumentLimitError(`The HTML nests deeper than ${MAX_NESTING_DEPTH} elements`);
        if (name === 'title') inTitle = true;
        if (SKIPPED.has(name)) {
          skipDepth++;
          return;
        }
        if (skipDepth) return;
        const level = HEADING.exec(name);
        if (level) {
          flush();
          headingLevel = Number(level[1]);
        } else if (name === 'tr') {
          flush();
          cellsInRow = 0;
        } else if (name === 'td' || name === 'th') {
          if (cellsInRow++ > 0) text += ' | ';
        } else if (BLOCKS.has(name)) {
          flush();
          if (name === 'li') text = '- ';
          if (name === 'pre') preDepth++;
        } else if (name === 'br') {
          text += '\n';
        }
      },
      ontext(chunk) {
        if (inTitle) title += chunk;
        // Source line breaks are only whitespace in HTML; <br> and <pre> make real ones.
        if (!skipDepth && !inTitle) text += preDepth ? chunk : chunk.replace(/\s+/g, ' ');
      },
      onclosetag(name) {
        depth = Math.max(0, depth - 1);
        if (name === 'title') inTitle = false;
        if (SKIPPED.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth) return;
        if (HEADING.test(name)) {
          flush();
          headingLevel = 0;
        } else if (BLOCKS.has(name) || name === 'tr') {
          flush();
          if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(source);
  parser.end();
  flush();
  // A list item whose text was only its marker leaves "-" behind.
  const kept = blocks.filter((b) => b.text !== '-');
  const firstH1 = kept.find((b) => b.kind === 'heading' && b.level === 1);
  return { title: collapseWhitespace(title) || firstH1?.text || null, blocks: kept };
}

/** Inline whitespace collapses as a browser would; explicit <br> line breaks stay. */
function collapseWhitespaceKeepBreaks(text: string): string {
  return text
    .split('\n')
    .map((line) => collapseWhitespace(line))
    .join('\n');
}
