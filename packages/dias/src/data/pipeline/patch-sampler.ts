// Random training patches from normalised DSA sequences, as the official Train_dataset.__getitem__: a sequence
// drawn uniformly, a P x P crop at a uniformly drawn position (all frames), then the augmentations (see
// augmentation.ts). With a second pool (semi-supervision: pseudo-labelled or unlabelled sequences after the
// labelled ones), each patch comes from it with a given probability and gets that pool's augmentation (RPST's random
// patch mix: a pseudo-labelled patch with strong augmentation, else a labelled one with weak). Batch i of a run is a pure function of (sequences, options, seed, i): it draws from its own
// stream Random.derive(seed, i), so a run resumes from a batch counter and worker threads reproduce it exactly.
import type { DsaSequence } from '../sequence.js';
import { Random } from '../random.js';
import { drawOrientation, gatherBytePlane, gatherFloatPlanes, patchSourceTable } from './geometric-transform.js';
import {
  augmentElastic,
  augmentPhotometric,
  resolveAugmentOptions,
  type AugmentOptions,
  type AugmentOptionsInput,
} from './augmentation.js';

/** B patches of T frames, P x P each, ready for fromTypedArray. */
export interface PatchBatch {
  B: number;
  T: number;
  P: number;
  /** Frames, [B][T][P][P]. */
  images: Float32Array;
  /** The second, independently photometric-augmented view of the same crops ([B][T][P][P]), when views = 2. */
  images2?: Float32Array;
  /** Dense labels, [B][P][P], 0/1. */
  labels?: Uint8Array;
  /** Scribbles, [B][P][P], 0/1/255 (unlabelled). */
  scribbles?: Uint8Array;
  /** Index of this batch in its run (the stream it was drawn from). */
  index: number;
  /** For each patch, the index of the sequence it was cut from. */
  sequenceIndex: Int32Array;
  /** For each patch, the top-left corner (row, column) of the crop in its sequence, [B][2]; negative when the sequence is smaller than the patch (reflected). */
  origin: Int32Array;
  /** For each patch, its orientation code: flipRows + 2 * flipCols + 4 * rot90. */
  orientation: Uint8Array;
  /** With a second pool: 1 for each patch cut from it (and augmented its way), 0 for the first pool. */
  fromPool?: Uint8Array;
}

/** The second pool: sequences [from, n) of the list, drawn with `probability`, augmented with `augment`. */
export interface SecondPoolOptions {
  from: number;
  probability: number;
  /** Default: the sampler's own augmentation. */
  augment?: AugmentOptionsInput;
}

/** Which targets go into the batches; 'auto' takes each kind that every sequence has. */
export type PatchTargets = 'auto' | 'label' | 'scribble' | 'both' | 'none';

export interface PatchSamplerOptions {
  /** Patch side (official DATASET.PATCH_SIZE 64). */
  patchSize?: number;
  /** Patches per batch (official DATALOADER.BATCH_SIZE 64). */
  batchSize?: number;
  /** Seed of the run (default 0). */
  seed?: number;
  /** Augmentations: a preset or changes to one (default preset 'fsl': crop, flips, rotations). */
  augment?: AugmentOptionsInput;
  /** 2 gives two photometric views of each crop (images and images2), as the weakly supervised PLC loader. */
  views?: 1 | 2;
  targets?: PatchTargets;
  /** Relative probability of drawing each sequence (default uniform, as the official code). */
  sequenceWeights?: number[];
  pool?: SecondPoolOptions;
}

/** The parts of a sequence that sampling reads (all a worker thread needs). */
export type SequenceArrays = Pick<DsaSequence, 'id' | 'T' | 'H' | 'W' | 'frames' | 'label' | 'scribble'>;

/** Validated, complete, structured-cloneable sampling settings. */
export interface PatchSamplerConfig {
  patchSize: number;
  batchSize: number;
  T: number;
  augment: AugmentOptions;
  views: 1 | 2;
  withLabels: boolean;
  withScribbles: boolean;
  /** Cumulative sequence weights normalised to end at 1, or null for uniform. */
  cumulativeWeights: number[] | null;
  /** The second pool, resolved (null: one pool). */
  pool: { from: number; probability: number; augment: AugmentOptions } | null;
}

/** Where a run stands: enough to resume it exactly. */
export interface PatchSamplerState {
  seed: number;
  /** Index of the next batch to produce. */
  nextIndex: number;
}

function fail(msg: string): never {
  throw new Error(`patch sampler: ${msg}`);
}

function positiveInt(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    fail(`${name} must be a positive integer, got ${JSON.stringify(v) ?? typeof v}`);
  return v;
}

export function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) fail(`seed must be a safe integer, got ${String(seed)}`);
  return seed;
}

