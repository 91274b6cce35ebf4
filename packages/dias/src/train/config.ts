// The training configuration: every setting of a fully supervised run, with the official recipe as defaults
// (full_supervised_segmentation/configs/config.py, trainer.py, optimizer.py, lr_scheduler.py):
//   AdamW lr 5e-4, betas (0.9, 0.999), eps 1e-8, weight decay 0.01 except biases and 1-D parameters; cosine
//   schedule per iteration over all epochs with a 10-epoch linear warm-up from 5e-7 down to 5e-6; 100 epochs of
//   20,000 random 64x64 patches in batches of 64 (drop_last: 312 steps); seed 1234; validation every epoch on the
//   validation split tiled with stride 32; no gradient clipping (DO_BACKPROP False).
// Where we differ by default: the model (official FR_UNet; ours VSS_Net on all frames), mixed precision (official
// on; ours only on CUDA) and the checkpoint choice (official: patch-level validation AUC from epoch 10; ours:
// image-level validation DSC from epoch 1; `validation.select: patch-auc` restores the official one).
//
// Settings come from the defaults, then a config file (YAML or JSON, any subset of the keys below), then command
// line flags. Every key is checked: an unknown key or a wrong value fails with the key's full name and the reason.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AugmentOptionsInput } from '../data/pipeline/augmentation.js';
import { resolveAugmentOptions } from '../data/pipeline/augmentation.js';
import type { ModelOptions } from '../models/model-spec.js';
import { showValue } from '../show-value.js';
import { resolveModelSetup } from './model-setup.js';
import { findRecipe, RECIPE_NAMES } from './recipes/index.js';

/** 'final': no choice, checkpoint_best follows the latest epoch (as the released weak-supervision scripts are tested). */
export type SelectMetric = 'dsc' | 'patch-auc' | 'final';
/** Which pseudo-labels SSCR trains each network on: none (pCE only), its own (released), or the other network's (paper). */
export type SscrPseudoLabels = 'none' | 'self' | 'cross';
/** SSCR's consistency term: none, MSE of the two networks' vessel probabilities (with a gradient), or as released
 * (MSE of the two argmax maps, no gradient). */
export type SscrConsistency = 'none' | 'probability' | 'as-released';
/** How the scheduler's t is counted: 'official' t = epoch·steps + idx with epochs from 1 (trainer.py); 'updates' t = updates done. */
export type StepIndex = 'official' | 'updates';

