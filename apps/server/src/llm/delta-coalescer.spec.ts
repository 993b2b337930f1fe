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

  it('should gather the pieces of one window into one delta, sent when the window closes', () => {
    const coalescer = new DeltaCoalescer(30, record);
    coalescer.push('Hel');
    coalescer.push('lo');
    jest.advanceTimersByTime(29);
    coalescer.push(',');
    expect(emitted).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(emitted).toEqual([[0, 'Hello,']]);
  });

  it('should number deltas from 0 with no gaps across windows, and send nothing for an empty window', () => {
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
      [1, 'bc'],
      [2, 'd'],
    ]);
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