/** Checks the sequences and options together and fills in the defaults. */
export function resolvePatchSamplerConfig(
  sequences: readonly SequenceArrays[],
  options: PatchSamplerOptions = {},
): PatchSamplerConfig {
  if (!Array.isArray(sequences) || sequences.length === 0) fail('at least one sequence is required');
  const patchSize = positiveInt('patchSize', options.patchSize, 64);
  const batchSize = positiveInt('batchSize', options.batchSize, 64);
  const views = options.views ?? 1;
  if (views !== 1 && views !== 2) fail(`views must be 1 or 2, got ${String(views)}`);
  const T = sequences[0].T;
  for (const s of sequences) {
    const where = `sequence '${s.id}'`;
    for (const [k, v] of [
      ['T', s.T],
      ['H', s.H],
      ['W', s.W],
    ] as const)
      if (!Number.isInteger(v) || v < 1) fail(`${where}: ${k} must be a positive integer, got ${v}`);
    if (!(s.frames instanceof Float32Array) || s.frames.length !== s.T * s.H * s.W)
      fail(`${where}: frames must be a Float32Array of T*H*W = ${s.T * s.H * s.W} values`);
    if (s.T !== T)
      fail(
        `${where} has ${s.T} frames but '${sequences[0].id}' has ${T}; all sequences of a batch need the same frame count (select frames first)`,
      );
    for (const [k, v] of [
      ['label', s.label],
      ['scribble', s.scribble],
    ] as const) {
      if (v !== undefined && (!(v instanceof Uint8Array) || v.length !== s.H * s.W))
        fail(`${where}: ${k} must be a Uint8Array of H*W = ${s.H * s.W} values`);
    }
  }
  const targets = options.targets ?? 'auto';
  const allLabels = sequences.every((s) => s.label);
  const allScribbles = sequences.every((s) => s.scribble);
  let withLabels: boolean;
  let withScribbles: boolean;
  switch (targets) {
    case 'auto':
      withLabels = allLabels;
      withScribbles = allScribbles;
      break;
    case 'none':
      withLabels = false;
      withScribbles = false;
      break;
    case 'label':
      withLabels = true;
      withScribbles = false;
      break;
    case 'scribble':
      withLabels = false;
      withScribbles = true;
      break;
    case 'both':
      withLabels = true;
      withScribbles = true;
      break;
    default:
      fail(`targets must be auto, label, scribble, both or none, got '${String(targets)}'`);
  }
  if (withLabels && !allLabels)
    fail(`targets '${targets}' needs a label for every sequence; '${sequences.find((s) => !s.label)!.id}' has none`);
  if (withScribbles && !allScribbles)
    fail(
      `targets '${targets}' needs a scribble for every sequence; '${sequences.find((s) => !s.scribble)!.id}' has none`,
    );
  let cumulativeWeights: number[] | null = null;
  if (options.sequenceWeights !== undefined) {
    const w = options.sequenceWeights;
    if (!Array.isArray(w) || w.length !== sequences.length)
      fail(`sequenceWeights must have one weight per sequence (${sequences.length})`);
    if (w.some((x) => typeof x !== 'number' || !(x >= 0) || !Number.isFinite(x)))
      fail('sequenceWeights must be finite numbers >= 0');
    const total = w.reduce((a, b) => a + b, 0);
    if (!(total > 0)) fail('sequenceWeights must not all be 0');
    let acc = 0;
    cumulativeWeights = w.map((x) => (acc += x / total));
  }
  const augment = resolveAugmentOptions(options.augment, patchSize);
  let pool: PatchSamplerConfig['pool'] = null;
  if (options.pool !== undefined) {
    const { from, probability } = options.pool;
    if (!Number.isInteger(from) || from < 1 || from >= sequences.length)
      fail(`pool.from must be an index in [1, ${sequences.length - 1}] (both pools non-empty), got ${String(from)}`);
    if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))
      fail(`pool.probability must be in [0, 1], got ${String(probability)}`);
    if (cumulativeWeights) fail('sequenceWeights and pool exclude each other');
    pool = {
      from,
      probability,
      augment: options.pool.augment === undefined ? augment : resolveAugmentOptions(options.pool.augment, patchSize),
    };
  }
  return { patchSize, batchSize, T, augment, views, withLabels, withScribbles, cumulativeWeights, pool };
}

function pickSequence(rng: Random, n: number, cumulative: number[] | null): number {
  if (!cumulative) return rng.int(n);
  const u = rng.uniform();
  for (let i = 0; i < n; i++) if (u < cumulative[i]) return i;
  return n - 1;
}

