import { ErrorCode } from '@chat/contract';
import { LlmFailure } from './llm-provider.js';

/**
 * At most `concurrency` upstream calls at once on this instance, with a bounded waiting line.
 * A place is reserved when the question arrives, so an overflow is refused at once with AI_BUSY.
 */
export class UpstreamLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly queueSize: number,
  ) {}

  /** A ticket to run later, or AI_BUSY now. */
  reserve(): Ticket {
    if (this.running < this.concurrency) {
      this.running++;
      return new Ticket(this, Promise.resolve());
    }
    if (this.waiting.length >= this.queueSize) {
      throw new LlmFailure(ErrorCode.AI_BUSY, 'The assistant is busy; try again in a moment');
    }
    let admit!: () => void;
    const admitted = new Promise<void>((resolve) => (admit = resolve));
    this.waiting.push(admit);
    return new Ticket(this, admitted, admit);
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  withdraw(admit: () => void): boolean {
    const index = this.waiting.indexOf(admit);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }

  load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}

export class Ticket {
  private released = false;

  constructor(
    private readonly limiter: UpstreamLimiter,
    /** Resolves when the ticket holder may call upstream. */
    readonly admitted: Promise<void>,
    private readonly admit?: () => void,
  ) {}

  /** Give the place back: leaves the line if still waiting, frees the slot if running. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.admit && this.limiter.withdraw(this.admit)) return;
    this.limiter.release();
  }
}
