// Pseudo-labels of a dataset's unlabelled pool, as RPST makes them between its stages (the official
// semi_supervised_segmentation/inference.py): every unlabelled sequence predicted whole by the sliding window
// (predict/predictor.ts) and thresholded at 0.5, written as a DIAS-layout folder so that `dias data check` and
// `dias data show` work on it and the next stage reads it like any dataset:
//   DIR/training/images/image_s{n}_i{k}.png   links to the unlabelled frames (no copy)
//   DIR/training/labels/label_s{n}.png        the pseudo-label, 0/255
//   DIR/training/confident/label_s{n}.png     with confidence filtering: 1 vessel, 0 background, 255 for pixels
//                                             whose probability lies within the band around the threshold (ignored)
// The folder is built under a temporary name and renamed when complete, so a run killed while pseudo-labelling
// finds either nothing or the whole folder.
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { openDiasDataset } from '../data/readers/dias-layout.js';
import { SCRIBBLE_UNLABELLED } from '../data/sequence.js';
import { writeGrayPng } from '../image/png.js';
import type { ModelSpec, SegmentationModel } from '../models/model-spec.js';
import { Predictor, type PredictorOptions } from '../predict/predictor.js';
import { CONFIDENT_PSEUDO_SET } from './training-data.js';

export interface PseudoLabelOptions extends PredictorOptions {
  /** Probability at or above which a pixel is vessel (0.5). */
  threshold?: number;
  /** Pixels with |p − threshold| < band are ignored (written 255 in the confident set); 0: none. */
  confidenceBand?: number;
  /** After each sequence: done and total. */
  onSequence?: (done: number, total: number) => void;
}

export interface PseudoLabelSummary {
  sequences: number;
  /** Fraction of all pseudo-labelled pixels that are vessel, and that were left out by the band. */
  vessel: number;
  ignored: number;
}

/** The hard label (0/1) and, with a band, the confident label (0/1/255) of a probability map. */
export function pseudoLabelOf(
  probability: Float32Array,
  threshold: number,
  band: number,
): { label: Uint8Array; confident: Uint8Array | null } {
  const label = new Uint8Array(probability.length);
  const confident = band > 0 ? new Uint8Array(probability.length) : null;
  for (let i = 0; i < probability.length; i++) {
    const p = probability[i];
    label[i] = p >= threshold ? 1 : 0;
    if (confident) confident[i] = Math.abs(p - threshold) < band ? SCRIBBLE_UNLABELLED : label[i];
  }
  return { label, confident };
}

/** Writes the pseudo-labels of dataDir's unlabelled split into outDir (replaced as a whole). */
export function writePseudoLabels(
  model: SegmentationModel,
  spec: ModelSpec,
  dataDir: string,
  outDir: string,
  o: PseudoLabelOptions = {},
): PseudoLabelSummary {
  const ds = openDiasDataset(dataDir);
  const refs = ds.splits.unlabelled;
  if (refs.length === 0) throw new Error(`${dataDir}: no unlabelled sequences to pseudo-label`);
  const threshold = o.threshold ?? 0.5;
  const band = o.confidenceBand ?? 0;
  const predictor = new Predictor(model, spec, o);
  const staging = join(dirname(outDir), `.${basename(outDir)}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const images = join(staging, 'training', 'images');
  for (const d of ['images', 'labels', ...(band > 0 ? [CONFIDENT_PSEUDO_SET] : [])])
    mkdirSync(join(staging, 'training', d), { recursive: true });
  let vessel = 0,
    ignored = 0,
    pixels = 0;
  try {
    for (const [i, ref] of refs.entries()) {
      const seq = ds.load(ref, { frames: 'native', scribble: false, label: false });
      const { label, confident } = pseudoLabelOf(predictor.predict(seq), threshold, band);
      for (const f of ref.frames) symlinkSync(resolve(f.path), join(images, `image_s${ref.id}_i${f.index}.png`));
      writeGrayPng(
        join(staging, 'training', 'labels', `label_s${ref.id}.png`),
        seq.W,
        seq.H,
        label.map((v) => v * 255),
      );
      if (confident)
        writeGrayPng(join(staging, 'training', CONFIDENT_PSEUDO_SET, `label_s${ref.id}.png`), seq.W, seq.H, confident);
      for (let k = 0; k < label.length; k++) {
        vessel += label[k];
        if (confident && confident[k] === SCRIBBLE_UNLABELLED) ignored++;
      }
      pixels += label.length;
      o.onSequence?.(i + 1, refs.length);
    }
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(dirname(outDir), { recursive: true });
    renameSync(staging, outDir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  return { sequences: refs.length, vessel: vessel / pixels, ignored: ignored / pixels };
}

/** Whether outDir holds a complete pseudo-label folder (it only ever appears whole). */
export function pseudoLabelsExist(outDir: string): boolean {
  return existsSync(join(outDir, 'training', 'labels'));
}