/** Batch `index` of the run seeded with `seed`: the same arrays wherever and whenever it is computed. */
export function generatePatchBatch(
  sequences: readonly SequenceArrays[],
  cfg: PatchSamplerConfig,
  seed: number,
  index: number,
): PatchBatch {
  if (!Number.isSafeInteger(index) || index < 0) fail(`batch index must be a non-negative integer, got ${index}`);
  const { batchSize: B, T, patchSize: P, pool } = cfg;
  const PP = P * P;
  const rng = Random.derive(seed, index);
  const images = new Float32Array(B * T * PP);
  const images2 = cfg.views === 2 ? new Float32Array(B * T * PP) : undefined;
  const labels = cfg.withLabels ? new Uint8Array(B * PP) : undefined;
  const scribbles = cfg.withScribbles ? new Uint8Array(B * PP) : undefined;
  const sequenceIndex = new Int32Array(B);
  const origin = new Int32Array(2 * B);
  const orientation = new Uint8Array(B);
  const fromPool = pool ? new Uint8Array(B) : undefined;
  for (let b = 0; b < B; b++) {
    let si: number;
    let augment = cfg.augment;
    if (pool) {
      const second = rng.uniform() < pool.probability;
      si = second ? pool.from + rng.int(sequences.length - pool.from) : rng.int(pool.from);
      if (second) augment = pool.augment;
      fromPool![b] = second ? 1 : 0;
    } else si = pickSequence(rng, sequences.length, cfg.cumulativeWeights);
    const s = sequences[si];
    // Official CropToFixed: a uniform corner when the image is larger than the patch, else centred with
    // reflected padding. (Its randint(H - P) never reaches the last corner, H - P; this one does.)
    const y0 = s.H >= P ? rng.int(s.H - P + 1) : -Math.floor((P - s.H) / 2);
    const x0 = s.W >= P ? rng.int(s.W - P + 1) : -Math.floor((P - s.W) / 2);
    const orient = drawOrientation(rng, augment.geometric);
    const table = patchSourceTable(P, s.H, s.W, y0, x0, orient);
    const img = images.subarray(b * T * PP, (b + 1) * T * PP);
    gatherFloatPlanes(s.frames, s.H * s.W, T, table, img, 0);
    const lab = labels?.subarray(b * PP, (b + 1) * PP);
    const scr = scribbles?.subarray(b * PP, (b + 1) * PP);
    if (lab) gatherBytePlane(s.label!, table, lab, 0);
    if (scr) gatherBytePlane(s.scribble!, table, scr, 0);
    // Deformation changes the targets too, so it comes before the views split (the official strong pipeline
    // runs contrast first; contrast is pointwise, so only its clipping and the interpolation trade places).
    augmentElastic(img, T, P, [lab, scr], rng, augment.elastic);
    if (images2) images2.subarray(b * T * PP, (b + 1) * T * PP).set(img);
    augmentPhotometric(img, T, P, rng, augment);
    if (images2) augmentPhotometric(images2.subarray(b * T * PP, (b + 1) * T * PP), T, P, rng, augment);
    sequenceIndex[b] = si;
    origin[2 * b] = y0;
    origin[2 * b + 1] = x0;
    orientation[b] = (orient.flipRows ? 1 : 0) + (orient.flipCols ? 2 : 0) + 4 * orient.rot90;
  }
  const batch: PatchBatch = { B, T, P, images, index, sequenceIndex, origin, orientation };
  if (images2) batch.images2 = images2;
  if (labels) batch.labels = labels;
  if (scribbles) batch.scribbles = scribbles;
  if (fromPool) batch.fromPool = fromPool;
  return batch;
}

/** Batches one after another on the calling thread; see prefetch.ts for the same batches from worker threads. */
export class PatchSampler {
  readonly config: PatchSamplerConfig;
  private seed: number;
  private nextIndex = 0;

  constructor(
    private readonly sequences: readonly SequenceArrays[],
    options: PatchSamplerOptions = {},
  ) {
    this.config = resolvePatchSamplerConfig(sequences, options);
    this.seed = checkSeed(options.seed ?? 0);
  }

  next(): PatchBatch {
    return generatePatchBatch(this.sequences, this.config, this.seed, this.nextIndex++);
  }

  /** Any batch of the run, without moving the run on. */
  batchAt(index: number): PatchBatch {
    return generatePatchBatch(this.sequences, this.config, this.seed, index);
  }

  getState(): PatchSamplerState {
    return { seed: this.seed, nextIndex: this.nextIndex };
  }

  setState(state: PatchSamplerState): void {
    const seed = checkSeed(state?.seed);
    if (!Number.isSafeInteger(state.nextIndex) || state.nextIndex < 0)
      fail(`state.nextIndex must be a non-negative integer, got ${state.nextIndex}`);
    this.seed = seed;
    this.nextIndex = state.nextIndex;
  }
}
