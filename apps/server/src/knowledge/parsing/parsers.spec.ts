import { readFileSync } from 'node:fs';
import { canonicalText } from './blocks.js';
import { detectContentType, readDocument, UnsupportedDocumentError } from './document-reader.js';
import { parseHtml } from './html-parser.js';
import { parseMarkdown } from './markdown-parser.js';
import { parsePdf } from './pdf-parser.js';
import { parsePlainText } from './text-parser.js';

const EVAL_DOCUMENTS = new URL('../../../../retrieval-eval/data/documents/', import.meta.url);
const bytes = (text: string) => new TextEncoder().encode(text);

describe('knowledge document parsers', () => {
  describe(parseMarkdown.name, () => {
    it('should turn headings into levels and drop inline formatting, keeping link text, lists and tables', () => {
      const doc = parseMarkdown(
        [
          '# Travel &amp; Expenses',
          '',
          'Book **early** via [the portal](https://example.test) and use `code-7`.',
          '',
          '## Hotels',
          '',
          '- first item',
          '- second *item*',
          '  - nested item',
          '',
          '| City | Cap |',
          '| --- | --- |',
          '| London | 250 |',
          '',
          '> Quoted advice.',
        ].join('\n'),
      );
      expect(doc.title).toBe('Travel & Expenses');
      expect(doc.blocks).toEqual([
        { kind: 'heading', level: 1, text: 'Travel & Expenses' },
        { kind: 'text', text: 'Book early via the portal and use code-7.' },
        { kind: 'heading', level: 2, text: 'Hotels' },
        { kind: 'text', text: '- first item\n- second item\n- nested item' },
        { kind: 'text', text: 'City | Cap\nLondon | 250' },
        { kind: 'text', text: 'Quoted advice.' },
      ]);
    });
  });

  describe(parseHtml.name, () => {
    it('should read headings, paragraphs, list items and table rows, and skip scripts, styles and navigation', () => {
      const doc = parseHtml(`<!doctype html><html><head><title>Leave  Policy</title><style>p{color:red}</style></head>
        <body><nav><a href="/">Home</a></nav><script>var secret = 1;</script>
        <h1>Leave</h1><p>Annual leave is
        <b>28 days</b>&nbsp;a year.<br>Ask early.</p>
        <ul><li>One</li><li>Two &amp; three</li></ul>
        <table><tr><th>Type</th><th>Days</th></tr><tr><td>Sick</td><td>3</td></tr></table>
        <h2>Parental</h2><div>Twelve weeks.</div></body></html>`);
      expect(doc.title).toBe('Leave Policy');
      expect(doc.blocks).toEqual([
        { kind: 'heading', level: 1, text: 'Leave' },
        { kind: 'text', text: 'Annual leave is 28 days a year.\nAsk early.' },
        { kind: 'text', text: '- One' },
        { kind: 'text', text: '- Two & three' },
        { kind: 'text', text: 'Type | Days' },
        { kind: 'text', text: 'Sick | 3' },
        { kind: 'heading', level: 2, text: 'Parental' },
        { kind: 'text', text: 'Twelve weeks.' },
      ]);
      expect(JSON.stringify(doc.blocks)).not.toMatch(/secret|color|Home/);
    });
  });

  describe(parsePlainText.name, () => {
    it('should find underlined, capitalised and numbered headings and join hard-wrapped lines', () => {
      const doc = parsePlainText(
        [
          'SECURITY STANDARD',
          '',
          '1. Passwords',
          '',
          'Passwords must be long',
          'and unique.',
          '',
          '1.1 Managers',
          'Use the password manager.',
          '',
          'Office Hours',
          '------------',
          '- Monday to Friday',
          '- 07:00 to 21:00',
        ].join('\n'),
      );
      expect(doc.title).toBe('Security Standard');
      expect(doc.blocks).toEqual([
        { kind: 'heading', level: 1, text: 'SECURITY STANDARD' },
        { kind: 'heading', level: 2, text: '1. Passwords' },
        { kind: 'text', text: 'Passwords must be long and unique.' },
        { kind: 'heading', level: 3, text: '1.1 Managers' },
        { kind: 'text', text: 'Use the password manager.' },
        { kind: 'heading', level: 3, text: 'Office Hours' },
        { kind: 'text', text: '- Monday to Friday\n- 07:00 to 21:00' },
      ]);
    });

    it('should keep sentences as text, not headings', () => {
      const doc = parsePlainText('Call the desk.\n\nIt is open all day, every day.');
      expect(doc.blocks.every((b) => b.kind === 'text')).toBe(true);
      expect(doc.title).toBeNull();
    });
  });

  describe(parsePdf.name, () => {
    it('should recover the title, headings by font size, and paragraphs from a PDF', async () => {
      const doc = await parsePdf(new Uint8Array(readFileSync(new URL('business-travel-policy.pdf', EVAL_DOCUMENTS))));
      expect(doc.title).toBe('Business Travel Policy');
      const headings = doc.blocks.filter((b) => b.kind === 'heading');
      expect(headings[0]).toEqual({ kind: 'heading', level: 1, text: 'Business Travel Policy' });
      expect(headings.slice(1).map((h) => h.text)).toEqual(
        expect.arrayContaining(['Approval', 'Booking', 'Flights', 'Trains', 'Hotels', 'Rental cars', 'Travel insurance and safety']),
      );
      expect(new Set(headings.slice(1).map((h) => (h.kind === 'heading' ? h.level : 0)))).toEqual(new Set([2]));
      // A paragraph wrapped over several lines in the PDF comes back as one.
      const hotels = doc.blocks[doc.blocks.findIndex((b) => b.text === 'Hotels') + 1];
      expect(hotels.text).toMatch(/^Hotel rooms are paid up to a nightly cap of 180 EUR in most cities and 250 EUR in London, .* towards a gift\.$/);
    });
  });

  describe(detectContentType.name, () => {
    it.each([
      ['text/plain', 'notes.txt', 'text/plain'],
      ['text/markdown; charset=utf-8', 'a.md', 'text/markdown'],
      ['application/octet-stream', 'README.MD', 'text/markdown'],
      ['text/plain', 'guide.markdown', 'text/markdown'],
      ['', 'page.htm', 'text/html'],
      ['application/xhtml+xml', 'page', 'text/html'],
      ['application/pdf', 'scan.bin', 'application/pdf'],
      [undefined, 'policy.pdf', 'application/pdf'],
      ['image/png', 'photo.png', null],
      ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'policy.docx', null],
      ['application/octet-stream', 'archive.zip', null],
      ['image/png', 'disguised.txt', null],
    ])('should read %s named %s as %s', (mime, name, expected) => {
      expect(detectContentType(mime, name)).toBe(expected);
    });
  });

  describe(readDocument.name, () => {
    it('should refuse a "PDF" that is not one, binary "text" and invalid UTF-8', async () => {
      await expect(readDocument('application/pdf', bytes('just text'))).rejects.toThrow(new UnsupportedDocumentError('The file is not a PDF'));
      await expect(readDocument('application/pdf', bytes('%PDF-1.7 broken'))).rejects.toThrow(/The PDF could not be read/);
      await expect(readDocument('text/plain', new Uint8Array([104, 105, 0, 1]))).rejects.toThrow('The file is binary, not text');
      await expect(readDocument('text/markdown', new Uint8Array([0xff, 0xfe, 0x41]))).rejects.toThrow('The file is not UTF-8 text');
    });

    it('should give the same canonical text for the same content however it is spaced', async () => {
      const a = await readDocument('text/markdown', bytes('# Title\n\nSome   text\nwrapped.'));
      const b = await readDocument('text/markdown', bytes('# Title\n\n\nSome text wrapped.\n'));
      expect(canonicalText(a.blocks)).toBe(canonicalText(b.blocks));
    });
  });
});
