// The DIAS benchmark metrics of one image, from a vessel probability map and a binary ground truth: DSC, Acc, Sen,
// Spe, IoU from the confusion counts at a threshold, AUC over all pixels, clDice and VC (vessel connectivity), as
// the official evaluation (utils/metrics.py, tester.py) computes them. Counts cover every pixel (no field-of-view
// mask). Where the official code divides by zero we return NaN, except as noted in DEGENERATE_CASES.
import { labelComponents, skeletonize } from '../image/morphology.js';
import { rocAuc } from './roc-auc.js';

export const METRIC_NAMES = ['DSC', 'Acc', 'Sen', 'Spe', 'IoU', 'AUC', 'clDice', 'VC'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export type ImageMetrics = Record<MetricName, number>;

export interface ConfusionCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface ImageEvaluation {
  metrics: ImageMetrics;
  counts: ConfusionCounts;
  /** The thresholded prediction (0/1), reused for pictures. */
  prediction: Uint8Array;
}

/** Where our values depart from the official code or are undefined; reports carry these lines. */
export const DEGENERATE_CASES: readonly string[] = [
  'DSC = 2TP/(2TP+FP+FN): NaN when both prediction and ground truth are empty (as nnU-Net); 0 when TP = 0 otherwise (the official 2PR/(P+R) gives NaN there).',
  'AUC is NaN when the ground truth has a single class (the official code reports 1 when the ground truth or the prediction is all zero).',
  'Sen is NaN for an empty ground truth, Spe for an all-vessel one, IoU when both masks are empty.',
  'clDice is NaN when a skeleton is empty or the two topology scores are both 0 (0/0, as the official NumPy code).',
  'VC counts 8-connected components plus one for the background in each mask, so an empty mask counts 1.',
  'Means and standard deviations (population, ddof 0) skip NaN values; nan_counts says how many were skipped. The official tester rounds each value to 4 decimals first; we do not.',
];

function checkImage(length: number, width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${what}: bad image size ${width}x${height}`);
  }
  if (length !== width * height)
    throw new Error(`${what}: ${length} pixels, but ${width}x${height} needs ${width * height}`);
}

/** `prob >= threshold` as 0/1, the official binarisation. NaN probabilities are an error. */
export function thresholdProbability(prob: ArrayLike<number>, threshold = 0.5): Uint8Array {
  if (!Number.isFinite(threshold)) throw new Error(`threshold must be a finite number, got ${threshold}`);
  const out = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i];
    if (Number.isNaN(p)) throw new Error(`probability map: pixel ${i} is NaN`);
    out[i] = p >= threshold ? 1 : 0;
  }
  return out;
}

/** Confusion counts of a binary prediction against a binary ground truth (nonzero = vessel). */
export function confusionCounts(prediction: ArrayLike<number>, groundTruth: ArrayLike<number>): ConfusionCounts {
  if (prediction.length !== groundTruth.length) {
    throw new Error(`prediction has ${prediction.length} pixels, ground truth ${groundTruth.length}`);
  }
  let tp = 0,
    fp = 0,
    fn = 0;
  for (let i = 0; i < prediction.length; i++) {
    const p = prediction[i] ? 1 : 0;
    const g = groundTruth[i] ? 1 : 0;
    tp += p & g;
    fp += p & (g ^ 1);
    fn += (p ^ 1) & g;
  }
  return { tp, fp, fn, tn: prediction.length - tp - fp - fn };
}

// Share of `skeleton`'s pixels that lie inside `mask` (0/0 = NaN when the skeleton is empty).
function skeletonCoverage(mask: ArrayLike<number>, skeleton: Uint8Array): number {
  let inside = 0,
    total = 0;
  for (let i = 0; i < skeleton.length; i++) {
    if (skeleton[i]) {
      total++;
      if (mask[i]) inside++;
    }
  }
  return inside / total;
}

/**
 * clDice with scikit-image skeletons, as the official code: Tprec = |b ∩ skel(g)| / |skel(g)|,
 * Tsens = |g ∩ skel(b)| / |skel(b)|, clDice = 2·Tprec·Tsens / (Tprec + Tsens), with b the binary prediction and g the
 * ground truth (both 0/1).
 */
export function clDice(prediction: Uint8Array, groundTruth: Uint8Array, width: number, height: number): number {
  checkImage(prediction.length, width, height, 'clDice prediction');
  checkImage(groundTruth.length, width, height, 'clDice ground truth');
  const tprec = skeletonCoverage(prediction, skeletonize(groundTruth, width, height));
  const tsens = skeletonCoverage(groundTruth, skeletonize(prediction, width, height));
  return (2 * tprec * tsens) / (tprec + tsens);
}

/** VC: 8-connected labels of the prediction over those of the ground truth, the background one label in each. */
export function vesselConnectivity(
  prediction: Uint8Array,
  groundTruth: Uint8Array,
  width: number,
  height: number,
): number {
  return (
    (labelComponents(prediction, width, height, 8).count + 1) /
    (labelComponents(groundTruth, width, height, 8).count + 1)
  );
}

/** Every metric of one image. `groundTruth`: nonzero = vessel. */
export function evaluateImage(
  prob: ArrayLike<number>,
  groundTruth: ArrayLike<number>,
  width: number,
  height: number,
  options: { threshold?: number } = {},
): ImageEvaluation {
  checkImage(prob.length, width, height, 'probability map');
  checkImage(groundTruth.length, width, height, 'ground truth');
  const prediction = thresholdProbability(prob, options.threshold ?? 0.5);
  const gt = new Uint8Array(groundTruth.length);
  for (let i = 0; i < gt.length; i++) gt[i] = groundTruth[i] ? 1 : 0;
  return scorePrediction(prediction, prob, gt, width, height);
}

/**
 * Every metric of a binary prediction (0/1) made from `prob` some other way than a threshold (a class map's
 * argmax, metrics/class-metrics.ts), against a 0/1 ground truth; AUC is scored on `prob`.
 */
export function scorePrediction(
  prediction: Uint8Array,
  prob: ArrayLike<number>,
  gt: Uint8Array,
  width: number,
  height: number,
): ImageEvaluation {
  checkImage(prediction.length, width, height, 'prediction');
  checkImage(gt.length, width, height, 'ground truth');
  const counts = confusionCounts(prediction, gt);
  const { tp, fp, fn, tn } = counts;
  const metrics: ImageMetrics = {
    DSC: (2 * tp) / (2 * tp + fp + fn),
    Acc: (tp + tn) / (tp + fp + fn + tn),
    Sen: tp / (tp + fn),
    Spe: tn / (tn + fp),
    IoU: tp / (tp + fp + fn),
    AUC: rocAuc(prob, gt),
    clDice: clDice(prediction, gt, width, height),
    VC: vesselConnectivity(prediction, gt, width, height),
  };
  return { metrics, counts, prediction };
}
