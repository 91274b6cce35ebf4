// Testing a trained model on whole sequences of a DIAS split, as the official tester: each labelled sequence is
// predicted (predict/predictor.ts), thresholded at 0.5 and scored with the eight benchmark metrics; the report
// (summary.json, metrics.csv, summary.md) and every sequence's pictures go into one folder. The folder is built
// under a temporary name and swapped in at the end, so a failed or interrupted test leaves the previous results.
// A model trained on the artery/vein labels (labels 'av', beyond the paper) is tested against labels_av/: the main
// report scores the vessels (artery or vein: the class map's non-background pixels against the label's), the
// folders artery/ and vein/ hold the same report for each class (metrics/class-metrics.ts), and summary.json adds
// both classes' means and the artery/vein confusion (vein predicted as artery and the reverse, as fractions).
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openDiasDataset, type DiasDataset, type DiasSplit, type SequenceRef } from '../data/readers/dias-layout.js';
import type { ModelSpec, SegmentationModel } from '../models/model-spec.js';
import { writeCaseOutputs, type CaseFiles } from './case-outputs.js';
import { Predictor, type PredictorOptions } from '../predict/predictor.js';
import { evaluateImage, METRIC_NAMES, scorePrediction, type ImageMetrics } from '../metrics/metrics.js';
import { arteryVeinConfusion, evaluateClasses, type ArteryVeinConfusion } from '../metrics/class-metrics.js';
import { summarizeMetrics } from '../metrics/aggregate.js';
import { AV_LABEL_DIR } from '../data/readers/dias-layout.js';
import { AV_VESSEL_CLASSES, type LabelSet } from '../data/label-set.js';
import type { DsaSequence } from '../data/sequence.js';
import { writeClassOutputs, type ClassFiles } from './class-outputs.js';
import { writeEvaluationReport, type CaseResult, type EvaluationSummary, type ReportFiles } from './report.js';

export interface TestRunOptions extends PredictorOptions {
  dataDir: string;
  split: DiasSplit;
  /** Where the report and pictures go (replaced as a whole at the end). */
  outDir: string;
  threshold?: number;
  /** Kept in summary.json (model, checkpoint, ...). */
  extra?: Record<string, unknown>;
  title?: string;
  /** Before each sequence: its index, the count, and its id. */
  onCase?: (index: number, total: number, id: string) => void;
  /** Patches done of the current sequence. */
  onPatches?: (done: number, total: number) => void;
}

export interface TestedCase {
  id: string;
  metrics: ImageMetrics;
  seconds: number;
  files: CaseFiles & Partial<ClassFiles>;
  /** An artery/vein model's metrics of each vessel class, and the confusion between them. */
  classes?: Record<string, ImageMetrics>;
  confusion?: ArteryVeinConfusion;
}

export interface TestRunResult {
  summary: EvaluationSummary;
  report: ReportFiles;
  cases: TestedCase[];
  seconds: number;
}

/** The labelled sequences of a split; throws naming the folder when there are none or a label is missing. */
export function testSequences(
  dataDir: string,
  split: DiasSplit,
  labels: LabelSet = 'artery',
): { dataset: DiasDataset; refs: SequenceRef[] } {
  const dataset = openDiasDataset(dataDir);
  const refs = dataset.splits[split];
  if (refs.length === 0) throw new Error(`${dataDir}: no ${split} sequences`);
  const unlabelled = refs.filter((r) => (labels === 'av' ? !r.labelAv : !r.label));
  if (unlabelled.length)
    throw new Error(
      labels === 'av'
        ? `${dataDir}: ${split} sequence(s) without an artery/vein label (${split}/${AV_LABEL_DIR}/label_s{n}.png; the model was trained on them): ${unlabelled.map((r) => `s${r.id}`).join(', ')}`
        : `${dataDir}: ${split} sequence(s) without a label: ${unlabelled.map((r) => `s${r.id}`).join(', ')}`,
    );
  return { dataset, refs };
}

/** One sequence tested by an artery/vein model: the vessel result, each class's metrics and the class files. */
function testArteryVein(
  predictor: Predictor,
  seq: DsaSequence,
  id: string,
  staging: string,
  onPatches?: (done: number, total: number) => void,
): Omit<TestedCase, 'seconds'> & { counts: CaseResult['counts'] } {
  const label = seq.label!;
  const classes = predictor.predictClasses(seq, { onProgress: onPatches });
  const HW = seq.H * seq.W;
  const vessel = Float32Array.from(classes.probabilities.subarray(0, HW), (p) => 1 - p);
  const predicted = Uint8Array.from(classes.classMap, (c) => (c ? 1 : 0));
  const vesselLabel = Uint8Array.from(label, (c) => (c ? 1 : 0));
  const { metrics, counts } = scorePrediction(predicted, vessel, vesselLabel, seq.W, seq.H);
  const perClass = evaluateClasses(classes.probabilities, classes.classMap, label, seq.W, seq.H, AV_VESSEL_CLASSES);
  const files = {
    ...writeCaseOutputs(staging, id, seq, vessel, predicted, vesselLabel),
    ...writeClassOutputs(staging, id, seq, classes),
  };
  return {
    id,
    metrics,
    counts,
    files,
    classes: Object.fromEntries(Object.entries(perClass).map(([k, v]) => [k, v.metrics])),
    confusion: arteryVeinConfusion(classes.classMap, label),
  };
}

