// Validation during training. Each validation sequence is tiled as the official Test_dataset.get_patch does (zero
// padding at the bottom and right, P x P tiles every `stride` pixels) and the predictor (predict/predictor.ts, no
// test-time flips) predicts the tiles in eval mode without autograd. From the same predictions come
//   - image-level metrics (our default for choosing checkpoint_best): the tiles' vessel probabilities stitched
//     back into one map per sequence (overlaps averaged, padding cut), evaluated by evaluateImage, averaged over
//     the sequences (NaN-skipping);
//   - patch-level metrics, the official validation (trainer._valid_epoch + utils/metrics.get_metrics): the tiles
//     taken in batches of `batchSize`, each batch's pixels pooled into one set of DSC (2PR/(P+R)), Acc, Sen, Spe,
//     IoU and AUC (1 when the batch has no vessel or the prediction is all 0), averaged over batches. The official
//     loader shuffles the tiles of all sequences each epoch; we batch them in order (sequence by sequence), so the
//     grouping is fixed from epoch to epoch;
//   - the validation loss: the training loss of each forward batch, averaged over batches.
// A run on the artery/vein labels (labels 'av', beyond the paper) is scored per class on the class map
// (metrics/class-metrics.ts); a sequence's image-level metrics are the mean of its artery and vein metrics, so the
// checkpoint choice weighs both classes alike. Its patch-level metrics score the vessels (artery or vein) against
// the vessel probability 1 - p(background), and its loss is the 3-class training loss.
import { fromTypedArray, type Tensor } from '@dias-ts/torch';
import type { ModelSpec, SegmentationModel } from '../models/model-spec.js';
import type { DsaSequence } from '../data/sequence.js';
import { tileGrid, type BlendMode, type TileGrid } from '../data/pipeline/sliding-window.js';
import { Predictor } from '../predict/predictor.js';
import { evaluateImage, METRIC_NAMES, type ImageMetrics } from '../metrics/metrics.js';
import { summarizeMetrics, type MetricSummary } from '../metrics/aggregate.js';
import { rocAuc } from '../metrics/roc-auc.js';
import { dcAndCeLoss } from './losses/index.js';
import { evaluateClasses } from '../metrics/class-metrics.js';
import { AV_VESSEL_CLASSES, type LabelSet } from '../data/label-set.js';

export const PATCH_METRIC_NAMES = ['DSC', 'Acc', 'Sen', 'Spe', 'IoU', 'AUC'] as const;
export type PatchMetricName = (typeof PATCH_METRIC_NAMES)[number];

export interface ValidationSequence {
  id: string;
  T: number;
  H: number;
  W: number;
  /** Normalised frames [T][H][W]. */
  frames: Float32Array;
  /** 0/1 vessel label [H][W] (0/1/2 with the artery/vein label set). */
  label: Uint8Array;
}

export interface ValidationOptions {
  patchSize: number;
  stride: number;
  batchSize: number;
  blend: BlendMode;
  threshold: number;
  device: string;
  /** The run's label set (default 'artery'). */
  labels?: LabelSet;
}

export interface ValidationResult {
  image: MetricSummary<(typeof METRIC_NAMES)[number]>;
  patch: MetricSummary<PatchMetricName>;
  loss: number;
  /** Image-level metrics of each sequence, in order. */
  perSequence: { id: string; metrics: ImageMetrics }[];
}

/** Copies label tiles [first, first + n) of the grid (zero outside the image) into out [n][P][P]. */
function cutLabelTiles(
  label: Uint8Array,
  H: number,
  W: number,
  grid: TileGrid,
  P: number,
  first: number,
  n: number,
  out: Uint8Array,
): void {
  const nx = grid.xs.length;
  out.fill(0, 0, n * P * P);
  for (let k = 0; k < n; k++) {
    const y0 = grid.ys[Math.floor((first + k) / nx)];
    const x0 = grid.xs[(first + k) % nx];
    const w = Math.max(0, Math.min(P, W - x0));
    for (let i = 0; i < P && y0 + i < H; i++)
      out.set(label.subarray((y0 + i) * W + x0, (y0 + i) * W + x0 + w), (k * P + i) * P);
  }
}

/** Pools tiles into batches of a fixed size and scores each batch as the official get_metrics. */
class PatchMetricBatches {
  private readonly prob: Float32Array;
  private readonly label: Uint8Array;
  private filled = 0;
  readonly results: Record<PatchMetricName, number>[] = [];

  constructor(
    private readonly batchSize: number,
    private readonly tilePixels: number,
    private readonly threshold: number,
  ) {
    this.prob = new Float32Array(batchSize * tilePixels);
    this.label = new Uint8Array(batchSize * tilePixels);
  }

  add(prob: Float32Array, label: Uint8Array, n: number): void {
    for (let k = 0; k < n; k++) {
      const src = k * this.tilePixels;
      this.prob.set(prob.subarray(src, src + this.tilePixels), this.filled * this.tilePixels);
      this.label.set(label.subarray(src, src + this.tilePixels), this.filled * this.tilePixels);
      if (++this.filled === this.batchSize) this.score();
    }
  }

