import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Slices per window: the window slides in steps of ttl/SLICES, so a wait is never longer than needed by more than one step. */
export const SLICES = 12;

interface Counter {
  ttl: number;
  /** Hits per slice index (floor(time / sliceMs)), only for slices still inside the window. */
  slices: Map<number, number>;
}

/**
 * A sliding window made of a few fixed slices per key. Constant time and memory per key whatever
 * the rate, unlike the package's default storage, which keeps and filters one timestamp per hit.
 * Refused hits are not counted, so being throttled does not extend the wait. A key's few counters
 * map directly onto a shared store (Redis) when several instances must agree.
 */
export class SlidingWindowStorage implements ThrottlerStorage {
  private readonly counters = new Map<string, Counter>();
  private lastSweep: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sweepEveryMs = 60_000,
  ) {
    this.lastSweep = now();
  }

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    // Swept in passing rather than on a timer, so nothing outlives the app that made it.
    if (now - this.lastSweep >= this.sweepEveryMs) this.sweep(now);
    const id = `${throttlerName}\u0000${key}`;
    let counter = this.counters.get(id);
    if (!counter) this.counters.set(id, (counter = { ttl, slices: new Map() }));
    const sliceMs = ttl / SLICES;
    const current = Math.floor(now / sliceMs);
    let hits = 0;
    for (const [slice, count] of counter.slices) {
      if (slice <= current - SLICES) counter.slices.delete(slice);
      else hits += count;
    }
    const oldest = Math.min(current, ...counter.slices.keys());
    const timeToExpire = Math.ceil(((oldest + SLICES) * sliceMs - now) / 1000);
    if (hits + 1 > limit) {
      return { totalHits: hits + 1, timeToExpire, isBlocked: true, timeToBlockExpire: Math.max(1, Math.ceil(this.waitMs(counter, hits, limit, sliceMs, now) / 1000)) };
    }
    counter.slices.set(current, (counter.slices.get(current) ?? 0) + 1);
    return { totalHits: hits + 1, timeToExpire, isBlocked: false, timeToBlockExpire: 0 };
  }

  /** Keys held, for leak checks. */
  size(): number {
    return this.counters.size;
  }

  /** Until enough of the oldest slices have left the window for one more hit to fit. */
  private waitMs(counter: Counter, hits: number, limit: number, sliceMs: number, now: number): number {
    let remaining = hits;
    for (const slice of [...counter.slices.keys()].sort((a, b) => a - b)) {
      remaining -= counter.slices.get(slice)!;
      if (remaining + 1 <= limit) return (slice + SLICES) * sliceMs - now;
    }
    return counter.ttl;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [id, counter] of this.counters) {
      const newest = Math.max(...counter.slices.keys());
      if (!Number.isFinite(newest) || (newest + SLICES) * (counter.ttl / SLICES) <= now) this.counters.delete(id);
    }
  }
}
