// Reference points that need no training, so that a trained model's numbers can be read against them:
//   all background  every pixel predicted background (DSC 0: what a network that learnt nothing tends to output)
//   all vessel      every pixel predicted vessel (DSC = 2f / (1 + f) for a vessel fraction f)
//   MinIP + Otsu    the minimum intensity projection (contrast is dark) thresholded at Otsu's level; its score for
//                   the AUC is the darkness (max - MinIP) / (max - min)
import { minIntensityProjection } from '../data/pipeline/preprocess.js';
import type { DsaSequence } from '../data/sequence.js';
import { evaluateImage, type ImageMetrics } from '../metrics/metrics.js';

export const BASELINE_NAMES = ['all background', 'all vessel', 'MinIP + Otsu'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** Otsu's threshold of values in [0, 1] (256 bins): the level that maximises the between-class variance. */
export function otsuThreshold(values: ArrayLike<number>): number {
  const bins = 256;
  const hist = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) hist[Math.min(bins - 1, Math.max(0, Math.floor(values[i] * bins)))]++;
  const total = values.length;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) sumAll += b * hist[b];
  let w0 = 0,
    sum0 = 0,
    best = -1,
    level = 0;
  for (let b = 0; b < bins - 1; b++) {
    w0 += hist[b];
    sum0 += b * hist[b];
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const between = w0 * w1 * (sum0 / w0 - (sumAll - sum0) / w1) ** 2;
    if (between > best) [best, level] = [between, b];
  }
  // Values in bins above `level` form the upper class.
  return (level + 1) / bins;
}

/** The baselines' metrics on one labelled sequence. */
export function baselineMetrics(seq: DsaSequence): Record<BaselineName, ImageMetrics> {
  if (!seq.label) throw new Error(`${seq.source}: baselines need a label`);
  const { W, H } = seq;
  const n = W * H;
  const minip = minIntensityProjection(seq);
  let lo = Infinity,
    hi = -Infinity;
  for (const v of minip) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const darkness = Float32Array.from(minip, (v) => (hi > lo ? (hi - v) / (hi - lo) : 0));
  return {
    'all background': evaluateImage(new Float32Array(n), seq.label, W, H).metrics,
    'all vessel': evaluateImage(new Float32Array(n).fill(1), seq.label, W, H).metrics,
    'MinIP + Otsu': evaluateImage(darkness, seq.label, W, H, { threshold: otsuThreshold(darkness) }).metrics,
  };
}
