// Whole-sequence prediction, the one place every part of DIAS-TS turns a DSA sequence into a vessel probability
// map: validation during training, `dias test`, `dias segment`, pseudo-labels and the server. Like nnU-Net's
// nnUNetPredictor it is a library object (a model plus its inference settings) with thin callers.
//
// A sequence is brought to the model's frame count (cubic B-spline along time, as the DIAS authors resampled
// their data) and z-scored over the whole sequence, as in training; then data/pipeline/sliding-window.ts tiles it
// (official scheme by default: 64 x 64 patches every 32 pixels, overlaps averaged), the model predicts batches of
// patches under inference mode, and the vessel probability (vessel-probability.ts) is stitched back. Flip
// test-time augmentation (identity, left-right, up-down, both; averaged) is on by default: the official tester
// has none, but it costs only time and evens out the direction-dependent errors of a network trained on a few
// dozen sequences. Validation turns it off and watches the tiles' logits (onTiles) for its loss and patch metrics.
//
// A model trained on the artery/vein label set (labels 'av', data/label-set.ts; beyond the paper) is read as class
// probabilities: the softmax over its three channels, averaged over the flips and stitched like the vessel map
// (predictClasses: the probability of each class and the argmax class map, 0 background, 1 artery, 2 vein).
// predict() of such a model is its vessel probability, 1 - p(background), so everything that wants a vessel map
// (validation's patch metrics, perfusion masks, the server) takes it unchanged.
//
// The 'whole' scheme (issue 19) predicts the whole frame in one forward pass (or tiles of up to tileSize pixels
// that overlap only to hide their borders, whole-image.ts): the models are fully convolutional, and one large
// input does the work of the 64 x 64 patches without their 4x overlap. It is the fast mode of `dias segment` and
// of the server; the official sliding window stays the default of `dias test`.
import { autocast, fromTypedArray, inferenceMode, scope, type Device, type Tensor } from '@dias-ts/torch';
import type { ModelSpec, SegmentationModel } from '../models/model-spec.js';
import { zscoreSequence } from '../data/pipeline/preprocess.js';
import { resampleSequence } from '../data/pipeline/temporal-resample.js';
import { slidingWindowSync, tileGrid, type BlendMode, type TilingMode } from '../data/pipeline/sliding-window.js';
import type { DsaSequence } from '../data/sequence.js';
import { classProbabilities, vesselProbability } from './vessel-probability.js';
import { labelSetClasses, type LabelSet } from '../data/label-set.js';
import { cutTile, wholeImageLayout } from './whole-image.js';

/** 'sliding': 64 x 64 patches every `stride` pixels (the official tester); 'whole': the whole frame at once. */
export type PredictionScheme = 'sliding' | 'whole';
export const PREDICTION_SCHEMES: readonly PredictionScheme[] = ['sliding', 'whole'];

export interface PredictorOptions {
  /** 'sliding' (default, the official patches) or 'whole' (whole-frame forward passes). */
  scheme?: PredictionScheme;
  /** 'whole': the largest tile side; larger frames are tiled (default 1024: an 800 x 800 frame is one tile). */
  tileSize?: number;
  /** 'whole': pixels of context a tile keeps beyond the part it contributes, where tiles meet (default 32). */
  margin?: number;
  /** Patch side (default 64, the official patch). */
  patchSize?: number;
  /** Distance between patch corners (default 32, the official stride). */
  stride?: number;
  /** How overlapping patches combine (default 'average', as the official recompone_overlap). */
  blend?: BlendMode;
  tiling?: TilingMode;
  /** Patches per forward pass (default 16). */
  batchSize?: number;
  /** Flip test-time augmentation (default true). */
  tta?: boolean;
  /** The frame count the model was trained with; a sequence with another count is resampled to it. */
  frames?: number;
  /** Where the model's weights are (default 'cpu'). */
  device?: Device;
  /**
   * 'float32' (default) or 'bfloat16': the forward pass under autocast (oneDNN's bfloat16 convolutions on CPUs
   * with AVX512-BF16; README: time and DSC against float32). The probability is computed in float32 either way.
   */
  precision?: 'float32' | 'bfloat16';
  /** The label set the model was trained on (its run's data.labels; default 'artery', the vessel probability). */
  labels?: LabelSet;
}

