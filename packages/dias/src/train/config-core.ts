// The core of the training configuration: the sections every recipe reads (model, data, train, optimizer,
// scheduler, validation) with the official recipe as defaults, and the schema's building blocks. A recipe's own
// section (its key, defaults and schema) lives in its file in recipes/; recipes/index.ts assembles the whole
// configuration and config.ts reads, merges and checks it. Defaults follow the official code
// (full_supervised_segmentation/configs/config.py, trainer.py, optimizer.py, lr_scheduler.py); config.ts says where
// ours differ.
import type { AugmentOptionsInput } from '../data/pipeline/augmentation.js';
import type { ModelOptions } from '../models/model-spec.js';
import { LABEL_SETS, type LabelSet } from '../data/label-set.js';
import { showValue } from '../show-value.js';

/** 'final': no choice, checkpoint_best follows the latest epoch (as the released weak-supervision scripts are tested). */
export type SelectMetric = 'dsc' | 'patch-auc' | 'final';
/** How the scheduler's t is counted: 'official' t = epoch·steps + idx with epochs from 1 (trainer.py); 'updates' t = updates done. */
export type StepIndex = 'official' | 'updates';

/** The sections every recipe reads. */
export interface CoreTrainConfig {
  model: {
    /** Official name (any alias is accepted and stored as the official name). */
    name: string;
    /** Constructor options with their official snake_case names; resolved configs hold every option. */
    options: ModelOptions;
  };
  data: {
    /** The DIAS-layout dataset (training/ and validation/ splits with labels). */
    dir: string;
    /** Frames every sequence is resampled to (T; the authors used 8). */
    frames: number;
    /** Training patch side and validation tile side (official 64). */
    patchSize: number;
    /** Augmentation preset or changes; null: the recipe's (fsl: 'fsl', crop + flips + 90° rotations; sscr: 'wsl-plc'). */
    augment: AugmentOptionsInput | null;
    /** The scribble set of weakly supervised recipes: 'auto' (training/scribbles, generated from the dense label),
     * 'annotator' (training/scribbles_annotator), or any set's folder name below training/. */
    scribbles: string;
    /** The dense label set fsl trains on: 'artery' (labels/, 0/255 vessel; the benchmark's) or 'av' (labels_av/,
     * 0 background, 1 artery, 2 vein, written by `dias synth --classes av`; a 3-class network). */
    labels: LabelSet;
    /** Semi-supervision: the labelled subset of training/ -- its first N sequences in id order, or these ids;
     * null: all of them. */
    labelled: number | null;
    labelledIds: number[] | null;
    /** A folder of pseudo-labelled sequences in the DIAS layout (training/images, training/labels; label 255 =
     * ignore), mixed into the patches with probability rpst.pseudoProbability and strong augmentation. */
    pseudo: string | null;
    /** Patch-making worker threads (null: min(4, cores - 1)); 0 makes batches on the training thread. */
    workers: number | null;
  };
  /** Per-sequence z-score over all frames and pixels, as the official readers (the only option). */
  normalization: 'zscore-per-sequence';
  train: {
    /** The training method (recipes/): fsl, sscr, pce, pce-dice, entropy-min, gated-crf, dmpls; semi-supervised
     * rpst (self-training in stages, self-training.ts), mean-teacher, cps. */
    recipe: string;
    /** Start from another run's exported weights (its checkpoint_best; a run folder), optionally with its optimizer
     * state; null: a fresh initialisation. RPST's students continue from their teacher this way. */
    init: { from: string | null; optimizer: boolean; checkpoint: 'best' | 'final' };
    epochs: number;
    /** Random patches per epoch (official NUM_EACH_EPOCH); steps per epoch = floor(patches / batch). */
    patchesPerEpoch: number;
    batchSize: number;
    /** Gradient accumulation: each batch is trained as this many equal micro-batches, one backward each and one
     * optimizer step, exactly as that many data-parallel processes would split it (micro-batch.ts). */
    accumulate: number;
    seed: number;
    device: 'cpu' | 'cuda';
    /** libtorch threads (null: the engine's default). */
    threads: number | null;
    /** Mixed precision: 'auto' is on for CUDA (as official AMP True) and off on the CPU. */
    amp: 'auto' | boolean;
    /** Gradient norm clipping (official DO_BACKPROP False: none; when on, official uses 12). */
    clipGradNorm: number | null;
  };
  optimizer: {
    name: 'adamw';
    lr: number;
    betas: [number, number];
    eps: number;
    weightDecay: number;
  };
  scheduler: {
    name: 'cosine';
    warmupEpochs: number;
    warmupLr: number;
    minLr: number;
    stepIndex: StepIndex;
    /** Epochs of this schedule that earlier runs trained: a staged recipe continuing one schedule across its stages
     * (rpst.schedule continue). 0: the run starts the schedule. */
    startEpoch: number;
    /** The schedule's whole length in epochs; null: train.epochs (the run is the whole schedule). */
    totalEpochs: number | null;
  };
  validation: {
    /** Validate every N epochs (official VAL_NUM_EPOCHS 1); 0 never (no validation split needed). */
    everyEpochs: number;
    /** Tile stride of the sliding window (official 32). */
    stride: number;
    /** Tiles per forward pass, and patches per batch of the patch-level metrics (official 64). */
    batchSize: number;
    blend: 'average' | 'gaussian';
    threshold: number;
    /** What chooses checkpoint_best: 'dsc' image-level mean DSC; 'patch-auc' the official patch-level mean AUC. */
    select: SelectMetric;
    /** First epoch (from 1) at which the metric is compared; before it every validated epoch is "best" (official). null: 1 for dsc, 10 for patch-auc. */
    selectFromEpoch: number | null;
    /** Stop after this many validations without improvement (official EARLY_STOPPING 100); null never. */
    earlyStopping: number | null;
  };
}

