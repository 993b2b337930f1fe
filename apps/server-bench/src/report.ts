/** Number formatting, progress lines and a plain-text table for the bench's output. */

export function log(line: string): void {
  console.log(`[bench ${process.uptime().toFixed(1).padStart(5)}s] ${line}`);
}

export function num(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
}

/** Milliseconds (or any small quantity) with precision that suits its size. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function ratio(value: number, reference: number): string {
  return Number.isFinite(value) && Number.isFinite(reference) && reference > 0 ? (value / reference).toFixed(2) : '-';
}

/** First column left-aligned, the others right-aligned. */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
