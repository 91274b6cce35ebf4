// The sequences of a fully supervised run: the training and validation splits of a DIAS-layout folder, each
// sequence resampled to T frames and z-scored over all its frames and pixels (as the official readers). The arrays
// are put on SharedArrayBuffers as they are read, so the patch workers share them without a second copy.
import { join } from 'node:path';
import { openDiasDataset, type DiasSplit, type SequenceRef } from '../data/dias-layout.js';
import { zscoreFrames } from '../data/preprocess.js';
import type { ValidationSequence } from './validation.js';

export interface TrainingData {
  training: ValidationSequence[];
  validation: ValidationSequence[];
}

function sharedCopy<A extends Float32Array | Uint8Array>(a: A): A {
  const out = new (a.constructor as new (b: SharedArrayBuffer) => A)(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

function loadSplit(root: string, refs: SequenceRef[], split: DiasSplit, frames: number, load: (r: SequenceRef) => ReturnType<ReturnType<typeof openDiasDataset>['load']>): ValidationSequence[] {
  return refs.map((ref) => {
    if (!ref.label) throw new Error(`${join(root, split, 'labels', `label_s${ref.id}.png`)}: missing (every ${split} sequence needs its label)`);
    const seq = load(ref);
    if (seq.T !== frames) throw new Error(`sequence s${ref.id} (${split}): read ${seq.T} frames, expected ${frames}`);
    return { id: seq.id, T: seq.T, H: seq.H, W: seq.W, frames: sharedCopy(zscoreFrames(seq.frames)), label: sharedCopy(seq.label!) };
  });
}

/**
 * Reads the labelled training sequences and, when `withValidation`, the validation ones. Errors name the
 * folder or file that is missing or wrong.
 */
export function loadTrainingData(dir: string, frames: number, withValidation: boolean): TrainingData {
  const ds = openDiasDataset(dir);
  if (ds.splits.training.length === 0) throw new Error(`${join(dir, 'training', 'images')}: no training sequences (expected image_s{n}_i{k}.png files)`);
  if (withValidation && ds.splits.validation.length === 0) {
    throw new Error(`${join(dir, 'validation', 'images')}: no validation sequences (a run validates every validation.everyEpochs epochs; set it to 0 to train without)`);
  }
  const load = (ref: SequenceRef) => ds.load(ref, { frames, scribble: false });
  return {
    training: loadSplit(dir, ds.splits.training, 'training', frames, load),
    validation: withValidation ? loadSplit(dir, ds.splits.validation, 'validation', frames, load) : [],
  };
}
