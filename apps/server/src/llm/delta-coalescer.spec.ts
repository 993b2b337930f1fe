import { jest } from '@jest/globals';
import { DeltaCoalescer } from './delta-coalescer.js';

describe(DeltaCoalescer.name, () => {
  let emitted: [number, string][];
  const record = (index: number, delta: string) => emitted.push([index, delta]);

  beforeEach(() => {
    jest.useFakeTimers();
    emitted = [];
  });
  afterEach(() => jest.useRealTimers());

  it('should send the first piece at once, so the first token is never held back', () => {
    const coalescer = new DeltaCoalescer(30, record);
    coalescer.push('Hel');
    expect(emitted).toEqual([[0, 'Hel']]);
  });

  it('should gather the pieces that arrive within a window into one delta, sent when the window closes', () => {
    const coalescer = new DeltaCoalescer(30, record);
    coalescer.push('Hel');
    coalescer.push('lo');
    jest.advanceTimersByTime(29);
    coalescer.push(',');
    expect(emitted).toEqual([[0, 'Hel']]);
    jest.advanceTimersByTime(1);
    expect(emitted).toEqual([
      [0, 'Hel'],
      [1, 'lo,'],
    ]);
  });

  it('should send at most one delta per window while pieces keep coming', () => {
    const coalescer = new DeltaCoalescer(30, record);
    // A token every 10 ms for 200 ms.
    for (let t = 0; t < 200; t += 10) {
      coalescer.push(`t${t} `);
      jest.advanceTimersByTime(10);
    }
    jest.advanceTimersByTime(30);
    expect(emitted.length).toBeLessThanOrEqual(Math.ceil(230 / 30));
    expect(emitted.map(([, delta]) => delta).join('')).toBe(Array.from({ length: 20 }, (_, i) => `t${i * 10} `).join(''));
  });

  it('should number deltas from 0 with no gaps across windows, send nothing for an empty window, and send at once after a quiet window', () => {
    const coalescer = new DeltaCoalescer(30, record);
    coalescer.push('a');
    jest.advanceTimersByTime(30);
    jest.advanceTimersByTime(300);
    coalescer.push('b');
    coalescer.push('c');
    jest.advanceTimersByTime(30);
    coalescer.push('d');
    jest.advanceTimersByTime(30);
    expect(emitted).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, 'd'],
    ]);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(30);
    expect(jest.getTimerCount()).toBe(0);
    coalescer.push('e');
    expect(emitted.at(-1)).toEqual([4, 'e']);
  });

  it('should send what is buffered at once on flush, and not again when the timer would have fired', () => {
    const coalescer = new DeltaCoalescer(30, record);
    coalescer.push('partial');
    coalescer.flush();
    expect(emitted).toEqual([[0, 'partial']]);
    jest.advanceTimersByTime(100);
    coalescer.flush();
    expect(emitted).toEqual([[0, 'partial']]);
    coalescer.push(' more');
    coalescer.flush();
    expect(emitted).toEqual([
      [0, 'partial'],
      [1, ' more'],
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('should pass every piece straight through when the window is 0', () => {
    const coalescer = new DeltaCoalescer(0, record);
    coalescer.push('x');
    coalescer.push('y');
    expect(emitted).toEqual([
      [0, 'x'],
      [1, 'y'],
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