/** What predictClasses returns: the probability of each class and the most probable class of every pixel. */
export interface ClassPrediction {
  /** Classes (3 for 'av': background, artery, vein). */
  classes: number;
  H: number;
  W: number;
  /** [classes][H][W], row-major; the classes of a pixel sum to 1. */
  probabilities: Float32Array;
  /** [H][W] the argmax class (ties to the lower class), the label set's own numbers. */
  classMap: Uint8Array;
}

/**
 * Sees each batch of tiles as the model predicted it (un-flipped pass): the logits [n, C, P, P] on the model's
 * device, the index of the batch's first tile in the grid (row-major), and the stitched-in probabilities [n][P][P].
 * Called inside the prediction's scope: tensors made here are freed with it.
 */
export type TileObserver = (logits: Tensor, first: number, n: number, probability: Float32Array) => void;

export interface PredictCallbacks {
  /** After every batch: patches done and the total. */
  onProgress?: (done: number, total: number) => void;
  onTiles?: TileObserver;
}

/** PredictorOptions plus the callbacks of one call (what predictSequence takes). */
export type PredictOptions = PredictorOptions & Pick<PredictCallbacks, 'onProgress'>;

/**
 * The fast setting of `dias segment --fast` and the server's fast mode: the whole frame in one forward pass,
 * without TTA (README: the time and the DSC against the official sliding window).
 */
export const FAST_PREDICTION = { scheme: 'whole', tta: false } as const satisfies PredictorOptions;

/** The flips averaged by test-time augmentation: tensor dims of [..., H, W] to mirror. */
const TTA_FLIPS: readonly (readonly number[])[] = [[], [-1], [-2], [-2, -1]];

/**
 * The model's input: resampled to `frames` when given and different, then z-scored over the whole sequence
 * (skipped when the sequence already is and nothing was resampled; z-scoring twice changes nothing anyway).
 */
export function prepareSequence(seq: DsaSequence, frames?: number): DsaSequence {
  let s = seq;
  if (frames !== undefined && frames !== seq.T) {
    if (!Number.isInteger(frames) || frames < 1) throw new Error(`frames must be a positive integer, got ${frames}`);
    s = resampleSequence(seq, frames);
  }
  if (s === seq && seq.meta.normalised === 'zscore') return seq;
  return zscoreSequence(s);
}

/** A model with its inference settings. It does not own the model (the caller disposes of it). */
export class Predictor {
  readonly options: Readonly<Required<Omit<PredictorOptions, 'frames'>>> & { frames?: number };

  constructor(
    readonly model: SegmentationModel,
    readonly spec: ModelSpec,
    options: PredictorOptions = {},
  ) {
    this.options = {
      scheme: options.scheme ?? 'sliding',
      tileSize: options.tileSize ?? 1024,
      margin: options.margin ?? 32,
      patchSize: options.patchSize ?? 64,
      stride: options.stride ?? 32,
      blend: options.blend ?? 'average',
      tiling: options.tiling ?? 'official',
      batchSize: options.batchSize ?? 16,
      tta: options.tta ?? true,
      device: options.device ?? 'cpu',
      precision: options.precision ?? 'float32',
      labels: options.labels ?? 'artery',
      ...(options.frames !== undefined ? { frames: options.frames } : {}),
    };
    if (this.options.precision !== 'float32' && this.options.precision !== 'bfloat16')
      throw new Error(`precision must be float32 or bfloat16, got '${String(options.precision)}'`);
    if (!PREDICTION_SCHEMES.includes(this.options.scheme))
      throw new Error(`prediction scheme must be ${PREDICTION_SCHEMES.join(' or ')}, got '${String(options.scheme)}'`);
    if (this.options.scheme === 'whole') {
      if (spec.fixedSize)
        throw new Error(`${spec.name} resizes its input to a fixed size: predict it with the sliding window`);
      const { tileSize, margin } = this.options;
      if (!Number.isInteger(tileSize) || tileSize < spec.sizeMultiple)
        throw new Error(`tileSize must be an integer >= ${spec.sizeMultiple}, got ${tileSize}`);
      if (!Number.isInteger(margin) || margin < 0) throw new Error(`margin must be an integer >= 0, got ${margin}`);
      return;
    }
    const P = this.options.patchSize;
    if (P % spec.sizeMultiple !== 0)
      throw new Error(`${spec.name} needs patches whose side is a multiple of ${spec.sizeMultiple}, got ${P}`);
  }

