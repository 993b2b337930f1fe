import { constants, createDeflate } from 'node:zlib';

/** The audit's pathological uploads (issue 10, point 1), for the security specs and the bench. */

/** `<div><span><b>` × levels around one word. */
export const nestedHtml = (levels: number) => `<html><body>${'<div><span><b>'.repeat(levels)}deep${'</b></span></div>'.repeat(levels)}</body></html>`;

/** A Markdown list nested `levels` deep, one item per level. */
export const nestedMarkdownList = (levels: number) => Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n');

/** Nested HTML just under `bytes` long. */
export function nestedHtmlOfSize(bytes: number): string {
  const perLevel = '<div><span><b>'.length + '</b></span></div>'.length;
  return nestedHtml(Math.floor((bytes - 64) / perLevel));
}

/** A nested Markdown list just under `bytes`: a list `depth` deep, repeated. */
export function deepMarkdownOfSize(bytes: number, depth = 2000): string {
  const one = nestedMarkdownList(depth);
  return Array.from({ length: Math.max(1, Math.floor(bytes / (one.length + 2))) }, () => one).join('\n\n');
}

/** zlib of `unpackedBytes` of a text-showing content stream, fed in pieces so the full text never sits in memory. */
async function deflatedContentStream(unpackedBytes: number): Promise<Buffer> {
  // Long runs of one letter: zlib's best ratio (about 1000:1).
  const piece = Buffer.from(`BT /F1 12 Tf 72 700 Td (${'B'.repeat((1 << 20) - 64)}) Tj ET\n`);
  const deflate = createDeflate({ level: constants.Z_BEST_COMPRESSION });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  for (let written = 0; written < unpackedBytes; written += piece.length) {
    if (!deflate.write(piece)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return Buffer.concat(out);
}

/**
 * A valid PDF whose pages' content streams (FlateDecode) each unpack to `unpackedBytesPerPage`: a
 * few hundred KB of file for hundreds of MB of text. With `pages`, the same stream is repeated, to
 * fill an upload limit.
 */
export async function pdfBomb(unpackedBytesPerPage: number, pages = 1): Promise<Buffer> {
  const stream = await deflatedContentStream(unpackedBytesPerPage);
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const add = (part: string | Buffer) => {
    const buffer = typeof part === 'string' ? Buffer.from(part, 'latin1') : part;
    parts.push(buffer);
    length += buffer.length;
  };
  const object = (id: number, body: string | Buffer[]) => {
    offsets[id] = length;
    add(`${id} 0 obj\n`);
    if (typeof body === 'string') add(body);
    else body.forEach(add);
    add('\nendobj\n');
  };
  add('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
  const pageIds = Array.from({ length: pages }, (_, i) => 4 + i * 2);
  object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  object(2, `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages} >>`);
  object(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (const id of pageIds) {
    object(id, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${id + 1} 0 R /Resources << /Font << /F1 3 0 R >> >> >>`);
    object(id + 1, [Buffer.from(`<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'), stream, Buffer.from('\nendstream', 'latin1')]);
  }
  const size = 4 + pages * 2;
  const xref = length;
  add(`xref\n0 ${size}\n0000000000 65535 f \n`);
  for (let id = 1; id < size; id++) add(`${String(offsets[id]).padStart(10, '0')} 00000 n \n`);
  add(`trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts);
}
