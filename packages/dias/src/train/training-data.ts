// The sequences of a training run: the training split with its dense labels (fsl; the artery labels, or with
// data.labels av the artery/vein labels of labels_av/, 0/1/2) or one scribble set (the weakly
// supervised recipes) -- all of it, or the labelled subset of a semi-supervised run --, a second pool for the
// semi-supervised recipes (pseudo-labelled sequences of RPST, or the unlabelled pool with labels of 255 = ignore
// everywhere), and the labelled validation split; each sequence resampled to T frames and z-scored over
// all its frames and pixels (as the official readers). The arrays are put on SharedArrayBuffers as they are read,
// so the patch workers share them without a second copy.
import { join } from 'node:path';
import {
  ANNOTATOR_SCRIBBLE_DIR,
  AV_LABEL_DIR,
  AUTO_SCRIBBLE_DIR,
  frameCountNote,
  openDiasDataset,
  type DiasDataset,
  type DiasSplit,
  type SequenceRef,
} from '../data/readers/dias-layout.js';
import { zscoreFrames } from '../data/pipeline/preprocess.js';
import type { LabelSet } from '../data/label-set.js';
import { SCRIBBLE_UNLABELLED, type DsaSequence } from '../data/sequence.js';
import type { ValidationSequence } from './validation.js';

/** A training sequence: the validation shape plus its scribble when the recipe learns from scribbles. */
export interface TrainingSequence extends Omit<ValidationSequence, 'label'> {
  label?: Uint8Array;
  scribble?: Uint8Array;
}

/** How much of the training images the scribbles label (fractions of all pixels). */
export interface ScribbleCoverage {
  set: string;
  labelled: number;
  vessel: number;
  background: number;
}

export interface TrainingData {
  /** Sequences read with another frame count than the run's, outside DIAS's 4..9 (frameCountNote), or undefined. */
  frameNote?: string;
  training: TrainingSequence[];
  /** The second pool of patches (pseudo-labelled or unlabelled sequences); empty when the run has none. */
  pool: TrainingSequence[];
  validation: ValidationSequence[];
  /** With scribble targets: the set used and its coverage. */
  scribbles?: ScribbleCoverage;
}

export interface TrainingDataOptions {
  frames: number;
  withValidation: boolean;
  /** What the training sequences must have: dense labels, or the scribbles of data.scribbles. */
  targets: 'label' | 'scribble';
  /** data.labels: the dense label set of the training and validation sequences (default 'artery'). */
  labels?: LabelSet;
  /** data.scribbles: 'auto', 'annotator' or a set's folder name below training/. */
  scribbles?: string;
  /** The labelled subset: the first N training sequences in id order, or these ids (default all). */
  labelled?: number | null;
  labelledIds?: readonly number[] | null;
  /** The second pool: 'unlabelled' (the dataset's unlabelled split, every label pixel 255) or a DIAS-layout folder of
   * pseudo-labelled sequences (its training/ split). */
  pool?: { unlabelled: true } | { pseudoDir: string } | null;
}

