// A no-training baseline for artery/vein segmentation (issue 20): thresholding the time to peak that
// `dias perfusion` computes (eval/perfusion.ts). Arteries fill before veins, so a pixel with a measurable bolus
// peak is called artery when it peaks before a threshold and vein after it; a pixel without a value (no
// measurable contrast, or a peak at the first or last frame) is background. The threshold is the one that gives
// the best mean of the artery and the vein DSC on the fitting splits (training and validation by default); the
// test split is then scored with it, per class as `dias test` scores an artery/vein model (metrics/class-metrics.ts,
// the class map as a one-hot probability, so AUC is that of a hard prediction). Not from the DIAS paper or code,
// which have no veins; the parametric-DSA literature colours vessels by time to peak in the same way.
//
// Frame times: the sequence's own (DICOM, a sidecar; in the DIAS layout images/image_s{n}.frame_times.json, which
// `dias synth --complete-run --layout dias` writes per run), else those `dias synth` records per sequence in the
// dataset's dataset.json (frameTimesMs), else none (an error naming the sequence). A dataset.json entry that is
// not a list of numbers, or whose count is not the sequence's, is an error naming dataset.json. A DIAS-layout
// sequence's first frame is the perfusion baseline, as `dias perfusion` takes it: in the synthetic DIAS-layout
// sequences of 4-9 frames it already holds some arterial contrast (the first frame is 0.3-1.1 s into the bolus),
// one reason this baseline misses proximal arteries there (a complete run's first frame is before the contrast);
// `coverage` reports the share of labelled vessel pixels that get a time to peak at all.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDiasDataset, type DiasSplit } from '../data/readers/dias-layout.js';
import { AV_VESSEL_CLASSES } from '../data/label-set.js';
import type { DsaSequence } from '../data/sequence.js';
import { perfusionMaps } from '../eval/perfusion.js';
import { arteryVeinConfusion, evaluateClasses, type ArteryVeinConfusion } from '../metrics/class-metrics.js';
import { summarizeMetrics, type MetricSummary } from '../metrics/aggregate.js';
import { METRIC_NAMES, type ImageMetrics, type MetricName } from '../metrics/metrics.js';

/** One sequence as the baseline sees it: its artery/vein label and its time-to-peak map (NaN: no value). */
export interface TtpSample {
  id: string;
  W: number;
  H: number;
  label: Uint8Array;
  ttp: Float32Array;
}

export interface TtpBaselineResult {
  /** The threshold (ms from the first frame) chosen on the fitting splits, and the mean DSC it gave there. */
  thresholdMs: number;
  fitDsc: number;
  fitSplits: DiasSplit[];
  split: DiasSplit;
  /** Per class (artery, vein): the metrics' mean and std over the test sequences. */
  classes: Record<string, MetricSummary<MetricName>>;
  confusion: MetricSummary<keyof ArteryVeinConfusion>;
  /** Of the labelled vessel pixels of the test split, the share that has a time to peak. */
  coverage: number;
  perCase: { id: string; classes: Record<string, ImageMetrics>; confusion: ArteryVeinConfusion }[];
}

/** The class map of a time-to-peak map: NaN background, before the threshold artery (1), else vein (2). */
export function ttpClassMap(ttp: Float32Array, thresholdMs: number): Uint8Array {
  return Uint8Array.from(ttp, (t) => (Number.isNaN(t) ? 0 : t < thresholdMs ? 1 : 2));
}

/** The frame times dias synth recorded for each sequence id in DIR/dataset.json, if there are any. */
function synthFrameTimes(dir: string): { path: string; times: Map<number, number[]> } {
  const path = join(dir, 'dataset.json');
  const out = new Map<number, number[]>();
  if (!existsSync(path)) return { path, times: out };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const sequences = (parsed as { sequences?: unknown }).sequences;
  if (!Array.isArray(sequences)) return { path, times: out };
  for (const s of sequences as { id?: unknown; frameTimesMs?: unknown }[]) {
    if (typeof s.id !== 'number' || s.frameTimesMs === undefined) continue;
    if (!Array.isArray(s.frameTimesMs) || !s.frameTimesMs.every((t) => typeof t === 'number' && Number.isFinite(t)))
      throw new Error(`${path}: sequence s${s.id}: frameTimesMs is not a list of numbers (ms)`);
    out.set(s.id, s.frameTimesMs as number[]);
  }
  return { path, times: out };
}

