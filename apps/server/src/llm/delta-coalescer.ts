/**
 * Gathers text deltas over a short window and hands them on with contiguous indexes, so a fast
 * model does not cost one socket frame (and one JSON encode per listener) per token. A piece that
 * arrives when nothing went out in the last window goes out at once (the reply's first token is
 * never held back); pieces arriving within a window go out together when it closes. At most one
 * delta per window either way.
 */
export class DeltaCoalescer {
  private buffer = '';
  private nextIndex = 0;
  /** Set while a window is open: a delta went out less than `windowMs` ago. */
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly windowMs: number,
    private readonly emit: (index: number, delta: string) => void,
  ) {}

  push(text: string): void {
    this.buffer += text;
    if (this.windowMs === 0) return this.flush();
    if (this.timer) return;
    this.send();
    this.openWindow();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.send();
  }

  private openWindow(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A quiet window ends the throttling: the next piece goes out as soon as it arrives.
      if (this.buffer === '') return;
      this.send();
      this.openWindow();
    }, this.windowMs);
  }

  private send(): void {
    if (this.buffer === '') return;
    const delta = this.buffer;
    this.buffer = '';
    this.emit(this.nextIndex++, delta);
  }
}
