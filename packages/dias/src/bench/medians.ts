// Medians of timed rounds, for the benchmarks that report them (segment-bench.ts, click-bench.ts). No official
// source: the DIAS code has no benchmarks.

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Each key's median over the rows, rounded to the millisecond (the rows hold seconds). */
export function medianSeconds<T extends Record<K, number>, K extends string>(
  rows: readonly T[],
  keys: readonly K[],
): T {
  return Object.fromEntries(keys.map((k) => [k, +median(rows.map((r) => r[k])).toFixed(3)])) as T;
}