/** The baseline's view of every sequence of `splits`: the artery/vein label and the time-to-peak map. */
export function loadTtpSamples(dir: string, splits: readonly DiasSplit[]): TtpSample[] {
  const ds = openDiasDataset(dir);
  const { path, times } = synthFrameTimes(dir);
  const out: TtpSample[] = [];
  for (const split of splits) {
    for (const ref of ds.splits[split]) {
      const seq: DsaSequence = ds.load(ref, { frames: 'native', scribble: false, labels: 'av' });
      const fallback = seq.meta.frameTimes ? undefined : times.get(ref.id);
      if (fallback && fallback.length !== seq.T)
        throw new Error(`${path}: sequence s${ref.id}: ${fallback.length} frame times for its ${seq.T} frames`);
      const { maps } = perfusionMaps(seq, fallback ? { frameTimes: fallback } : {});
      out.push({ id: `s${ref.id}`, W: seq.W, H: seq.H, label: seq.label!, ttp: maps.ttp });
    }
  }
  return out;
}

/** Mean over samples of (artery DSC + vein DSC) / 2 at a threshold; an undefined DSC (no pixel either side) skipped. */
function meanDsc(samples: readonly TtpSample[], thresholdMs: number): number {
  let sum = 0,
    count = 0;
  for (const s of samples) {
    for (const { value } of AV_VESSEL_CLASSES) {
      let tp = 0,
        fp = 0,
        fn = 0;
      for (let i = 0; i < s.ttp.length; i++) {
        const t = s.ttp[i];
        const p = Number.isNaN(t) ? 0 : t < thresholdMs ? 1 : 2;
        const g = s.label[i];
        if (p === value && g === value) tp++;
        else if (p === value) fp++;
        else if (g === value) fn++;
      }
      if (tp + fp + fn > 0) {
        sum += (2 * tp) / (2 * tp + fp + fn);
        count++;
      }
    }
  }
  return count ? sum / count : NaN;
}

/** The threshold with the best mean artery/vein DSC over `samples`: every 1% quantile of their times to peak. */
export function fitTtpThreshold(samples: readonly TtpSample[]): { thresholdMs: number; dsc: number } {
  const values: number[] = [];
  for (const s of samples) for (const t of s.ttp) if (!Number.isNaN(t)) values.push(t);
  if (!values.length) throw new Error('time-to-peak baseline: no pixel of the fitting sequences has a time to peak');
  values.sort((a, b) => a - b);
  let best = { thresholdMs: values[0], dsc: -Infinity };
  for (let q = 1; q < 100; q++) {
    const thresholdMs = values[Math.floor((q / 100) * (values.length - 1))];
    const dsc = meanDsc(samples, thresholdMs);
    if (dsc > best.dsc) best = { thresholdMs, dsc };
  }
  return best;
}

/** Fits the threshold on `fitSplits` and scores `split` with it. */
export function ttpBaseline(dir: string, o: { fitSplits?: DiasSplit[]; split?: DiasSplit } = {}): TtpBaselineResult {
  const fitSplits = o.fitSplits ?? ['training', 'validation'];
  const split = o.split ?? 'test';
  const { thresholdMs, dsc } = fitTtpThreshold(loadTtpSamples(dir, fitSplits));
  const tests = loadTtpSamples(dir, [split]);
  if (!tests.length) throw new Error(`${dir}: no ${split} sequences`);
  let vessel = 0,
    timed = 0;
  const perCase = tests.map((s) => {
    const classMap = ttpClassMap(s.ttp, thresholdMs);
    const HW = s.W * s.H;
    const oneHot = new Float32Array(3 * HW);
    for (let i = 0; i < HW; i++) {
      oneHot[classMap[i] * HW + i] = 1;
      if (s.label[i]) {
        vessel++;
        if (!Number.isNaN(s.ttp[i])) timed++;
      }
    }
    const classes = evaluateClasses(oneHot, classMap, s.label, s.W, s.H, AV_VESSEL_CLASSES);
    return {
      id: s.id,
      classes: Object.fromEntries(Object.entries(classes).map(([k, v]) => [k, v.metrics])),
      confusion: arteryVeinConfusion(classMap, s.label),
    };
  });
  return {
    thresholdMs,
    fitDsc: dsc,
    fitSplits,
    split,
    classes: Object.fromEntries(
      AV_VESSEL_CLASSES.map(({ name }) => [
        name,
        summarizeMetrics(
          perCase.map((c) => c.classes[name]),
          METRIC_NAMES,
        ),
      ]),
    ),
    confusion: summarizeMetrics(
      perCase.map((c) => c.confusion),
      ['veinAsArtery', 'arteryAsVein'],
    ),
    coverage: timed / vessel,
    perCase,
  };
}
