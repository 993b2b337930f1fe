import { ErrorCode } from '@chat/contract';
import { LlmFailure } from './llm-provider.js';

/**
 * At most `concurrency` upstream calls at once on this instance, with a bounded waiting line.
 * A place is reserved when the question arrives, so an overflow is refused at once with AI_BUSY.
 */
export class UpstreamLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Places (running or waiting) held per user. */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly concurrency: number,
    private readonly queueSize: number,
    private readonly userShare = Number.POSITIVE_INFINITY,
  ) {}

  /** A ticket to run later, or AI_BUSY now (the line is full, or `owner` already holds their share). */
  reserve(owner?: string): Ticket {
    const holding = owner === undefined ? 0 : (this.held.get(owner) ?? 0);
    if (holding >= this.userShare) {
      throw new LlmFailure(ErrorCode.AI_BUSY, 'You already have several questions waiting for the assistant; try again when they are answered');
    }
    let ticket: Ticket;
    if (this.running < this.concurrency) {
      this.running++;
      ticket = new Ticket(this, Promise.resolve(), undefined, owner);
    } else {
      if (this.waiting.length >= this.queueSize) {
        throw new LlmFailure(ErrorCode.AI_BUSY, 'The assistant is busy; try again in a moment');
      }
      let admit!: () => void;
      const admitted = new Promise<void>((resolve) => (admit = resolve));
      this.waiting.push(admit);
      ticket = new Ticket(this, admitted, admit, owner);
    }
    if (owner !== undefined) this.held.set(owner, holding + 1);
    return ticket;
  }

  /** The owner's place is given back (the ticket ran or left the line). */
  forget(owner: string): void {
    const holding = (this.held.get(owner) ?? 1) - 1;
    if (holding > 0) this.held.set(owner, holding);
    else this.held.delete(owner);
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
    private readonly owner?: string,
  ) {}

  /** Give the place back: leaves the line if still waiting, frees the slot if running. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.owner !== undefined) this.limiter.forget(this.owner);
    if (this.admit && this.limiter.withdraw(this.admit)) return;
    this.limiter.release();
  }
}