  /** How many patches (tiles, for the whole scheme) predict() runs for an H x W image (for progress totals). */
  patchCount(H: number, W: number): number {
    if (this.options.scheme === 'whole') {
      const l = wholeImageLayout(H, W, this.options.tileSize, this.options.margin, this.spec.sizeMultiple);
      return l.ys.length * l.xs.length;
    }
    const g = tileGrid(H, W, this.options.patchSize, this.options.stride, this.options.tiling);
    return g.ys.length * g.xs.length;
  }

  /**
   * The vessel probability of every pixel, Float32Array [H][W] (row-major). `seq` may be raw or already z-scored;
   * see prepareSequence. Puts the model in eval mode.
   */
  predict(seq: DsaSequence, callbacks: PredictCallbacks = {}): Float32Array {
    if (this.options.labels === 'av') return vesselOfClasses(this.predictMap(seq, callbacks, 'classes'), seq.H * seq.W);
    return this.predictMap(seq, callbacks, 'vessel');
  }

  /**
   * The probability of each class and the class map of a model trained on a multi-class label set ('av'); the
   * same tiling, flips and resampling as predict().
   */
  predictClasses(seq: DsaSequence, callbacks: PredictCallbacks = {}): ClassPrediction {
    if (this.options.labels !== 'av')
      throw new Error(
        `${this.spec.name}: class maps need a model trained on the artery/vein labels (labels 'av'), this one has '${this.options.labels}'`,
      );
    const probabilities = this.predictMap(seq, callbacks, 'classes');
    const C = labelSetClasses('av');
    const HW = seq.H * seq.W;
    const classMap = new Uint8Array(HW);
    for (let i = 0; i < HW; i++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (probabilities[c * HW + i] > probabilities[best * HW + i]) best = c;
      classMap[i] = best;
    }
    return { classes: C, H: seq.H, W: seq.W, probabilities, classMap };
  }

  /** The stitched map: [H][W] vessel probability, or [C][H][W] class probabilities. */
  private predictMap(seq: DsaSequence, callbacks: PredictCallbacks, output: MapOutput): Float32Array {
    const input = prepareSequence(seq, this.options.frames);
    const { patchSize: P, stride, tiling, blend, batchSize } = this.options;
    this.model.eval();
    if (this.options.scheme === 'whole') return this.predictWhole(input, callbacks, output);
    const total = this.patchCount(input.H, input.W);
    const channels = output === 'classes' ? labelSetClasses(this.options.labels) : 1;
    let done = 0;
    return slidingWindowSync(
      input.frames,
      input.T,
      input.H,
      input.W,
      (patches, n) => {
        const out = this.predictPatches(patches, n, input.T, done, output, callbacks.onTiles);
        done += n;
        callbacks.onProgress?.(done, total);
        return out;
      },
      { patchSize: P, stride, blend, tiling, batchSize, channels },
    );
  }

  /** The whole scheme: each tile in one forward pass, its kept part copied into the map. */
  private predictWhole(input: DsaSequence, callbacks: PredictCallbacks, output: MapOutput): Float32Array {
    if (callbacks.onTiles) throw new Error('onTiles needs the sliding-window scheme');
    const C = output === 'classes' ? labelSetClasses(this.options.labels) : 1;
    const { T, H, W, frames } = input;
    const { tileH, tileW, ys, xs } = wholeImageLayout(
      H,
      W,
      this.options.tileSize,
      this.options.margin,
      this.spec.sizeMultiple,
    );
    const out = new Float32Array(C * H * W);
    // A frame whose sides are already multiples of the model's is its own single tile: no copy to cut it
    // (an 800x800x8 sequence: 15-30 ms of a click).
    const whole = ys.length === 1 && xs.length === 1 && tileH === H && tileW === W;
    const tile = whole ? frames : new Float32Array(T * tileH * tileW);
    const total = ys.length * xs.length;
    let done = 0;
    for (const y of ys) {
      for (const x of xs) {
        if (!whole) cutTile(frames, T, H, W, y.start, x.start, tileH, tileW, tile);
        const p = this.predictPatches(tile, 1, T, done, output, undefined, tileH, tileW);
        for (let c = 0; c < C; c++) {
          for (let r = y.keepFrom; r < y.keepTo; r++) {
            const src = c * tileH * tileW + (r - y.start) * tileW + (x.keepFrom - x.start);
            out.set(p.subarray(src, src + (x.keepTo - x.keepFrom)), c * H * W + r * W + x.keepFrom);
          }
        }
        done++;
        callbacks.onProgress?.(done, total);
      }
    }
    return out;
  }

