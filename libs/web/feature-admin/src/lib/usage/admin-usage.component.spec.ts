import { parseBudget } from './admin-usage.component';

describe('parseBudget', () => {
  it('should read empty as unlimited and whole numbers as tokens, with thousands separators', () => {
    expect(parseBudget('')).toBeNull();
    expect(parseBudget('   ')).toBeNull();
    expect(parseBudget('0')).toBe(0);
    expect(parseBudget('12,500')).toBe(12_500);
    expect(parseBudget(' 1 000 000 ')).toBe(1_000_000);
  });

  it('should refuse anything that is not a whole number within the server limit', () => {
    for (const bad of ['-1', '1.5', 'ten', '1e6', '1000000000001']) expect(parseBudget(bad)).toBe('invalid');
  });
});
