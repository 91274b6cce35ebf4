// One sequence segmented and its outputs written: predict (the one Predictor), score against the label when there
// is one, threshold, write the case files (case-outputs.ts). `dias segment` and the server's inference worker both
// run exactly this, so a map the page shows is the map the command writes.
import { mkdirSync } from 'node:fs';
import type { DsaSequence } from '../data/sequence.js';
import { evaluateImage, thresholdProbability, type ImageMetrics } from '../metrics/metrics.js';
import type { PredictCallbacks, Predictor } from '../predict/predictor.js';
import { writeCaseOutputs, type CaseFiles } from './case-outputs.js';

export interface SegmentedCase {
  prob: Float32Array;
  mask: Uint8Array;
  /** Against the label, when the sequence has one. */
  metrics: ImageMetrics | null;
  vesselFraction: number;
  files: CaseFiles;
  /** Seconds spent predicting and writing. */
  seconds: { predict: number; write: number };
}

export function segmentCase(
  predictor: Predictor,
  seq: DsaSequence,
  o: { outDir: string; stem: string; threshold?: number } & PredictCallbacks,
): SegmentedCase {
  const t0 = performance.now();
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