export const CORE_DEFAULTS: CoreTrainConfig = {
  model: { name: 'VSS_Net', options: {} },
  data: {
    dir: '',
    frames: 8,
    patchSize: 64,
    augment: null,
    scribbles: 'auto',
    labels: 'artery',
    labelled: null,
    labelledIds: null,
    pseudo: null,
    workers: null,
  },
  normalization: 'zscore-per-sequence',
  train: {
    recipe: 'fsl',
    init: { from: null, optimizer: false, checkpoint: 'best' },
    epochs: 100,
    patchesPerEpoch: 20000,
    batchSize: 64,
    accumulate: 1,
    seed: 1234,
    device: 'cpu',
    threads: null,
    amp: 'auto',
    clipGradNorm: null,
  },
  optimizer: { name: 'adamw', lr: 5e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 },
  scheduler: {
    name: 'cosine',
    warmupEpochs: 10,
    warmupLr: 5e-7,
    minLr: 5e-6,
    stepIndex: 'official',
    startEpoch: 0,
    totalEpochs: null,
  },
  validation: {
    everyEpochs: 1,
    stride: 32,
    batchSize: 64,
    blend: 'average',
    threshold: 0.5,
    select: 'dsc',
    selectFromEpoch: null,
    earlyStopping: null,
  },
};

/** A bad setting: `key` is its full dotted name. */
export class ConfigError extends Error {
  /** A bad setting is a usage error, exit code 2 (cli/command.ts), in every command that reads a config. */
  readonly exitCode = 2;
  constructor(
    readonly key: string,
    readonly reason: string,
    readonly source?: string,
  ) {
    super(`${source ? `${source}: ` : ''}${key}: ${reason}`);
    this.name = 'ConfigError';
  }
}

// ------------------------------------------------------------------------------------------------ schema

/** Checks one value; returns it (possibly normalised) or a reason it is wrong. */
export type Leaf = (value: unknown) => { ok: unknown } | { reason: string };
export interface Schema {
  [key: string]: Leaf | Schema;
}

/** A value as a message shows it: one line of at most 80 characters, NaN and Infinity as given. */
const show = (v: unknown) => showValue(v);
const ok = (v: unknown) => ({ ok: v });
const bad = (reason: string) => ({ reason });

/**
 * Upper bounds of the core size-like settings: far above any published or useful value, low enough that a mistyped
 * one fails here instead of running one step for minutes or exhausting memory. Recipes add their own
 * (RecipeSection.maxima); `dias train --help` lists them all.
 */
export const CORE_MAXIMA = {
  'data.frames': 64,
  'data.patchSize': 1024,
  'data.labelled': 100_000,
  'data.workers': 64,
  'train.epochs': 10_000,
  'train.patchesPerEpoch': 10_000_000,
  'train.batchSize': 4096,
  'train.accumulate': 4096,
  'train.threads': 1024,
  'scheduler.warmupEpochs': 10_000,
  'scheduler.startEpoch': 1_000_000,
  'scheduler.totalEpochs': 1_000_000,
  'validation.everyEpochs': 10_000,
  'validation.stride': 1024,
  'validation.batchSize': 4096,
  'validation.selectFromEpoch': 10_000,
  'validation.earlyStopping': 10_000,
} as const;

export const int =
  (min: number, max = Infinity): Leaf =>
  (v) =>
    typeof v !== 'number' || !Number.isSafeInteger(v) || v < min
      ? bad(`must be an integer >= ${min}, got ${show(v)}`)
      : v > max
        ? bad(`must be at most ${max}, got ${show(v)}`)
        : ok(v);
export const num =
  (test: (n: number) => boolean, what: string): Leaf =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && test(v) ? ok(v) : bad(`must be ${what}, got ${show(v)}`);
export const oneOf =
  <T>(...values: T[]): Leaf =>
  (v) =>
    values.includes(v as T) ? ok(v) : bad(`must be one of ${values.map(show).join(', ')}, got ${show(v)}`);
export const nullable =
  (leaf: Leaf): Leaf =>
  (v) =>
    v === null ? ok(null) : leaf(v);
// Any string: an empty one is the finalizing check's to refuse where it matters (data.dir, data.scribbles), since
// a run folder's config.json may hold data.dir '' (a model saved without its dataset).
export const text: Leaf = (v) => (typeof v === 'string' ? ok(v) : bad(`must be a string, got ${show(v)}`));
export const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const record: Leaf = (v) =>
  isPlain(v) ? ok(structuredClone(v)) : bad(`must be a mapping of option names to values, got ${show(v)}`);
