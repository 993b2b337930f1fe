import { ErrorCode } from '@chat/contract';
import { LlmFailure } from './llm-provider.js';
import { Ticket, UpstreamLimiter } from './upstream-limiter.js';

/** Whether a ticket has been admitted, without waiting for it. */
async function isAdmitted(ticket: Ticket): Promise<boolean> {
  let admitted = false;
  void ticket.admitted.then(() => (admitted = true));
  // Two turns of the microtask queue: enough for an already-resolved promise's callback to run.
  await Promise.resolve();
  await Promise.resolve();
  return admitted;
}

function busy(limiter: UpstreamLimiter): LlmFailure {
  try {
    limiter.reserve();
  } catch (error) {
    return error as LlmFailure;
  }
  throw new Error('reserve() did not refuse');
}

describe(UpstreamLimiter.name, () => {
  it('should admit up to the concurrency at once, queue up to the queue size, and refuse the rest with AI_BUSY', async () => {
    const limiter = new UpstreamLimiter(2, 1);
    const first = limiter.reserve();
    const second = limiter.reserve();
    const third = limiter.reserve();
    expect(await isAdmitted(first)).toBe(true);
    expect(await isAdmitted(second)).toBe(true);
    expect(await isAdmitted(third)).toBe(false);
    expect(limiter.load()).toEqual({ running: 2, waiting: 1 });

    const refusal = busy(limiter);
    expect(refusal).toBeInstanceOf(LlmFailure);
    expect(refusal.code).toBe(ErrorCode.AI_BUSY);
    expect(refusal.retryable).toBe(false);
    expect(limiter.load()).toEqual({ running: 2, waiting: 1 });
  });

  it('should hand a freed slot to the longest waiting ticket, in order', async () => {
    const limiter = new UpstreamLimiter(1, 3);
    const running = limiter.reserve();
    const a = limiter.reserve();
    const b = limiter.reserve();
    const order: string[] = [];
    void a.admitted.then(() => order.push('a'));
    void b.admitted.then(() => order.push('b'));

    running.release();
    expect(await isAdmitted(a)).toBe(true);
    expect(await isAdmitted(b)).toBe(false);
    expect(limiter.load()).toEqual({ running: 1, waiting: 1 });

    a.release();
    expect(await isAdmitted(b)).toBe(true);
    b.release();
    expect(order).toEqual(['a', 'b']);
    expect(limiter.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('should let a waiting ticket leave the line without taking or freeing a slot', async () => {
    const limiter = new UpstreamLimiter(1, 2);
    const running = limiter.reserve();
    const leaver = limiter.reserve();
    const stayer = limiter.reserve();

    leaver.release();
    expect(limiter.load()).toEqual({ running: 1, waiting: 1 });
    running.release();
    expect(await isAdmitted(stayer)).toBe(true);
    expect(await isAdmitted(leaver)).toBe(false);
    expect(limiter.load()).toEqual({ running: 1, waiting: 0 });
  });

  it('should count a ticket released twice only once', () => {
    const limiter = new UpstreamLimiter(2, 0);
    const a = limiter.reserve();
    limiter.reserve();
    a.release();
    a.release();
    expect(limiter.load()).toEqual({ running: 1, waiting: 0 });
  });

  it('should refuse at once when every slot is taken and the queue size is 0', () => {
    const limiter = new UpstreamLimiter(1, 0);
    limiter.reserve();
    expect(busy(limiter).code).toBe(ErrorCode.AI_BUSY);
    expect(limiter.load()).toEqual({ running: 1, waiting: 0 });
  });
});
