// Paired comparison of two training set-ups on the same seeds and the same test cases: the mean difference of a
// metric and its 95% interval by a two-level (hierarchical) bootstrap: resample the seeds with replacement, then,
// within each drawn seed, the cases with replacement (Davison & Hinkley 1997, §3.8, for nested data). Seeds carry
// the run-to-run spread of training (initialisation, patch draws, augmentation), cases the spread of the data: a
// difference of 0.01-0.03 in DSC is only a finding when the interval leaves out 0. The draws come from a seeded
// generator, so the same numbers give the same interval.
import { Random } from '../data/random.js';

export interface PairedDifference {
  /** Mean over seeds and cases of (a - b). */
  mean: number;
  /** 95% percentile interval of that mean. */
  low: number;
  high: number;
  seeds: number;
  cases: number;
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/**
 * `a[s][c]` and `b[s][c]`: a metric of seed s on case c for the two set-ups (same seeds, same cases, in the same
 * order). Pairs where either value is missing (NaN, null) are left out; a seed left with no pair is dropped.
 */
export function pairedBootstrap(
  a: readonly (readonly (number | null)[])[],
  b: readonly (readonly (number | null)[])[],
  o: BootstrapOptions = {},
): PairedDifference {
  if (a.length !== b.length) throw new Error(`paired comparison: ${a.length} seeds against ${b.length}`);
  const diffs: number[][] = [];
  for (let s = 0; s < a.length; s++) {
    if (a[s].length !== b[s].length)
      throw new Error(`paired comparison: seed ${s} has ${a[s].length} cases against ${b[s].length}`);
    const d: number[] = [];
    for (let c = 0; c < a[s].length; c++) {
      const [x, y] = [a[s][c], b[s][c]];
      if (x !== null && y !== null && Number.isFinite(x) && Number.isFinite(y)) d.push(x - y);
    }
    if (d.length) diffs.push(d);
  }
  if (diffs.length === 0) throw new Error('paired comparison: no case has a value in both');
  const observed = mean(diffs.flat());
  const resamples = o.resamples ?? 2000;
  const level = o.level ?? 0.95;
  const random = new Random(o.seed ?? 0);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let n = 0;
    for (let s = 0; s < diffs.length; s++) {
      const d = diffs[random.int(diffs.length)];
      for (let c = 0; c < d.length; c++) sum += d[random.int(d.length)];
      n += d.length;
    }
    stats[r] = sum / n;
  }
  stats.sort();
  const tail = (1 - level) / 2;
  const at = (q: number) => stats[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))];
  return {
    mean: observed,
    low: at(tail),
    high: at(1 - tail),
    seeds: diffs.length,
    cases: Math.max(...diffs.map((d) => d.length)),
  };
}
