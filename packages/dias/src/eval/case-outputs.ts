// The files written for one segmented sequence, shared by `dias test` and `dias segment`:
//   {stem}_prob.npy     vessel probability, float32 (H, W)
//   {stem}_prob.png     the same as 8-bit grey (floor(p * 255), as the official tester)
//   {stem}_mask.png     the thresholded mask, 0/255
//   {stem}_error.png    with a label: TP white, FP green, FN red (the DIAS paper's figure 7 colours)
//   {stem}_overlay.png  the MinIP with the prediction's contour (green) and, with a label, the label's (red)
// Each file is written atomically.
import { join } from 'node:path';
import { fromTypedArray, saveNpy } from '@dias-ts/torch';
import { minIntensityProjection } from '../data/pipeline/preprocess.js';
import type { DsaSequence } from '../data/sequence.js';
import { writeErrorMapPng, writeMaskPng, writeOverlayPng, writeProbabilityPng } from './pictures.js';

export interface CaseFiles {
  probNpy: string;
  probPng: string;
  maskPng: string;
  errorPng?: string;
  overlayPng: string;
}

/** The paths writeCaseOutputs writes for `stem` (the error map only with a label), so callers can look first. */
export function caseOutputFiles(dir: string, stem: string, withLabel: boolean): CaseFiles {
  return {
    probNpy: join(dir, `${stem}_prob.npy`),
    probPng: join(dir, `${stem}_prob.png`),
    maskPng: join(dir, `${stem}_mask.png`),
    ...(withLabel ? { errorPng: join(dir, `${stem}_error.png`) } : {}),
    overlayPng: join(dir, `${stem}_overlay.png`),
  };
}

/** Writes the outputs of one sequence into dir (which must exist); `seq` gives the MinIP and the label. */
export function writeCaseOutputs(
  dir: string,
  stem: string,
  seq: DsaSequence,
  prob: Float32Array,
  mask: Uint8Array,
  label?: Uint8Array,
): CaseFiles {
  const { H, W } = seq;
  if (prob.length !== H * W || mask.length !== H * W)
    throw new Error(`${stem}: the probability map and mask must be ${W}x${H}`);
  const files = caseOutputFiles(dir, stem, Boolean(label));
  const t = fromTypedArray(prob, [H, W]);
  try {
    saveNpy(files.probNpy, t);
  } finally {
    t.dispose();
  }
  writeProbabilityPng(files.probPng, prob, W, H);
  writeMaskPng(files.maskPng, mask, W, H);
  if (label) writeErrorMapPng(files.errorPng!, mask, label, W, H);
  writeOverlayPng(files.overlayPng, minIntensityProjection(seq), W, H, { prediction: mask, label });
  return files;
}