function sharedCopy<A extends Float32Array | Uint8Array>(a: A): A {
  const out = new (a.constructor as new (b: SharedArrayBuffer) => A)(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** The scribble set a data.scribbles value names. */
export function scribbleSetName(value: string): string {
  return value === 'auto' ? AUTO_SCRIBBLE_DIR : value === 'annotator' ? ANNOTATOR_SCRIBBLE_DIR : value;
}

function loadLabelled(
  ds: DiasDataset,
  refs: SequenceRef[],
  split: DiasSplit,
  frames: number,
  labels: LabelSet = 'artery',
): ValidationSequence[] {
  return refs.map((ref) => {
    if (labels === 'av' && !ref.labelAv)
      throw new Error(
        `${join(ds.root, split, AV_LABEL_DIR, `label_s${ref.id}.png`)}: missing (data.labels av needs an artery/vein label for every ${split} sequence; dias synth --classes av writes them)`,
      );
    if (labels === 'artery' && !ref.label)
      throw new Error(
        `${join(ds.root, split, 'labels', `label_s${ref.id}.png`)}: missing (every ${split} sequence needs its label)`,
      );
    const seq = ds.load(ref, { frames, scribble: false, ...(labels === 'av' ? { labels } : {}) });
    if (seq.T !== frames) throw new Error(`sequence s${ref.id} (${split}): read ${seq.T} frames, expected ${frames}`);
    return {
      id: seq.id,
      T: seq.T,
      H: seq.H,
      W: seq.W,
      frames: sharedCopy(zscoreFrames(seq.frames)),
      label: sharedCopy(seq.label!),
    };
  });
}

function loadScribbled(
  ds: DiasDataset,
  refs: SequenceRef[],
  setValue: string,
  frames: number,
): { sequences: TrainingSequence[]; coverage: ScribbleCoverage } {
  const set = scribbleSetName(setValue);
  const folder = join(ds.root, 'training', set);
  if (!ds.scribbleSets.includes(set)) {
    throw new Error(
      `${folder}: no such scribble set (data.scribbles '${setValue}'; sets found: ${ds.scribbleSets.join(', ') || 'none'})`,
    );
  }
  let labelled = 0,
    vessel = 0,
    total = 0;
  const sequences = refs.map((ref) => {
    if (!ref.scribbles[set])
      throw new Error(
        `${join(folder, `label_s${ref.id}.png`)}: missing (every training sequence needs a scribble in set '${set}')`,
      );
    // The scribble reader rejects any value but 0, 1 and 255, naming the file.
    const seq = ds.load(ref, { frames, scribble: set, label: false });
    if (seq.T !== frames) throw new Error(`sequence s${ref.id} (training): read ${seq.T} frames, expected ${frames}`);
    const scribble = seq.scribble!;
    for (const v of scribble) {
      if (v !== SCRIBBLE_UNLABELLED) labelled++;
      if (v === 1) vessel++;
    }
    total += scribble.length;
    return {
      id: seq.id,
      T: seq.T,
      H: seq.H,
      W: seq.W,
      frames: sharedCopy(zscoreFrames(seq.frames)),
      scribble: sharedCopy(scribble),
    };
  });
  return {
    sequences,
    coverage: { set, labelled: labelled / total, vessel: vessel / total, background: (labelled - vessel) / total },
  };
}

/** The labelled subset of the training split (semi-supervision), in id order. */
export function labelledSubset(
  ds: DiasDataset,
  labelled?: number | null,
  labelledIds?: readonly number[] | null,
): SequenceRef[] {
  const all = [...ds.splits.training].sort((a, b) => a.id - b.id);
  if (labelledIds) {
    const missing = labelledIds.filter((id) => !all.some((r) => r.id === id));
    if (missing.length)
      throw new Error(
        `${join(ds.root, 'training')}: no training sequence${missing.length > 1 ? 's' : ''} ${missing.map((i) => `s${i}`).join(', ')} (data.labelledIds)`,
      );
    return all.filter((r) => labelledIds.includes(r.id));
  }
  if (labelled !== undefined && labelled !== null) {
    if (labelled > all.length)
      throw new Error(
        `${join(ds.root, 'training')}: data.labelled is ${labelled}, but there are only ${all.length} training sequences`,
      );
    return all.slice(0, labelled);
  }
  return ds.splits.training;
}

/** The unlabelled split as training sequences whose every label pixel is 255 (ignored by the supervised losses). */
function loadUnlabelled(ds: DiasDataset, frames: number): TrainingSequence[] {
  if (ds.splits.unlabelled.length === 0)
    throw new Error(`${ds.root}: no unlabelled sequences (a semi-supervised recipe needs the unlabelled pool)`);
  return ds.splits.unlabelled.map((ref) => {
    const seq = ds.load(ref, { frames, scribble: false, label: false });
    const label = new Uint8Array(new SharedArrayBuffer(seq.H * seq.W)).fill(SCRIBBLE_UNLABELLED);
    return { id: seq.id, T: seq.T, H: seq.H, W: seq.W, frames: sharedCopy(zscoreFrames(seq.frames)), label };
  });
}

/** The scribble-encoded (0/1/255) set of a pseudo-label folder that holds confidence-filtered labels. */
export const CONFIDENT_PSEUDO_SET = 'confident';

/**
 * Pseudo-labelled sequences of a DIAS-layout folder: training/labels (0/255, what `dias data show` draws) or, when
 * confidence filtering left pixels out, training/confident (0 background, 1 vessel, 255 ignored).
 */
function loadPseudo(pseudoDir: string, frames: number): TrainingSequence[] {
  const ds = openDiasDataset(pseudoDir);
  if (ds.splits.training.length === 0)
    throw new Error(`${join(pseudoDir, 'training', 'images')}: no pseudo-labelled sequences`);
  return ds.splits.training.map((ref) => {
    const filtered = ref.scribbles[CONFIDENT_PSEUDO_SET] !== undefined;
    if (!filtered && !ref.label)
      throw new Error(
        `${join(pseudoDir, 'training', 'labels', `label_s${ref.id}.png`)}: missing (every pseudo-labelled sequence needs its label)`,
      );
    const seq = ds.load(ref, { frames, scribble: filtered ? CONFIDENT_PSEUDO_SET : false, label: !filtered });
    const label = filtered ? seq.scribble! : seq.label!;
    return {
      id: seq.id,
      T: seq.T,
      H: seq.H,
      W: seq.W,
      frames: sharedCopy(zscoreFrames(seq.frames)),
      label: sharedCopy(label),
    };
  });
}

/** Reads what a run trains and validates on. Errors name the folder or file that is missing or wrong. */
export function loadTrainingData(dir: string, o: TrainingDataOptions): TrainingData {
  const opened = openDiasDataset(dir);
  // Every sequence read passes through here, so the frame counts it was resampled from can be reported once.
  const read: Pick<DsaSequence, 'id' | 'meta'>[] = [];
  const ds: DiasDataset = {
    ...opened,
    load: (ref, options) => {
      const seq = opened.load(ref, options);
      read.push({ id: seq.id, meta: seq.meta });
      return seq;
    },
  };
  const data = loadAll(ds, dir, o);
  const frameNote = frameCountNote(read, o.frames);
  return frameNote ? { ...data, frameNote } : data;
}

function loadAll(ds: DiasDataset, dir: string, o: TrainingDataOptions): TrainingData {
  if (ds.splits.training.length === 0)
    throw new Error(`${join(dir, 'training', 'images')}: no training sequences (expected image_s{n}_i{k}.png files)`);
  if (o.withValidation && ds.splits.validation.length === 0) {
    throw new Error(
      `${join(dir, 'validation', 'images')}: no validation sequences (a run validates every validation.everyEpochs epochs; set it to 0 to train without)`,
    );
  }
  const validation = o.withValidation ? loadLabelled(ds, ds.splits.validation, 'validation', o.frames, o.labels) : [];
  const refs = labelledSubset(ds, o.labelled, o.labelledIds);
  const pool = !o.pool
    ? []
    : 'unlabelled' in o.pool
      ? loadUnlabelled(ds, o.frames)
      : loadPseudo(o.pool.pseudoDir, o.frames);
  if (o.targets === 'label')
    return { training: loadLabelled(ds, refs, 'training', o.frames, o.labels), pool, validation };
  const { sequences, coverage } = loadScribbled(ds, refs, o.scribbles ?? 'auto', o.frames);
  return { training: sequences, pool, validation, scribbles: coverage };
}
