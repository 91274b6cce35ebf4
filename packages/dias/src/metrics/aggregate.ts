// Mean ± standard deviation of per-image metrics over a test set, skipping undefined (NaN) values.

export interface MetricSummary<K extends string = string> {
  /** Number of images. */
  n: number;
  mean: Record<K, number>;
  /** Population standard deviation (ddof 0, as NumPy's np.std in the official tester). */
  std: Record<K, number>;
  /** Per metric, how many images had no value (NaN) and were left out of mean and std. */
  nanCounts: Record<K, number>;
}

/** NaN-aware mean and population std of each named metric; a metric with no defined value gets NaN for both. */
export function summarizeMetrics<K extends string>(
  perImage: readonly Record<K, number>[],
  names: readonly K[],
): MetricSummary<K> {
  const mean = {} as Record<K, number>;
  const std = {} as Record<K, number>;
  const nanCounts = {} as Record<K, number>;
  for (const name of names) {
    let count = 0,
      sum = 0;
    for (const m of perImage) {
      const v = m[name];
      if (typeof v !== 'number') throw new Error(`summarizeMetrics: an image has no value for ${name}`);
      if (!Number.isNaN(v)) {
        count++;
        sum += v;
      }
    }
    const mu = count > 0 ? sum / count : NaN;
    // Second pass over deviations: steadier than sum of squares minus square of sums.
    let squares = 0;
    for (const m of perImage) if (!Number.isNaN(m[name])) squares += (m[name] - mu) ** 2;
    mean[name] = mu;
    std[name] = count > 0 ? Math.sqrt(squares / count) : NaN;
    nanCounts[name] = perImage.length - count;
  }
  return { n: perImage.length, mean, std, nanCounts };
}
