/**
 * Gathers text deltas over a short window and hands them on with contiguous indexes, so a fast
 * model does not cost one socket frame (and one JSON encode per listener) per token.
 */
export class DeltaCoalescer {
  private buffer = '';
  private nextIndex = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly windowMs: number,
    private readonly emit: (index: number, delta: string) => void,
  ) {}

  push(text: string): void {
    this.buffer += text;
    if (this.windowMs === 0) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer === '') return;
    const delta = this.buffer;
    this.buffer = '';
    this.emit(this.nextIndex++, delta);
  }
}
