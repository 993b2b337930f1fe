import { readFileSync } from 'node:fs';
import { pdfBomb } from '@chat/server-testing';
import { DocumentLimitError } from './blocks.js';
import { assertPdfUnpacksWithin } from './pdf-unpacked-size.js';

const EVAL_DOCUMENTS = new URL('../../../../retrieval-eval/data/documents/', import.meta.url);

describe(assertPdfUnpacksWithin.name, () => {
  it('should let an ordinary PDF through', async () => {
    const pdf = new Uint8Array(readFileSync(new URL('business-travel-policy.pdf', EVAL_DOCUMENTS)));
    await expect(assertPdfUnpacksWithin(pdf, pdf.length * 16)).resolves.toBeUndefined();
  });

  it('should refuse streams that together unpack beyond the cap, each under it', async () => {
    const bomb = await pdfBomb(3 * 1024 * 1024, 4);
    await expect(assertPdfUnpacksWithin(bomb, 10 * 1024 * 1024)).rejects.toThrow(DocumentLimitError);
    await expect(assertPdfUnpacksWithin(bomb, 16 * 1024 * 1024)).resolves.toBeUndefined();
  });
});
