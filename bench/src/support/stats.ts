// Order statistics for benchmark samples: the median of repeated runs, percentiles of latencies.
// Every function holds for any number of samples: no spread of a sample array into a call
// (`Math.max(...x)` overflows the stack at a few hundred thousand values), one sort per summary.

/** The samples sorted ascending, as a copy (a typed array sorts numerically and in place). */
export function sortedSamples(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Nearest rank over sorted samples: p99 of 100 samples is the 99th smallest, never an interpolation past the data. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sortedSamples(values), p);
}

export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  const sorted = sortedSamples(values);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function maxOf(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let max = -Infinity;
  for (let i = 0; i < values.length; i += 1) if ((values[i] as number) > max) max = values[i] as number;
  return max;
}

export function minOf(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let min = Infinity;
  for (let i = 0; i < values.length; i += 1) if ((values[i] as number) < min) min = values[i] as number;
  return min;
}

export function meanOf(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) sum += values[i] as number;
  return sum / values.length;
}

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Count, min, mean, p50 / p95 / p99 and max of the samples, from one sort. */
export function summarize(values: ArrayLike<number>): Summary {
  const sorted = sortedSamples(values);
  const n = sorted.length;
  return {
    count: n,
    min: n === 0 ? Number.NaN : (sorted[0] as number),
    mean: meanOf(sorted),
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    max: n === 0 ? Number.NaN : (sorted[n - 1] as number),
  };
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
