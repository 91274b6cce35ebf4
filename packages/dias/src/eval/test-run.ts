// Testing a trained model on whole sequences of a DIAS split, as the official tester: each labelled sequence is
// predicted (predict/predictor.ts), thresholded at 0.5 and scored with the eight benchmark metrics; the report
// (summary.json, metrics.csv, summary.md) and every sequence's pictures go into one folder. The folder is built
// under a temporary name and swapped in at the end, so a failed or interrupted test leaves the previous results.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openDiasDataset, type DiasDataset, type DiasSplit, type SequenceRef } from '../data/readers/dias-layout.js';
import type { ModelSpec, SegmentationModel } from '../models/model-spec.js';
import { writeCaseOutputs, type CaseFiles } from './case-outputs.js';
import { Predictor, type PredictorOptions } from '../predict/predictor.js';
import { evaluateImage, METRIC_NAMES, type ImageMetrics } from '../metrics/metrics.js';
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
  files: CaseFiles;
}

export interface TestRunResult {
  summary: EvaluationSummary;
  report: ReportFiles;
  cases: TestedCase[];
  seconds: number;
}

/** The labelled sequences of a split; throws naming the folder when there are none or a label is missing. */
export function testSequences(dataDir: string, split: DiasSplit): { dataset: DiasDataset; refs: SequenceRef[] } {
  const dataset = openDiasDataset(dataDir);
  const refs = dataset.splits[split];
  if (refs.length === 0) throw new Error(`${dataDir}: no ${split} sequences`);
  const unlabelled = refs.filter((r) => !r.label);
  if (unlabelled.length)
    throw new Error(
      `${dataDir}: ${split} sequence(s) without a label: ${unlabelled.map((r) => `s${r.id}`).join(', ')}`,
    );
  return { dataset, refs };
}

/** The `--json` answer: mean and std per metric, and every case's metrics (null where undefined). */
export function testJson(summary: EvaluationSummary): {
  mean: EvaluationSummary['mean'];
  std: EvaluationSummary['std'];
  per_case: Record<string, unknown>[];
} {
  return {
    mean: summary.mean,
    std: summary.std,
    per_case: summary.metric_per_case.map((row) =>
      Object.fromEntries([['id', row.id], ...METRIC_NAMES.map((m) => [m, row[m]])]),
    ),
  };
}

export async function testRun(model: SegmentationModel, spec: ModelSpec, o: TestRunOptions): Promise<TestRunResult> {
  const t0 = performance.now();
  const { dataset, refs } = testSequences(o.dataDir, o.split);
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
      const seq = dataset.load(ref, { frames: 'native', scribble: false });
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
    };
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