export interface TrainConfig {
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
  /** Scribble-supervised SSCR (recipes/sscr.ts). */
  sscr: {
    pseudoLabels: SscrPseudoLabels;
    /** λ_pl, the weight of the pseudo-label cross-entropy (released 1). */
    pseudoWeight: number;
    consistency: SscrConsistency;
    /** λ_con, the weight of the consistency term (released 0.5). */
    consistencyWeight: number;
    /** Epochs over which λ_pl and λ_con ramp up from 0 (sigmoid ramp, as Laine and Aila); 0: none (released). */
    rampUpEpochs: number;
  };
  /** The entropy-minimisation baseline: weight of the normalised entropy (released 5). */
  entropyMin: { weight: number };
  /** The gated CRF baseline: loss weight (released 0.1) and neighbourhood radius (released 5). */
  gatedCrf: { weight: number; radius: number };
  /** DMPLS on UNet_CCT: weight of the mixed pseudo-label Dice (released 0.5). */
  dmpls: { pseudoWeight: number };
  /** RPST, random patch-based self-training (self-training.ts). */
  rpst: {
    /** Student iterations after the teacher (ssl.pdf: 3). */
    iterations: number;
    /** Probability that a patch is pseudo-labelled (strong augmentation) rather than labelled (weak). */
    pseudoProbability: number;
    /** The student continues from its teacher (weights and AdamW state, a fresh schedule: as released) or starts anew. */
    student: 'continue' | 'reinit';
    /** Pixels whose probability lies within this distance of the threshold are ignored (0: none). */
    confidenceBand: number;
    /** Flip test-time augmentation when pseudo-labelling. */
    tta: boolean;
    /** The strong augmentation of pseudo-labelled patches (a preset or changes; official ssl-strong). */
    strongAugment: AugmentOptionsInput;
  };
  /** Mean teacher: EMA decay of the teacher and the weight of the consistency term (sigmoid ramp-up). */
  meanTeacher: { emaDecay: number; consistencyWeight: number; rampUpEpochs: number };
  /** Cross pseudo supervision (Chen et al. 2021): weight of the cross pseudo-label terms (ramp-up). */
  cps: { weight: number; rampUpEpochs: number };
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  model: { name: 'VSS_Net', options: {} },
  data: {
    dir: '',
    frames: 8,
    patchSize: 64,
    augment: null,
    scribbles: 'auto',
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
  scheduler: { name: 'cosine', warmupEpochs: 10, warmupLr: 5e-7, minLr: 5e-6, stepIndex: 'official' },
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
  sscr: { pseudoLabels: 'cross', pseudoWeight: 1, consistency: 'probability', consistencyWeight: 0.5, rampUpEpochs: 0 },
  entropyMin: { weight: 5 },
  gatedCrf: { weight: 0.1, radius: 5 },
  dmpls: { pseudoWeight: 0.5 },
  rpst: {
    iterations: 3,
    pseudoProbability: 0.5,
    student: 'continue',
    confidenceBand: 0,
    tta: false,
    strongAugment: 'ssl-strong',
  },
  meanTeacher: { emaDecay: 0.99, consistencyWeight: 0.1, rampUpEpochs: 5 },
  cps: { weight: 1, rampUpEpochs: 5 },
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
type Leaf = (value: unknown) => { ok: unknown } | { reason: string };
interface Schema {
  [key: string]: Leaf | Schema;
}

/** A value as a message shows it: one line of at most 80 characters, NaN and Infinity as given. */
const show = (v: unknown) => showValue(v);
const ok = (v: unknown) => ({ ok: v });
const bad = (reason: string) => ({ reason });

/**
 * Upper bounds of the size-like settings: far above any published or useful value, low enough that a mistyped one
 * fails here instead of running one step for minutes or exhausting memory (gatedCrf.radius 1000 is a 2001x2001
 * kernel per pixel). `dias train --help` lists them.
 */
export const SETTING_MAXIMA = {
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
  'validation.everyEpochs': 10_000,
  'validation.stride': 1024,
  'validation.batchSize': 4096,
  'validation.selectFromEpoch': 10_000,
  'validation.earlyStopping': 10_000,
  'sscr.rampUpEpochs': 10_000,
  // 3 x the released xy sigma (6 pixels): the kernel's weights beyond it are below 1%.
  'gatedCrf.radius': 18,
  'rpst.iterations': 20,
  'meanTeacher.rampUpEpochs': 10_000,
  'cps.rampUpEpochs': 10_000,
} as const;

const int =
  (min: number, max = Infinity): Leaf =>
  (v) =>
    typeof v !== 'number' || !Number.isSafeInteger(v) || v < min
      ? bad(`must be an integer >= ${min}, got ${show(v)}`)
      : v > max
        ? bad(`must be at most ${max}, got ${show(v)}`)
        : ok(v);
const num =
  (test: (n: number) => boolean, what: string): Leaf =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && test(v) ? ok(v) : bad(`must be ${what}, got ${show(v)}`);
const oneOf =
  <T>(...values: T[]): Leaf =>
  (v) =>
    values.includes(v as T) ? ok(v) : bad(`must be one of ${values.map(show).join(', ')}, got ${show(v)}`);
const nullable =
  (leaf: Leaf): Leaf =>
  (v) =>
    v === null ? ok(null) : leaf(v);
const text: Leaf = (v) =>
  typeof v === 'string' && v.trim() !== '' ? ok(v) : bad(`must be a non-empty string, got ${show(v)}`);
const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const record: Leaf = (v) =>
  isPlain(v) ? ok(structuredClone(v)) : bad(`must be a mapping of option names to values, got ${show(v)}`);
const augment: Leaf = (v) =>
  v === null || typeof v === 'string' || isPlain(v)
    ? ok(structuredClone(v))
    : bad(`must be a preset name (none, fsl, wsl-plc, ssl-strong), a mapping, or null (the recipe's), got ${show(v)}`);
const weight = num((n) => n >= 0, 'a number >= 0');
/** A number of epochs >= 0 (fractions allowed: warm-ups and ramp-ups are counted in steps). */
const epochs =
  (max: number): Leaf =>
  (v) =>
    typeof v === 'number' && v > max
      ? bad(`must be at most ${max}, got ${show(v)}`)
      : num((n) => n >= 0, 'a number of epochs >= 0')(v);
const ids: Leaf = (v) =>
  v === null
    ? ok(null)
    : Array.isArray(v) && v.length > 0 && v.every((x) => Number.isSafeInteger(x) && x >= 0)
      ? ok([...v])
      : bad(`must be a non-empty list of sequence ids (integers >= 0) or null, got ${show(v)}`);
const probability = num((n) => n >= 0 && n <= 1, 'a number in [0, 1]');
const betas: Leaf = (v) =>
  Array.isArray(v) && v.length === 2 && v.every((b) => typeof b === 'number' && b >= 0 && b < 1)
    ? ok([v[0], v[1]])
    : bad(`must be [beta1, beta2] with each in [0, 1), got ${show(v)}`);

const SCHEMA: Schema = {
  model: { name: text, options: record },
  data: {
    dir: text,
    frames: int(1, SETTING_MAXIMA['data.frames']),
    patchSize: int(1, SETTING_MAXIMA['data.patchSize']),
    augment,
    scribbles: text,
    labelled: nullable(int(1, SETTING_MAXIMA['data.labelled'])),
    labelledIds: ids,
    pseudo: nullable(text),
    workers: nullable(int(0, SETTING_MAXIMA['data.workers'])),
  },
  normalization: oneOf('zscore-per-sequence'),
  train: {
    recipe: oneOf(...RECIPE_NAMES),
    init: { from: nullable(text), optimizer: oneOf(true, false), checkpoint: oneOf('best', 'final') },
    epochs: int(1, SETTING_MAXIMA['train.epochs']),
    patchesPerEpoch: int(1, SETTING_MAXIMA['train.patchesPerEpoch']),
    batchSize: int(1, SETTING_MAXIMA['train.batchSize']),
    accumulate: int(1, SETTING_MAXIMA['train.accumulate']),
    seed: int(0),
    device: oneOf('cpu', 'cuda'),
    threads: nullable(int(1, SETTING_MAXIMA['train.threads'])),
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
    warmupEpochs: epochs(SETTING_MAXIMA['scheduler.warmupEpochs']),
    warmupLr: num((n) => n >= 0, 'a number >= 0'),
    minLr: num((n) => n >= 0, 'a number >= 0'),
    stepIndex: oneOf('official', 'updates'),
  },
  validation: {
    everyEpochs: int(0, SETTING_MAXIMA['validation.everyEpochs']),
    stride: int(1, SETTING_MAXIMA['validation.stride']),
    batchSize: int(1, SETTING_MAXIMA['validation.batchSize']),
    blend: oneOf('average', 'gaussian'),
    threshold: num((n) => n >= 0 && n <= 1, 'a number in [0, 1]'),
    select: oneOf('dsc', 'patch-auc', 'final'),
    selectFromEpoch: nullable(int(1, SETTING_MAXIMA['validation.selectFromEpoch'])),
    earlyStopping: nullable(int(1, SETTING_MAXIMA['validation.earlyStopping'])),
  },
  sscr: {
    pseudoLabels: oneOf('none', 'self', 'cross'),
    pseudoWeight: weight,
    consistency: oneOf('none', 'probability', 'as-released'),
    consistencyWeight: weight,
    rampUpEpochs: epochs(SETTING_MAXIMA['sscr.rampUpEpochs']),
  },
  entropyMin: { weight },
  gatedCrf: { weight, radius: int(1, SETTING_MAXIMA['gatedCrf.radius']) },
  dmpls: { pseudoWeight: weight },
  rpst: {
    iterations: int(1, SETTING_MAXIMA['rpst.iterations']),
    pseudoProbability: probability,
    student: oneOf('continue', 'reinit'),
    confidenceBand: num((n) => n >= 0 && n < 0.5, 'a number in [0, 0.5)'),
    tta: oneOf(true, false),
    strongAugment: augment,
  },
  meanTeacher: {
    emaDecay: num((n) => n >= 0 && n < 1, 'a number in [0, 1)'),
    consistencyWeight: weight,
    rampUpEpochs: epochs(SETTING_MAXIMA['meanTeacher.rampUpEpochs']),
  },
  cps: { weight, rampUpEpochs: epochs(SETTING_MAXIMA['cps.rampUpEpochs']) },
};

function leafAt(key: string): Leaf | Schema | undefined {
  let node: Leaf | Schema | undefined = SCHEMA;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}

/** Every settable key, dotted (for messages and --help). */
export function configKeys(node: Schema = SCHEMA, prefix = ''): string[] {
  return Object.entries(node).flatMap(([k, v]) =>
    typeof v === 'function' ? [prefix + k] : configKeys(v, `${prefix}${k}.`),
  );
}

function known(node: Schema): string {
  return Object.keys(node).join(', ');
}

/**
 * Where each setting of a configuration came from (a file or a flag), by dotted key: the cross-checks of
 * finalizeTrainConfig run after every source has been merged, and their errors still name the file or flag that
 * set the key (`tiny.yaml: data.augment: ...`, `--scribbles: data.scribbles: ...`).
 */
const ORIGINS = new WeakMap<TrainConfig, Map<string, string>>();

function originsOf(config: TrainConfig): Map<string, string> {
  let origins = ORIGINS.get(config);
  if (!origins) ORIGINS.set(config, (origins = new Map()));
  return origins;
}

/** Every key set from a file or flag so far, with the last file or flag that set it. */
export function settingOrigins(config: TrainConfig): ReadonlyMap<string, string> {
  return new Map(ORIGINS.get(config));
}

/** The file or flag that set `key` (or the section or key above it), if one did. */
export function settingOrigin(config: TrainConfig, key: string): string | undefined {
  const origins = ORIGINS.get(config);
  for (let k = key; origins && k; k = k.slice(0, Math.max(0, k.lastIndexOf('.')))) {
    const origin = origins.get(k);
    if (origin !== undefined) return origin;
  }
  return undefined;
}

/** Merges `patch` (parsed from `source`) into `base` in place, checking every key and value against the schema. */
function mergeInto(
  base: Record<string, unknown>,
  patch: unknown,
  node: Schema,
  prefix: string,
  source: string,
  origins: Map<string, string>,
): void {
  if (!isPlain(patch))
    throw new ConfigError(
      prefix.slice(0, -1) || '(top level)',
      `must be a mapping of keys to values, got ${show(patch)}`,
      source,
    );
  for (const [k, v] of Object.entries(patch)) {
    const key = prefix + k;
    if (!Object.hasOwn(node, k)) {
      throw new ConfigError(
        key,
        `unknown key (known${prefix ? ` in ${prefix.slice(0, -1)}` : ''}: ${known(node)})`,
        source,
      );
    }
    const child = node[k];
    if (typeof child === 'function') {
      const r = child(v);
      if ('reason' in r) throw new ConfigError(key, r.reason, source);
      base[k] = r.ok;
      origins.set(key, source);
    } else {
      mergeInto(base[k] as Record<string, unknown>, v, child, `${key}.`, source, origins);
    }
  }
}

/** The defaults, fresh (callers may change them). */
export function defaultTrainConfig(): TrainConfig {
  return structuredClone(DEFAULT_TRAIN_CONFIG);
}

/** Applies a partial configuration (as read from a file) to `config`, in place; `source` names it in errors. */
export function applyConfigPatch(config: TrainConfig, patch: unknown, source: string): TrainConfig {
  mergeInto(config as unknown as Record<string, unknown>, patch, SCHEMA, '', source, originsOf(config));
  return config;
}

/** Sets one dotted key (a command line flag); `source` names the flag in errors. */
export function setConfigValue(config: TrainConfig, key: string, value: unknown, source: string): TrainConfig {
  const node = leafAt(key);
  if (node === undefined) throw new ConfigError(key, `unknown key (known: ${configKeys().join(', ')})`, source);
  if (typeof node !== 'function')
    throw new ConfigError(key, `is a section; set one of its keys (${known(node)})`, source);
  let patch: unknown = value;
  for (const part of key.split('.').reverse()) patch = { [part]: patch };
  return applyConfigPatch(config, patch, source);
}

/** Parses `text` of a config file: JSON for .json, YAML otherwise (YAML also reads JSON). */
export function parseConfigText(text: string, path: string): unknown {
  try {
    return /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    // A usage error (exit 2), as an unknown key in a file that parses.
    throw Object.assign(
      new Error(
        `${path}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`,
      ),
      { exitCode: 2 },
    );
  }
}

/** Reads a config file and applies it to `config`. An empty file changes nothing. */
export function applyConfigFile(config: TrainConfig, path: string): TrainConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(
      `${path}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const parsed = parseConfigText(text, path);
  if (parsed === null || parsed === undefined) return config;
  return applyConfigPatch(config, parsed, path);
}

/** The validation checkpoint choice starts here (1-based epochs). */
export function selectFromEpoch(config: TrainConfig): number {
  return config.validation.selectFromEpoch ?? (config.validation.select === 'patch-auc' ? 10 : 1);
}

/** Steps per epoch: whole batches only (the official loader drops the last partial batch). */
export function stepsPerEpoch(config: TrainConfig): number {
  return Math.floor(config.train.patchesPerEpoch / config.train.batchSize);
}

/**
 * Checks the settings against each other and completes them: the model name becomes its official name and its
 * options every constructor option (so the run rebuilds the same network), the data folder an absolute path.
 * Returns a new, complete configuration; the input is left as it was.
 */
export function finalizeTrainConfig(input: TrainConfig, source?: string): TrainConfig {
  const c = structuredClone(input);
  ORIGINS.set(c, new Map(ORIGINS.get(input)));
  // `source` names what the whole configuration is (a run's config.json, a benchmark's run); the key's own
  // origin (the file or flag that set it) follows it.
  const fail = (key: string, reason: string): never => {
    const origin = settingOrigin(input, key);
    throw new ConfigError(key, reason, [source, origin !== source ? origin : undefined].filter(Boolean).join(': '));
  };
  if (!c.data.dir) fail('data.dir', 'is required (--data DIR, or data.dir in the config file)');
  c.data.dir = resolve(c.data.dir);
  if (c.train.patchesPerEpoch < c.train.batchSize) {
    fail(
      'train.patchesPerEpoch',
      `(${c.train.patchesPerEpoch}) must be at least train.batchSize (${c.train.batchSize}): epochs are whole batches`,
    );
  }
  if (c.train.batchSize % c.train.accumulate !== 0) {
    fail(
      'train.accumulate',
      `(${c.train.accumulate}) must divide train.batchSize (${c.train.batchSize}): the batch is split into equal micro-batches`,
    );
  }
  if (c.scheduler.warmupEpochs > c.train.epochs) {
    fail(
      'scheduler.warmupEpochs',
      `(${c.scheduler.warmupEpochs}) must not exceed train.epochs (${c.train.epochs}); for a short run lower it (--warmup-epochs W, or 0)`,
    );
  }
  if (c.scheduler.minLr > c.optimizer.lr)
    fail('scheduler.minLr', `(${c.scheduler.minLr}) must not exceed optimizer.lr (${c.optimizer.lr})`);
  if (c.validation.stride > c.data.patchSize)
    fail(
      'validation.stride',
      `(${c.validation.stride}) must not exceed data.patchSize (${c.data.patchSize}), or pixels are never predicted`,
    );
  if (c.train.amp === true && c.train.device !== 'cuda')
    fail('train.amp', 'mixed precision is for CUDA only (set train.device to cuda, or amp to auto/false)');
  const recipe = findRecipe(c.train.recipe);
  if (c.data.labelled !== null && c.data.labelledIds !== null)
    fail('data.labelledIds', 'and data.labelled exclude each other (the first N sequences, or these ids)');
  if (c.train.init.from !== null) {
    c.train.init.from = resolve(c.train.init.from);
    // A weights file given for the run it came from: said here, not as a path below the file that does not exist.
    if (existsSync(c.train.init.from) && !statSync(c.train.init.from).isDirectory()) {
      fail(
        'train.init.from',
        `${c.train.init.from} is a file; give the run folder it belongs to (its checkpoint_${c.train.init.checkpoint}.safetensors is read)`,
      );
    }
  }
  if (c.data.pseudo !== null) c.data.pseudo = resolve(c.data.pseudo);
  try {
    resolveAugmentOptions(c.rpst.strongAugment, c.data.patchSize);
  } catch (e) {
    fail('rpst.strongAugment', (e as Error).message.replace(/^augmentation options: /, ''));
  }
  if (!c.data.scribbles.trim())
    fail('data.scribbles', "must name a scribble set: 'auto', 'annotator' or a folder below training/");
  try {
    c.data.augment = structuredClone(c.data.augment ?? recipe.augment);
    resolveAugmentOptions(c.data.augment, c.data.patchSize);
  } catch (e) {
    fail('data.augment', (e as Error).message.replace(/^augmentation options: /, ''));
  }
  const given = { ...recipe.modelDefaults, ...c.model.options };
  const setup = resolveModelSetup(c.model.name, given, c.data.frames, (key, reason) => fail(key, reason));
  try {
    recipe.checkModel?.(setup.spec);
  } catch (e) {
    fail('model.name', `${(e as Error).message} (train.recipe ${recipe.name})`);
  }
  c.model.name = setup.spec.name;
  c.model.options = setup.options;
  if (c.data.patchSize % setup.spec.sizeMultiple !== 0) {
    fail(
      'data.patchSize',
      `(${c.data.patchSize}) must be a multiple of ${setup.spec.sizeMultiple} for ${setup.spec.name}`,
    );
  }
  return c;
}

/** What may differ when a run is resumed: where and how fast it runs, not what it computes. */
export const RESUME_OVERRIDABLE: readonly string[] = ['train.threads', 'train.device', 'data.workers', 'data.dir'];

/** The dotted keys whose values differ between two finalized configurations, leaving out RESUME_OVERRIDABLE. */
export function resumeConflicts(saved: TrainConfig, given: TrainConfig): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, key: string) => {
    if (RESUME_OVERRIDABLE.includes(key)) return;
    if (isPlain(a) && isPlain(b) && key !== 'model.options' && key !== 'data.augment') {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], key ? `${key}.${k}` : k);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(key);
  };
  walk(saved, given, '');
  return out;
}