/** summary.json's additions for an artery/vein test: each class's mean and std, the confusion's. */
function arteryVeinSummary(tested: readonly TestedCase[]): Record<string, unknown> {
  const orNull = (v: number) => (Number.isNaN(v) ? null : v);
  const classes = Object.fromEntries(
    AV_VESSEL_CLASSES.map(({ name }) => {
      const s = summarizeMetrics(
        tested.map((c) => c.classes![name]),
        METRIC_NAMES,
      );
      const pick = (r: Record<string, number>) => Object.fromEntries(METRIC_NAMES.map((m) => [m, orNull(r[m])]));
      return [name, { mean: pick(s.mean), std: pick(s.std), report: `${name}/summary.json` }];
    }),
  );
  const keys = ['veinAsArtery', 'arteryAsVein'] as const;
  const c = summarizeMetrics(
    tested.map((t) => t.confusion!),
    keys,
  );
  return {
    labels: 'av',
    classes,
    confusion: {
      mean: { vein_as_artery: orNull(c.mean.veinAsArtery), artery_as_vein: orNull(c.mean.arteryAsVein) },
      std: { vein_as_artery: orNull(c.std.veinAsArtery), artery_as_vein: orNull(c.std.arteryAsVein) },
      per_case: tested.map((t) => ({
        id: t.id,
        vein_as_artery: orNull(t.confusion!.veinAsArtery),
        artery_as_vein: orNull(t.confusion!.arteryAsVein),
      })),
    },
  };
}

/**
 * The `--json` answer: mean and std per metric, and every case's metrics (null where undefined); for an
 * artery/vein model also each class's mean and std and the artery/vein confusion.
 */
export function testJson(summary: EvaluationSummary): {
  mean: EvaluationSummary['mean'];
  std: EvaluationSummary['std'];
  per_case: Record<string, unknown>[];
  classes?: unknown;
  confusion?: unknown;
} {
  return {
    mean: summary.mean,
    std: summary.std,
    per_case: summary.metric_per_case.map((row) =>
      Object.fromEntries([['id', row.id], ...METRIC_NAMES.map((m) => [m, row[m]])]),
    ),
    ...(summary.labels === 'av' ? { classes: summary.classes, confusion: summary.confusion } : {}),
  };
}

/** How a class's report was scored (its summary.md and summary.json carry it). */
const CLASS_NOTE =
  "One class of an artery/vein model: prediction = the class map's pixels of this class (the argmax over background, artery and vein; no threshold), ground truth = the label's; AUC on the class's probability.";

export async function testRun(model: SegmentationModel, spec: ModelSpec, o: TestRunOptions): Promise<TestRunResult> {
  const t0 = performance.now();
  const av = o.labels === 'av';
  const { dataset, refs } = testSequences(o.dataDir, o.split, o.labels);
  const threshold = o.threshold ?? 0.5;
  const parent = dirname(o.outDir);
  if (!existsSync(parent)) throw new Error(`${parent}: no such folder`);
  const staging = join(parent, `.${basename(o.outDir)}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  try {
    const results: CaseResult[] = [];
    const tested: TestedCase[] = [];
    const predictor = new Predictor(model, spec, o);
    for (const [k, ref] of refs.entries()) {
      const id = `s${ref.id}`;
      o.onCase?.(k, refs.length, id);
      const c0 = performance.now();
      const seq = dataset.load(ref, { frames: 'native', scribble: false, ...(av ? { labels: 'av' as const } : {}) });
      if (av) {
        const { counts, ...rest } = testArteryVein(predictor, seq, id, staging, o.onPatches);
        results.push({ id, metrics: rest.metrics, counts });
        tested.push({ ...rest, seconds: (performance.now() - c0) / 1000 });
        continue;
      }
      const prob = predictor.predict(seq, { onProgress: o.onPatches });
      const { metrics, counts, prediction } = evaluateImage(prob, seq.label!, seq.W, seq.H, { threshold });
      const files = writeCaseOutputs(staging, id, seq, prob, prediction, seq.label);
      results.push({ id, metrics, counts });
      tested.push({ id, metrics, seconds: (performance.now() - c0) / 1000, files });
    }
    const seconds = (performance.now() - t0) / 1000;
    const extra = {
      ...o.extra,
      data: o.dataDir,
      split: o.split,
      tta: o.tta ?? true,
      scheme: o.scheme ?? 'sliding',
      ...(o.scheme === 'whole'
        ? { tile: o.tileSize ?? 1024 }
        : { patch_size: o.patchSize ?? 64, stride: o.stride ?? 32, blend: o.blend ?? 'average' }),
      seconds: +seconds.toFixed(2),
      seconds_per_case: Object.fromEntries(tested.map((c) => [c.id, +c.seconds.toFixed(2)])),
      ...(av ? arteryVeinSummary(tested) : {}),
    };
    if (av) {
      for (const { name } of AV_VESSEL_CLASSES) {
        writeEvaluationReport(
          join(staging, name),
          tested.map((c) => ({ id: c.id, metrics: c.classes![name] })),
          { threshold, title: `${o.title ?? `Test on ${o.split}`}: ${name}`, notes: [CLASS_NOTE] },
        );
      }
    }
    const { summary } = writeEvaluationReport(staging, results, {
      threshold,
      title: o.title ?? `Test on ${o.split}`,
      extra,
    });
    // Swap the finished folder in; the previous results stay until this point.
    rmSync(o.outDir, { recursive: true, force: true });
    renameSync(staging, o.outDir);
    const relocate = (p: string) => join(o.outDir, basename(p));
    const cases = tested.map((c) => ({
      ...c,
      files: Object.fromEntries(
        Object.entries(c.files).map(([k, p]) => [k, relocate(p as string)]),
      ) as unknown as CaseFiles,
    }));
    const report = {
      summaryJson: join(o.outDir, 'summary.json'),
      metricsCsv: join(o.outDir, 'metrics.csv'),
      summaryMd: join(o.outDir, 'summary.md'),
    };
    return { summary, report, cases, seconds };
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