  /**
   * Patches [n][T][h][w] (default P x P) -> vessel probabilities [n][h][w] or class probabilities [n][C][h][w],
   * averaged over the TTA flips. onTiles sees the vessel probability either way.
   */
  private predictPatches(
    patches: Float32Array,
    n: number,
    T: number,
    first: number,
    output: MapOutput,
    onTiles?: TileObserver,
    h: number = this.options.patchSize,
    w: number = this.options.patchSize,
  ): Float32Array {
    const { device, tta, precision } = this.options;
    const flips = tta ? TTA_FLIPS : TTA_FLIPS.slice(0, 1);
    return inferenceMode(() =>
      scope(() => {
        // fromTypedArray copies, so the sliding window may refill its buffer afterwards.
        let x = fromTypedArray(patches, this.spec.kind === '2d' ? [n, T, h, w] : [n, 1, T, h, w]);
        if (device !== 'cpu') x = x.to(device);
        let sum: Tensor | null = null;
        let plain: Tensor | null = null;
        for (const dims of flips) {
          const input = dims.length ? x.flip(dims) : x;
          const logits =
            precision === 'bfloat16'
              ? autocast(device === 'cpu' ? 'cpu' : 'cuda', () => this.model.forward(input), 'bfloat16')
              : this.model.forward(input);
          if (logits.shape.length !== 4 || logits.shape[0] !== n || logits.shape[2] !== h || logits.shape[3] !== w) {
            throw new Error(
              `${this.spec.name}: expected logits [${n}, classes, ${h}, ${w}], got [${logits.shape.join(', ')}]`,
            );
          }
          if (!dims.length) plain = logits;
          let p = output === 'classes' ? classProbabilities(logits) : vesselProbability(logits);
          if (dims.length) p = p.flip(dims);
          sum = sum ? sum.add(p) : p;
        }
        const mean = flips.length > 1 ? sum!.div(flips.length) : sum!;
        const probability = mean.to('cpu').contiguous().toTypedArray() as Float32Array;
        if (onTiles) {
          const C = output === 'classes' ? probability.length / (n * h * w) : 1;
          onTiles(plain!, first, n, C > 1 ? vesselOfClasses(probability, h * w, n) : probability);
        }
        return probability;
      }),
    );
  }
}

/** 'vessel': one probability per pixel (predict()); 'classes': one per class and pixel (predictClasses()). */
type MapOutput = 'vessel' | 'classes';

/**
 * The vessel probability 1 - p(background) of class probabilities [n][C][HW] (n maps of C classes, class 0 the
 * background) -> [n][HW].
 */
function vesselOfClasses(probabilities: Float32Array, HW: number, n = 1): Float32Array {
  const C = probabilities.length / (n * HW);
  const out = new Float32Array(n * HW);
  for (let k = 0; k < n; k++) {
    const base = k * C * HW;
    for (let i = 0; i < HW; i++) out[k * HW + i] = 1 - probabilities[base + i];
  }
  return out;
}

/** One-off prediction: a Predictor for this call (see Predictor.predict). */
export function predictSequence(
  model: SegmentationModel,
  spec: ModelSpec,
  seq: DsaSequence,
  options: PredictOptions = {},
): Float32Array {
  const { onProgress, ...settings } = options;
  return new Predictor(model, spec, settings).predict(seq, { onProgress });
}
