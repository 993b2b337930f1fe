import { createInflate } from 'node:zlib';
import { DocumentLimitError } from './blocks.js';

const STREAM_START = /stream\r?\n/g;
const END_STREAM = Buffer.from('endstream', 'latin1');
const DICT_LOOKBACK = 2048;

/**
 * Refuses a PDF whose Flate streams unpack to more than `maxBytes` together, before pdf.js
 * inflates any of them: pdf.js decodes a whole stream into memory (outside the worker's heap
 * limit, in ArrayBuffers) and has no size cap of its own, so a few hundred KB can become GBs.
 * Counted while inflating, nothing kept; a stream that does not inflate is left to pdf.js.
 */
export async function assertPdfUnpacksWithin(bytes: Uint8Array, maxBytes: number): Promise<void> {
  const pdf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = pdf.toString('latin1');
  let remaining = maxBytes;
  for (const match of text.matchAll(STREAM_START)) {
    const start = match.index + match[0].length;
    const dictionary = text.slice(Math.max(0, match.index - DICT_LOOKBACK), match.index);
    const dictStart = dictionary.lastIndexOf('<<');
    if (dictStart < 0 || !/\/(FlateDecode|Fl)\b/.test(dictionary.slice(dictStart))) continue;
    const end = pdf.indexOf(END_STREAM, start);
    if (end < 0) continue;
    remaining -= await inflatedSize(pdf.subarray(start, end), remaining);
    if (remaining < 0) throw new DocumentLimitError(`The PDF's content unpacks to more than ${maxBytes} bytes`);
  }
}

/** Bytes the data inflates to, counting stops just past `limit`; 0 if it is not zlib data. */
function inflatedSize(data: Buffer, limit: number): Promise<number> {
  return new Promise((resolve) => {
    let size = 0;
    const inflate = createInflate();
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        inflate.destroy();
        resolve(size);
      }
    });
    inflate.on('end', () => resolve(size));
    // Corrupt or truncated: what came out so far counts (pdf.js reads as much as it can).
    inflate.on('error', () => resolve(size));
    inflate.end(data);
  });
}
