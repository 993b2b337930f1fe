import type { Percentiles } from './load-protocol.js';

/** Sorts `values` in place (a typed array sorts numerically) and reads the percentiles off it. */
export function percentiles(values: Float64Array): Percentiles {
  const count = values.length;
  if (count === 0) return { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  values.sort();
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i];
  const at = (q: number) => values[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))];
  return { count, mean: sum / count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: values[count - 1] };
}