  /** Scores a last partial batch (the official loader keeps it: drop_last False). */
  finish(): void {
    if (this.filled > 0) this.score();
  }

  private score(): void {
    const threshold = this.threshold;
    const n = this.filled * this.tilePixels;
    const prob = this.prob.subarray(0, n);
    const label = this.label.subarray(0, n);
    let tp = 0,
      fp = 0,
      fn = 0,
      anyTarget = false,
      anyPrediction = false;
    for (let i = 0; i < n; i++) {
      const p = prob[i] >= threshold ? 1 : 0;
      const g = label[i];
      if (g) anyTarget = true;
      if (prob[i] !== 0) anyPrediction = true;
      tp += p & g;
      fp += p & (g ^ 1);
      fn += (p ^ 1) & g;
    }
    const tn = n - tp - fp - fn;
    const pre = tp / (tp + fp);
    const sen = tp / (tp + fn);
    this.results.push({
      DSC: (2 * pre * sen) / (pre + sen),
      Acc: (tp + tn) / n,
      Sen: sen,
      Spe: tn / (tn + fp),
      IoU: tp / (tp + fp + fn),
      AUC: !anyTarget || !anyPrediction ? 1 : rocAuc(prob, label),
    });
    this.filled = 0;
  }
}

/**
 * The validation loss of one batch of tiles: the fsl training loss, on the first two classes of 3-class networks
 * trained on vessels (the weak-supervision ones), on all classes of an artery/vein network.
 */
function tileLoss(logits: Tensor, labels: Uint8Array, n: number, P: number, allClasses: boolean): number {
  const target = fromTypedArray(labels.subarray(0, n * P * P), [n, P, P]).to({ device: logits.device, dtype: 'int64' });
  const twoClass = logits.shape[1] > 2 && !allClasses ? logits.narrow(1, 0, 2) : logits;
  return dcAndCeLoss(twoClass, target).loss.item();
}

/** The mean of the artery and vein metrics of one sequence (NaN-skipping, as the summaries). */
function classMean(perClass: Record<string, { metrics: ImageMetrics }>): ImageMetrics {
  const rows = AV_VESSEL_CLASSES.map((c) => perClass[c.name].metrics);
  return summarizeMetrics(rows, METRIC_NAMES).mean;
}

/** Validates `model` (put in eval mode here) on whole sequences; onSequence is called after each one. */
export function validate(
  model: SegmentationModel,
  spec: ModelSpec,
  sequences: readonly ValidationSequence[],
  o: ValidationOptions,
  onSequence?: (done: number) => void,
): ValidationResult {
  const P = o.patchSize;
  const av = o.labels === 'av';
  const predictor = new Predictor(model, spec, {
    labels: o.labels ?? 'artery',
    patchSize: P,
    stride: o.stride,
    batchSize: o.batchSize,
    blend: o.blend,
    tiling: 'official',
    tta: false,
    device: o.device,
  });
  const patchMetrics = new PatchMetricBatches(o.batchSize, P * P, o.threshold);
  const losses: number[] = [];
  const perSequence: { id: string; metrics: ImageMetrics }[] = [];
  for (const s of sequences) {
    const grid = tileGrid(s.H, s.W, P, o.stride, 'official');
    const labels = new Uint8Array(Math.min(o.batchSize, grid.ys.length * grid.xs.length) * P * P);
    const sequence: DsaSequence = {
      id: s.id,
      source: `validation sequence ${s.id}`,
      frames: s.frames,
      T: s.T,
      H: s.H,
      W: s.W,
      meta: { normalised: 'zscore' },
    };
    const onTiles = (logits: Tensor, first: number, n: number, probability: Float32Array) => {
      cutLabelTiles(s.label, s.H, s.W, grid, P, first, n, labels);
      losses.push(tileLoss(logits, labels, n, P, av));
      // The patch metrics score vessels against vessels: an artery/vein label's classes both count as 1.
      if (av) for (let i = 0; i < n * P * P; i++) labels[i] = labels[i] ? 1 : 0;
      patchMetrics.add(probability, labels, n);
    };
    if (av) {
      const { probabilities, classMap } = predictor.predictClasses(sequence, { onTiles });
      const perClass = evaluateClasses(probabilities, classMap, s.label, s.W, s.H, AV_VESSEL_CLASSES);
      perSequence.push({ id: s.id, metrics: classMean(perClass) });
    } else {
      const map = predictor.predict(sequence, { onTiles });
      perSequence.push({
        id: s.id,
        metrics: evaluateImage(map, s.label, s.W, s.H, { threshold: o.threshold }).metrics,
      });
    }
    onSequence?.(perSequence.length);
  }
  patchMetrics.finish();
  return {
    image: summarizeMetrics(
      perSequence.map((p) => p.metrics),
      METRIC_NAMES,
    ),
    patch: summarizeMetrics(patchMetrics.results, PATCH_METRIC_NAMES),
    loss: losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length),
    perSequence,
  };
}