export const augment: Leaf = (v) =>
  v === null || typeof v === 'string' || isPlain(v)
    ? ok(structuredClone(v))
    : bad(`must be a preset name (none, fsl, wsl-plc, ssl-strong), a mapping, or null (the recipe's), got ${show(v)}`);
export const weight = num((n) => n >= 0, 'a number >= 0');
/** A number of epochs >= 0 (fractions allowed: warm-ups and ramp-ups are counted in steps). */
export const epochs =
  (max: number): Leaf =>
  (v) =>
    typeof v === 'number' && v > max
      ? bad(`must be at most ${max}, got ${show(v)}`)
      : num((n) => n >= 0, 'a number of epochs >= 0')(v);
export const ids: Leaf = (v) =>
  v === null
    ? ok(null)
    : Array.isArray(v) && v.length > 0 && v.every((x) => Number.isSafeInteger(x) && x >= 0)
      ? ok([...v])
      : bad(`must be a non-empty list of sequence ids (integers >= 0) or null, got ${show(v)}`);
export const probability = num((n) => n >= 0 && n <= 1, 'a number in [0, 1]');
export const betas: Leaf = (v) =>
  Array.isArray(v) && v.length === 2 && v.every((b) => typeof b === 'number' && b >= 0 && b < 1)
    ? ok([v[0], v[1]])
    : bad(`must be [beta1, beta2] with each in [0, 1), got ${show(v)}`);

export const CORE_SCHEMA: Schema = {
  model: { name: text, options: record },
  data: {
    dir: text,
    frames: int(1, CORE_MAXIMA['data.frames']),
    patchSize: int(1, CORE_MAXIMA['data.patchSize']),
    augment,
    scribbles: text,
    labels: oneOf<LabelSet>(...LABEL_SETS),
    labelled: nullable(int(1, CORE_MAXIMA['data.labelled'])),
    labelledIds: ids,
    pseudo: nullable(text),
    workers: nullable(int(0, CORE_MAXIMA['data.workers'])),
  },
  normalization: oneOf('zscore-per-sequence'),
  train: {
    // Any name here; recipes/index.ts narrows it to the registry's.
    recipe: text,
    init: { from: nullable(text), optimizer: oneOf(true, false), checkpoint: oneOf('best', 'final') },
    epochs: int(1, CORE_MAXIMA['train.epochs']),
    patchesPerEpoch: int(1, CORE_MAXIMA['train.patchesPerEpoch']),
    batchSize: int(1, CORE_MAXIMA['train.batchSize']),
    accumulate: int(1, CORE_MAXIMA['train.accumulate']),
    seed: int(0),
    device: oneOf('cpu', 'cuda'),
    threads: nullable(int(1, CORE_MAXIMA['train.threads'])),
    amp: oneOf<unknown>('auto', true, false),
    clipGradNorm: nullable(num((n) => n > 0, 'a number > 0 or null')),
  },
  optimizer: {
    name: oneOf('adamw'),
    lr: num((n) => n > 0, 'a number > 0'),
    betas,
    eps: num((n) => n >= 0, 'a number >= 0'),
    weightDecay: num((n) => n >= 0, 'a number >= 0'),
  },
  scheduler: {
    name: oneOf('cosine'),
    warmupEpochs: epochs(CORE_MAXIMA['scheduler.warmupEpochs']),
    warmupLr: num((n) => n >= 0, 'a number >= 0'),
    minLr: num((n) => n >= 0, 'a number >= 0'),
    stepIndex: oneOf('official', 'updates'),
    startEpoch: int(0, CORE_MAXIMA['scheduler.startEpoch']),
    totalEpochs: nullable(int(1, CORE_MAXIMA['scheduler.totalEpochs'])),
  },
  validation: {
    everyEpochs: int(0, CORE_MAXIMA['validation.everyEpochs']),
    stride: int(1, CORE_MAXIMA['validation.stride']),
    batchSize: int(1, CORE_MAXIMA['validation.batchSize']),
    blend: oneOf('average', 'gaussian'),
    threshold: num((n) => n >= 0 && n <= 1, 'a number in [0, 1]'),
    select: oneOf('dsc', 'patch-auc', 'final'),
    selectFromEpoch: nullable(int(1, CORE_MAXIMA['validation.selectFromEpoch'])),
    earlyStopping: nullable(int(1, CORE_MAXIMA['validation.earlyStopping'])),
  },
};

/**
 * A recipe's own configuration section: its key at the top level, its defaults (with their documentation in the
 * recipe's settings type), the schema of its keys, the bounds of its size-like keys ('gatedCrf.radius': 18), and a
 * check of its values against the rest of the configuration, run by finalizeTrainConfig for every section.
 */
export interface RecipeSection<S extends object = object> {
  key: string;
  defaults: S;
  schema: Schema;
  maxima?: Readonly<Record<string, number>>;
  check?(config: CoreTrainConfig & Record<string, unknown>, fail: (key: string, reason: string) => never): void;
}
