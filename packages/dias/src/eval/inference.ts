// Whole-sequence inference: one DSA sequence in, the vessel probability map (H x W) out. The sequence is brought
// to the run's frame count (cubic B-spline along time, as the DIAS authors resampled their data) and z-scored
// over the whole sequence, as in training; then data/sliding-window.ts tiles it (official scheme by default:
// 64 x 64 patches every 32 pixels, overlaps averaged), the model predicts batches of patches under inference
// mode, and the softmax's class 1 is stitched back. Flip test-time augmentation (identity, left-right, up-down,
// both; averaged) is on by default: the official tester has none, but it costs only time and evens out the
// direction-dependent errors of a network trained on a few dozen sequences.
import { F, fromTypedArray, inferenceMode, scope, type Device, type Tensor } from '@dias-ts/torch';
import type { ModelSpec, SegmentationModel } from '../models/model-spec.js';
import { zscoreSequence } from '../data/preprocess.js';
import { resampleSequence } from '../data/temporal-resample.js';
import { slidingWindowSync, tileGrid, type BlendMode, type TilingMode } from '../data/sliding-window.js';
import type { DsaSequence } from '../data/sequence.js';

export interface PredictOptions {
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
  /** Called after every batch with patches done and the total. */
  onProgress?: (done: number, total: number) => void;
}

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

/** Patches [n][T][P][P] -> class-1 probabilities [n][P][P], averaged over the TTA flips. */
function patchPredictor(model: SegmentationModel, spec: ModelSpec, T: number, P: number, tta: boolean, device: Device) {
  const flips = tta ? TTA_FLIPS : TTA_FLIPS.slice(0, 1);
  return (patches: Float32Array, n: number): Float32Array =>
    inferenceMode(() =>
      scope(() => {
        // fromTypedArray copies, so the sliding window may refill its buffer afterwards.
        let x = fromTypedArray(patches, spec.kind === '2d' ? [n, T, P, P] : [n, 1, T, P, P]);
        if (device !== 'cpu') x = x.to(device);
        let sum: Tensor | null = null;
        for (const dims of flips) {
          const input = dims.length ? x.flip(dims) : x;
          const logits = model.forward(input);
          if (logits.shape.length !== 4 || logits.shape[0] !== n || logits.shape[2] !== P || logits.shape[3] !== P) {
            throw new Error(`${spec.name}: expected logits [${n}, classes, ${P}, ${P}], got [${logits.shape.join(', ')}]`);
          }
          // Two or more classes: softmax, class 1 is vessel; a single logit: sigmoid.
          let p = logits.shape[1] > 1 ? F.softmax(logits, 1).narrow(1, 1, 1) : F.sigmoid(logits);
          if (dims.length) p = p.flip(dims);
          sum = sum ? sum.add(p) : p;
        }
        const mean = flips.length > 1 ? sum!.div(flips.length) : sum!;
        return mean.to('cpu').contiguous().toTypedArray() as Float32Array;
      }),
    );
}

/**
 * The vessel probability of every pixel, Float32Array [H][W] (row-major). `seq` may be raw or already z-scored;
 * see prepareSequence. Puts the model in eval mode.
 */
export function predictSequence(model: SegmentationModel, spec: ModelSpec, seq: DsaSequence, options: PredictOptions = {}): Float32Array {
  const input = prepareSequence(seq, options.frames);
  const P = options.patchSize ?? 64;
  const stride = options.stride ?? 32;
  const tiling = options.tiling ?? 'official';
  if (P % spec.sizeMultiple !== 0) throw new Error(`${spec.name} needs patches whose side is a multiple of ${spec.sizeMultiple}, got ${P}`);
  model.eval();
  const predict = patchPredictor(model, spec, input.T, P, options.tta ?? true, options.device ?? 'cpu');
  const grid = tileGrid(input.H, input.W, P, stride, tiling);
  const total = grid.ys.length * grid.xs.length;
  let done = 0;
  const prob = slidingWindowSync(
    input.frames,
    input.T,
    input.H,
    input.W,
    (patches, n) => {
      const out = predict(patches, n);
      done += n;
      options.onProgress?.(done, total);
      return out;
    },
    { patchSize: P, stride, blend: options.blend, tiling, batchSize: options.batchSize ?? 16, channels: 1 },
  );
  return prob;
}

/** How many patches predictSequence will run for an H x W image (for progress totals). */
export function patchCount(H: number, W: number, options: Pick<PredictOptions, 'patchSize' | 'stride' | 'tiling'> = {}): number {
  const g = tileGrid(H, W, options.patchSize ?? 64, options.stride ?? 32, options.tiling ?? 'official');
  return g.ys.length * g.xs.length;
}
