// One sequence segmented and its outputs written: predict (the one Predictor), score against the label when there
// is one, threshold, write the case files (case-outputs.ts). `dias segment` and the server's inference worker both
// run exactly this, so a map the page shows is the map the command writes.
// An artery/vein model (labels 'av') also gives its class map: the vessel mask is then the class map's
// non-background pixels (the vessel probability 1 - p(background) beside it), class-outputs.ts's files (the class
// map PNG, its red/blue overlay, the class probabilities) join the vessel files, and a sequence's (artery) label
// scores the predicted arteries.
import { mkdirSync } from 'node:fs';
import type { DsaSequence } from '../data/sequence.js';
import { evaluateImage, scorePrediction, thresholdProbability, type ImageMetrics } from '../metrics/metrics.js';
import type { ClassPrediction, PredictCallbacks, Predictor } from '../predict/predictor.js';
import { writeCaseOutputs, type CaseFiles } from './case-outputs.js';
import { writeClassOutputs, type ClassFiles } from './class-outputs.js';

export interface SegmentedCase {
  prob: Float32Array;
  mask: Uint8Array;
  /** Against the label, when the sequence has one. */
  metrics: ImageMetrics | null;
  vesselFraction: number;
  files: CaseFiles & Partial<ClassFiles>;
  /** An artery/vein model's class probabilities and class map. */
  classes?: ClassPrediction;
  /** Seconds spent predicting and writing. */
  seconds: { predict: number; write: number };
}

export function segmentCase(
  predictor: Predictor,
  seq: DsaSequence,
  o: { outDir: string; stem: string; threshold?: number } & PredictCallbacks,
): SegmentedCase {
  const t0 = performance.now();
  if (predictor.options.labels === 'av') return segmentArteryVein(predictor, seq, o, t0);
  const prob = predictor.predict(seq, { onProgress: o.onProgress });
  const t1 = performance.now();
  const threshold = o.threshold ?? 0.5;
  // Everything that can fail on the numbers (a NaN map) fails before the output folder is made.
  const evaluation = seq.label ? evaluateImage(prob, seq.label, seq.W, seq.H, { threshold }) : undefined;
  const mask = evaluation?.prediction ?? thresholdProbability(prob, threshold);
  mkdirSync(o.outDir, { recursive: true });
  const files = writeCaseOutputs(o.outDir, o.stem, seq, prob, mask, seq.label);
  let vessel = 0;
  for (const v of mask) vessel += v;
  return {
    prob,
    mask,
    metrics: evaluation?.metrics ?? null,
    vesselFraction: vessel / mask.length,
    files,
    seconds: { predict: (t1 - t0) / 1000, write: (performance.now() - t1) / 1000 },
  };
}

/** segmentCase for an artery/vein model: the vessels are the class map's non-background pixels. */
function segmentArteryVein(
  predictor: Predictor,
  seq: DsaSequence,
  o: { outDir: string; stem: string } & PredictCallbacks,
  t0: number,
): SegmentedCase {
  const classes = predictor.predictClasses(seq, { onProgress: o.onProgress });
  const t1 = performance.now();
  const HW = seq.H * seq.W;
  const prob = new Float32Array(HW);
  const mask = new Uint8Array(HW);
  let vessel = 0;
  for (let i = 0; i < HW; i++) {
    const p = classes.probabilities[i];
    if (Number.isNaN(p)) throw new Error(`${o.stem}: the class probabilities hold NaN at pixel ${i}`);
    prob[i] = 1 - p;
    mask[i] = classes.classMap[i] ? 1 : 0;
    vessel += mask[i];
  }
  // A sequence's own label is its artery label (0/1): the predicted arteries are scored against it, and the
  // vessel files get no error map (their mask holds the veins too).
  const metrics = seq.label
    ? scorePrediction(
        Uint8Array.from(classes.classMap, (c) => (c === 1 ? 1 : 0)),
        classes.probabilities.subarray(HW, 2 * HW),
        Uint8Array.from(seq.label, (v) => (v ? 1 : 0)),
        seq.W,
        seq.H,
      ).metrics
    : null;
  mkdirSync(o.outDir, { recursive: true });
  const files = {
    ...writeCaseOutputs(o.outDir, o.stem, seq, prob, mask),
    ...writeClassOutputs(o.outDir, o.stem, seq, classes),
  };
  return {
    prob,
    mask,
    metrics,
    vesselFraction: vessel / HW,
    files,
    classes,
    seconds: { predict: (t1 - t0) / 1000, write: (performance.now() - t1) / 1000 },
  };
}
