// The written record of an evaluation: summary.json (nnU-Net-like: per case, mean, std, NaN counts, notes),
// metrics.csv (one row per case) and summary.md (a Markdown table for people). Every file is written atomically.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeMetrics } from '../metrics/aggregate.js';
import { writeFileAtomic } from '@dias-ts/torch';
import {
  DEGENERATE_CASES,
  METRIC_NAMES,
  type ConfusionCounts,
  type ImageMetrics,
  type MetricName,
} from '../metrics/metrics.js';

export interface CaseResult {
  /** Case identifier (e.g. the image or sequence name). */
  id: string;
  metrics: ImageMetrics;
  counts?: ConfusionCounts;
}

type CaseRow = { id: string } & Record<MetricName, number | null> & Partial<ConfusionCounts>;

export interface EvaluationSummary {
  metric_per_case: CaseRow[];
  mean: Record<MetricName, number | null>;
  std: Record<MetricName, number | null>;
  /** Per metric, how many cases had no value (null here, NaN in memory); those are left out of mean and std. */
  nan_counts: Record<MetricName, number>;
  n_cases: number;
  threshold: number;
  notes: string[];
  /** Anything the caller wants kept with the numbers (model, checkpoint, data set, ...). */
  [key: string]: unknown;
}

export interface ReportOptions {
  /** Binarisation threshold the metrics were computed at (default 0.5). */
  threshold?: number;
  /** Title of summary.md (default "Evaluation"). */
  title?: string;
  /** More notes, after the standard ones on degenerate cases. */
  notes?: string[];
  /** Extra top-level entries for summary.json (must not reuse the standard keys). */
  extra?: Record<string, unknown>;
}

/** The eight metrics for JSON, which has no NaN: an undefined metric becomes null. */
export function metricsOrNull(values: Record<MetricName, number>): Record<MetricName, number | null> {
  return Object.fromEntries(METRIC_NAMES.map((m) => [m, Number.isNaN(values[m]) ? null : values[m]])) as Record<
    MetricName,
    number | null
  >;
}

export function buildSummary(cases: readonly CaseResult[], options: ReportOptions = {}): EvaluationSummary {
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`evaluation report: case id '${c.id}' appears twice`);
    ids.add(c.id);
  }
  const stats = summarizeMetrics(
    cases.map((c) => c.metrics),
    METRIC_NAMES,
  );
  const standard = ['metric_per_case', 'mean', 'std', 'nan_counts', 'n_cases', 'threshold', 'notes'];
  const clash = Object.keys(options.extra ?? {}).find((k) => standard.includes(k));
  if (clash) throw new Error(`evaluation report: extra entry '${clash}' would overwrite a standard key`);
  return {
    ...options.extra,
    metric_per_case: cases.map((c) => ({ id: c.id, ...metricsOrNull(c.metrics), ...c.counts })),
    mean: metricsOrNull(stats.mean),
    std: metricsOrNull(stats.std),
    nan_counts: stats.nanCounts,
    n_cases: stats.n,
    threshold: options.threshold ?? 0.5,
    notes: ['null = undefined for that case (NaN).', ...DEGENERATE_CASES, ...(options.notes ?? [])],
  };
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per case: id, the eight metrics (full precision, NaN written as NaN), and the counts when known. */
export function metricsCsv(cases: readonly CaseResult[]): string {
  const withCounts = cases.length > 0 && cases.every((c) => c.counts !== undefined);
  const header = ['id', ...METRIC_NAMES, ...(withCounts ? ['tp', 'fp', 'fn', 'tn'] : [])];
  const lines = [header.join(',')];
  for (const c of cases) {
    const cells = [csvField(c.id), ...METRIC_NAMES.map((m) => String(c.metrics[m]))];
    if (withCounts) cells.push(String(c.counts!.tp), String(c.counts!.fp), String(c.counts!.fn), String(c.counts!.tn));
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

function fixed(v: number | null, digits = 4): string {
  return v === null ? 'NaN' : v.toFixed(digits);
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** Mean ± std per metric (4 decimals, as the paper's tables), then every case, then the notes. */
export function summaryMarkdown(summary: EvaluationSummary, title = 'Evaluation'): string {
  const out = [`# ${title}`, '', `${summary.n_cases} case(s), threshold ${summary.threshold}.`, ''];
  out.push(`| ${METRIC_NAMES.join(' | ')} |`, `|${METRIC_NAMES.map(() => ' --- |').join('')}`);
  out.push(`| ${METRIC_NAMES.map((m) => `${fixed(summary.mean[m])} ± ${fixed(summary.std[m])}`).join(' | ')} |`);
  const undefinedSomewhere = METRIC_NAMES.filter((m) => summary.nan_counts[m] > 0);
  if (undefinedSomewhere.length > 0) {
    out.push(
      '',
      `Undefined (left out of mean and std): ${undefinedSomewhere.map((m) => `${m} in ${summary.nan_counts[m]} case(s)`).join(', ')}.`,
    );
  }
  out.push(
    '',
    '## Per case',
    '',
    `| id | ${METRIC_NAMES.join(' | ')} |`,
    `| --- |${METRIC_NAMES.map(() => ' --- |').join('')}`,
  );
  for (const row of summary.metric_per_case)
    out.push(`| ${mdCell(row.id)} | ${METRIC_NAMES.map((m) => fixed(row[m])).join(' | ')} |`);
  out.push('', '## Notes', '', ...summary.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

export interface ReportFiles {
  summaryJson: string;
  metricsCsv: string;
  summaryMd: string;
}

/** Writes summary.json, metrics.csv and summary.md into `dir` (created if missing); returns their paths and the summary. */
export function writeEvaluationReport(
  dir: string,
  cases: readonly CaseResult[],
  options: ReportOptions = {},
): ReportFiles & { summary: EvaluationSummary } {
  const summary = buildSummary(cases, options);
  mkdirSync(dir, { recursive: true });
  const files: ReportFiles = {
    summaryJson: join(dir, 'summary.json'),
    metricsCsv: join(dir, 'metrics.csv'),
    summaryMd: join(dir, 'summary.md'),
  };
  writeFileAtomic(files.summaryJson, JSON.stringify(summary, null, 2) + '\n');
  writeFileAtomic(files.metricsCsv, metricsCsv(cases));
  writeFileAtomic(files.summaryMd, summaryMarkdown(summary, options.title));
  return { ...files, summary };
}
