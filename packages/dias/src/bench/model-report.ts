// `dias bench report`: several models or training recipes trained with one budget on one dataset, each tested on
// whole sequences, and a Markdown table in the manner of the DIAS paper's tables (mean ± std per metric, the best
// of each group in bold), with a bar chart of DSC and a panel of error maps:
//   models              Table 2: models grouped by category 2d / 3d / 3d->2d (recipe fsl);
//   --recipes           Table 3: the training recipes on one model, full supervision next to the scribble methods;
//   --ablation sscr     Table 4: SSCR's parts switched on one by one (pCE; + self-training; + cross pseudo
//                       supervision; + consistency).
//
// "Best": the highest mean for DSC, Acc, Sen, Spe, IoU, AUC and clDice; for VC (components of the prediction over
// components of the label) the mean closest to 1, the value of a prediction as connected as the label.
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { DiasSplit } from '../data/readers/dias-layout.js';
import { errorMap, stretchedGrayToRgb, tilePanel } from '../eval/pictures.js';
import { METRIC_NAMES, type MetricName } from '../metrics/metrics.js';
import { testRun } from '../eval/test-run.js';
import { pairedBootstrap } from '../metrics/paired-bootstrap.js';
import type { EvaluationSummary } from '../eval/report.js';
import { writeFileAtomic } from '@dias-ts/torch';
import { renderBarChart } from '../image/bar-chart.js';
import { drawText, textHeight, textWidth } from '../image/bitmap-font.js';
import { RgbCanvas, type Rgb } from '../image/rgb-canvas.js';
import { readGrayPng, writeRgbPng, type RgbImage } from '../image/png.js';
import type { ModelKind, ModelOptions } from '../models/model-spec.js';
import { findModel } from '../models/registry.js';
import { minIntensityProjection } from '../data/pipeline/preprocess.js';
import { openDiasDataset } from '../data/readers/dias-layout.js';
import { defaultTrainConfig, finalizeTrainConfig, type TrainConfig } from '../train/config.js';
import { loadRunModel, readLog, runPath } from '../train/run-folder.js';
import { trainRun, type TrainEvents } from '../train/index.js';
import { findRecipe } from '../train/recipes/index.js';
import { finishedRunDifferences, reuseLine } from './run-reuse.js';

export interface BenchBudget {
  epochs: number;
  patchesPerEpoch: number;
  batchSize: number;
}

export interface ModelReportOptions {
  dataDir: string;
  models: string[];
  /** Training recipes to compare (default ['fsl']): each is trained on each model. */
  recipes?: string[];
  /** An ablation instead: 'sscr' trains SSCR's parts one by one on each model. */
  ablation?: 'sscr';
  /** Scribble sets (data.scribbles) to train every scribble row on, one row each; full supervision once. Default:
   * the base config's one set. */
  scribbles?: string[];
  budget: BenchBudget;
  /** The report's path (report.md); the figures go beside it. */
  out: string;
  /** Where the run folders go (default: <out without .md>-runs/). */
  runsDir?: string;
  /**
   * Settings every run starts from. Default: the training defaults, with the learning-rate schedule counted in
   * updates (the official count runs one epoch ahead, which wastes one of a few epochs).
   */
  baseConfig?: TrainConfig;
  /** Overrides of train.threads and train.device. */
  threads?: number;
  device?: 'cpu' | 'cuda';
  /** Constructor options per model name (as given in `models`). */
  modelOptions?: Record<string, ModelOptions>;
  split?: DiasSplit;
  tta?: boolean;
  stride?: number;
  /** Keep a finished run whose saved config equals the one this report would train, instead of retraining it. */
  reuse?: boolean;
  /**
   * Train every row this many times, with train.seed, seed + 1, ... (initialisation, patch draws, augmentation);
   * the table then shows the mean over seeds ± the spread between seeds, and paired differences between rows.
   */
  seeds?: number;
  /** Each run's training events (the command's progress bars), given the report's log indented for the run. */
  events?: (log: (line: string) => void) => TrainEvents;
  log?: (line: string) => void;
}

export interface ModelRow {
  /** Official name. */
  model: string;
  kind: ModelKind;
  /** The row's name when it is not the model's (a recipe, an ablation step). */
  label?: string;
  /** The group whose best is marked, when not the model's kind (full / scribble supervision, an ablation). */
  group?: string;
  recipe?: string;
  options: ModelOptions;
  parameters: number;
  epochs: number;
  trainSeconds: number;
  testSeconds: number;
  runDir: string;
  /** Over the seeds when there are several: mean of their means, std between them (seedSummaries keeps each). */
  summary: EvaluationSummary;
  seedSummaries: EvaluationSummary[];
  reused: boolean;
}

export interface ReportMeta {
  dataDir: string;
  split: DiasSplit;
  budget: BenchBudget;
  frames: number;
  patchSize: number;
  tta: boolean;
  stride: number;
  threshold: number;
  /** Relative paths of the pictures, as the report links them. */
  figures: { chart?: string; errors?: string; errorsCase?: string };
  notes?: string[];
  /** Title and the name of the row column, for recipe and ablation reports. */
  title?: string;
  rowHeader?: string;
}

/** One training run of the report. */
export interface BenchEntry {
  label: string;
  group?: string;
  model: string;
  recipe: string;
  /** Settings of this entry beyond the recipe (ablation switches). */
  settings?: (c: TrainConfig) => void;
}

/** SSCR's parts one by one, as the paper's Table 4. */
const SSCR_ABLATION: readonly {
  label: string;
  pseudoLabels: TrainConfig['sscr']['pseudoLabels'];
  consistency: TrainConfig['sscr']['consistency'];
}[] = [
  { label: 'pCE', pseudoLabels: 'none', consistency: 'none' },
  { label: '+ self-training', pseudoLabels: 'self', consistency: 'none' },
  { label: '+ cross pseudo supervision', pseudoLabels: 'cross', consistency: 'none' },
  { label: '+ consistency (SSCR)', pseudoLabels: 'cross', consistency: 'probability' },
];

/** The runs a report trains: models (Table 2), recipes x models (Table 3) or SSCR's ablation (Table 4). */
export function benchEntries(
  o: Pick<ModelReportOptions, 'models' | 'recipes' | 'ablation' | 'scribbles'>,
): BenchEntry[] {
  const sets = o.scribbles ?? [];
  if (sets.length > 1) {
    // Set by set, so that neighbouring rows (SSCR after pCE) learn from the same scribbles; fsl once, first.
    const single = benchEntries({ ...o, scribbles: undefined });
    const full = single.filter((e) => e.recipe === 'fsl');
    const weak = single.filter((e) => e.recipe !== 'fsl');
    return [
      ...full,
      ...sets.flatMap((set) =>
        weak.map((e) => ({
          ...e,
          label: `${e.label} (${set})`,
          group: `${e.group ?? 'scribble'} ${set}`,
          settings: (c: TrainConfig) => {
            e.settings?.(c);
            c.data.scribbles = set;
          },
        })),
      ),
    ];
  }
  if (o.ablation === 'sscr') {
    return o.models.flatMap((model) =>
      SSCR_ABLATION.map((step) => ({
        label: o.models.length > 1 ? `${step.label} / ${model}` : step.label,
        group: 'sscr ablation',
        model,
        recipe: 'sscr',
        settings: (c: TrainConfig) => {
          c.sscr.pseudoLabels = step.pseudoLabels;
          c.sscr.consistency = step.consistency;
        },
      })),
    );
  }
  const recipes = o.recipes ?? ['fsl'];
  if (recipes.length === 1 && recipes[0] === 'fsl')
    return o.models.map((model) => ({ label: model, model, recipe: 'fsl' }));
  return o.models.flatMap((given) =>
    recipes.map((recipe) => {
      // A recipe defined on one architecture (DMPLS: UNet_CCT) trains it, whatever the other rows train.
      const own = findRecipe(recipe).model;
      const model = own ?? given;
      const name = own && findModel(given).name !== own ? `${recipe} (${own})` : recipe;
      return {
        label: o.models.length > 1 ? `${name} / ${given}` : name,
        group: recipe === 'fsl' ? 'full' : 'scribble',
        model,
        recipe,
      };
    }),
  );
}

const KIND_ORDER: ModelKind[] = ['2d', '3d', '3d->2d'];
/** Category names as the pictures' font can write them, and their colours. */
const KIND_LABEL: Record<ModelKind, string> = { '2d': '2D', '3d': '3D', '3d->2d': '3D TO 2D' };
const KIND_COLORS: Record<string, Rgb> = {
  '2D': [31, 119, 180],
  '3D': [255, 127, 14],
  '3D TO 2D': [44, 160, 44],
  FULL: [31, 119, 180],
  SCRIBBLE: [44, 160, 44],
  'SSCR ABLATION': [255, 127, 14],
};
const rowName = (r: Pick<ModelRow, 'model' | 'label'>) => r.label ?? r.model;
const rowGroup = (r: Pick<ModelRow, 'kind' | 'group'>) => r.group ?? r.kind;

/** A picture with a caption above it (black on white, the pictures' 3x5 font at scale 2). */
function captioned(image: RgbImage, caption: string): RgbImage {
  const s = 2;
  const top = textHeight(s) + 6 * s;
  const canvas = new RgbCanvas(image.width, image.height + top, [255, 255, 255]);
  drawText(canvas, caption, Math.max(0, (image.width - textWidth(caption, s)) >> 1), 3 * s, [30, 30, 30], s);
  canvas.data.set(image.data, top * image.width * 3);
  return canvas.toImage();
}

/** Whether a beats b for this metric (see the file comment); NaN never wins. */
export function better(metric: MetricName, a: number | null, b: number | null): boolean {
  if (a === null || !Number.isFinite(a)) return false;
  if (b === null || !Number.isFinite(b)) return true;
  return metric === 'VC' ? Math.abs(a - 1) < Math.abs(b - 1) : a > b;
}

/** The groups of the rows in table order: the model categories, then any other group in order of appearance. */
function groupOrder(rows: readonly Pick<ModelRow, 'kind' | 'group'>[]): string[] {
  const groups = [...new Set(rows.map(rowGroup))];
  return [
    ...KIND_ORDER.filter((k) => groups.includes(k)),
    ...groups.filter((g) => !(KIND_ORDER as string[]).includes(g)),
  ];
}

function orderedRows<R extends Pick<ModelRow, 'kind' | 'group'>>(rows: readonly R[]): R[] {
  return groupOrder(rows).flatMap((g) => rows.filter((r) => rowGroup(r) === g));
}

/** Per group (category) and metric, the row(s) with the best mean (ties all win); keyed by row name. */
export function bestPerCategory(
  rows: readonly Pick<ModelRow, 'model' | 'kind' | 'summary' | 'label' | 'group'>[],
): Map<string, Set<MetricName>> {
  const out = new Map<string, Set<MetricName>>(rows.map((r) => [rowName(r), new Set<MetricName>()]));
  for (const name of groupOrder(rows)) {
    const group = rows.filter((r) => rowGroup(r) === name);
    for (const m of METRIC_NAMES) {
      let best: number | null = null;
      for (const r of group) if (better(m, r.summary.mean[m], best)) best = r.summary.mean[m];
      if (best === null) continue;
      for (const r of group) if (r.summary.mean[m] === best) out.get(rowName(r))!.add(m);
    }
  }
  return out;
}

const fixed = (v: number | null) => (v === null ? 'NaN' : v.toFixed(4));

function formatSeconds(s: number): string {
  return s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`;
}

/** A metric per seed and case, cases in `ids` order (null where a seed has no such case). */
function perSeedCases(
  summaries: readonly EvaluationSummary[],
  metric: MetricName,
  ids: readonly string[],
): (number | null)[][] {
  return summaries.map((s) => {
    const byId = new Map(s.metric_per_case.map((c) => [c.id, c[metric]]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`;

/**
 * A table cell for a minus b (each one summary per seed, the same seeds and test cases): the mean difference of
 * `metric` and its 95% paired-bootstrap interval, in bold when the interval leaves out 0.
 */
export function pairedDifferenceCell(
  a: readonly EvaluationSummary[],
  b: readonly EvaluationSummary[],
  metric: MetricName,
): string {
  const ids = a[0].metric_per_case.map((c) => c.id);
  const d = pairedBootstrap(perSeedCases(a, metric, ids), perSeedCases(b, metric, ids));
  const text = `${signed(d.mean)} [${signed(d.low)}, ${signed(d.high)}]`;
  return d.low > 0 || d.high < 0 ? `**${text}**` : text;
}

/**
 * Paired differences (same seeds, same cases) of each row against the first row and against the row before it (in
 * recipe reports, only within a group: the same scribble set).
 */
function pairedSection(rows: readonly ModelRow[]): string[] {
  const pairs: [ModelRow, ModelRow][] = [];
  for (const [i, r] of rows.entries()) {
    if (i === 0) continue;
    pairs.push([r, rows[0]]);
    const before = rows[i - 1];
    if (i > 1 && (r.group === undefined || r.group === before.group)) pairs.push([r, before]);
  }
  const out = [
    '## Paired differences',
    '',
    `Row minus row on the same seeds and test sequences: mean difference and its 95% interval by a two-level bootstrap (seeds, then sequences within a seed; 2000 resamples). An interval that holds 0 is no finding.`,
    '',
    '| Comparison | DSC | clDice |',
    '| --- | --- | --- |',
  ];
  for (const [a, b] of pairs) {
    const cells = (['DSC', 'clDice'] as const).map((m) => pairedDifferenceCell(a.seedSummaries, b.seedSummaries, m));
    out.push(`| ${rowName(a)} − ${rowName(b)} | ${cells.join(' | ')} |`);
  }
  return out;
}

/** One summary of several seeds' runs: per metric the mean of the seeds' means and the standard deviation between
 * them (n - 1); the rest (cases, threshold) is the first seed's. */
export function summaryOverSeeds(summaries: readonly EvaluationSummary[]): EvaluationSummary {
  if (summaries.length === 1) return summaries[0];
  const mean = {} as Record<MetricName, number | null>;
  const std = {} as Record<MetricName, number | null>;
  for (const m of METRIC_NAMES) {
    const values = summaries.map((s) => s.mean[m]).filter((v): v is number => v !== null && Number.isFinite(v));
    if (values.length === 0) {
      mean[m] = std[m] = null;
      continue;
    }
    const mu = values.reduce((a, v) => a + v, 0) / values.length;
    mean[m] = mu;
    std[m] = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mu) ** 2, 0) / (values.length - 1)) : 0;
  }
  return { ...summaries[0], mean, std, seeds: summaries.length };
}

/** The report's Markdown (pure: rows and meta in, text out). */
export function benchReportMarkdown(rows: readonly ModelRow[], meta: ReportMeta): string {
  const best = bestPerCategory(rows);
  const ordered = orderedRows(rows);
  const seeds = rows[0]?.seedSummaries.length ?? 1;
  const n = rows[0]?.summary.n_cases ?? 0;
  const b = meta.budget;
  const header = meta.rowHeader ?? 'Model';
  const out = [
    `# ${meta.title ?? 'DIAS-TS model benchmark'}`,
    '',
    `Data: \`${meta.dataDir}\`, tested on the ${meta.split} split (${n} sequence${n === 1 ? '' : 's'}, whole images, threshold ${meta.threshold}).`,
    `Budget per model: ${b.epochs} epoch${b.epochs === 1 ? '' : 's'} x ${b.patchesPerEpoch} random ${meta.patchSize}x${meta.patchSize} patches ` +
      `(batch ${b.batchSize}, ${Math.floor(b.patchesPerEpoch / b.batchSize) * b.epochs} steps), ${meta.frames} frames per sequence; ` +
      `checkpoint_best tested with stride ${meta.stride}${meta.tta ? ' and flip test-time augmentation' : ', no test-time augmentation'}.`,
    '',
    seeds > 1
      ? `Mean over ${seeds} training seeds of the mean over the test sequences ± the standard deviation between seeds; the best of each category in **bold** (VC: closest to 1).`
      : `Mean ± standard deviation over the test sequences; the best of each category in **bold** (VC: closest to 1).`,
    '',
    `| Category | ${header} | ${METRIC_NAMES.join(' | ')} | Parameters | Training | Test |`,
    `| --- | --- |${METRIC_NAMES.map(() => ' --- |').join('')} ---: | ---: | ---: |`,
  ];
  for (const r of ordered) {
    const cells = METRIC_NAMES.map((m) => {
      const text = `${fixed(r.summary.mean[m])} ± ${fixed(r.summary.std[m])}`;
      return best.get(rowName(r))!.has(m) ? `**${text}**` : text;
    });
    out.push(
      `| ${rowGroup(r)} | ${rowName(r)} | ${cells.join(' | ')} | ${r.parameters.toLocaleString('en-US')} | ${formatSeconds(r.trainSeconds)} | ${formatSeconds(r.testSeconds)} |`,
    );
  }
  out.push('');
  if (seeds > 1) out.push(...pairedSection(ordered), '');
  if (meta.figures.chart) out.push(`![Mean DSC per ${header.toLowerCase()}](${meta.figures.chart})`, '');
  if (meta.figures.errors) {
    out.push(
      `Error maps of test sequence ${meta.figures.errorsCase} (its MinIP, then each model; true positive white, false positive green, false negative red):`,
      '',
      `![Error maps](${meta.figures.errors})`,
      '',
    );
  }
  const withRecipe = rows.some((r) => r.recipe !== undefined && r.recipe !== 'fsl');
  out.push(
    '## Runs',
    '',
    `| ${withRecipe ? 'Run | Recipe | Model' : header} | Options | Epochs | Run folder |`,
    `| --- |${withRecipe ? ' --- | --- |' : ''} --- | ---: | --- |`,
  );
  for (const r of ordered) {
    out.push(
      `| ${rowName(r)} |${withRecipe ? ` ${r.recipe ?? 'fsl'} | ${r.model} |` : ''} \`${JSON.stringify(r.options)}\` | ${r.epochs}${r.reused ? ' (reused)' : ''} | \`${r.runDir}\` |`,
    );
  }
  out.push('');
  if (meta.notes?.length) out.push('## Notes', '', ...meta.notes.map((s) => `- ${s}`), '');
  return out.join('\n');
}

/** The training config of one entry under the budget. */
export function benchConfig(o: ModelReportOptions, entry: BenchEntry | string): TrainConfig {
  const e: BenchEntry = typeof entry === 'string' ? { label: entry, model: entry, recipe: 'fsl' } : entry;
  const model = e.model;
  const c = structuredClone(o.baseConfig ?? defaultTrainConfig());
  c.train.recipe = e.recipe;
  e.settings?.(c);
  if (!o.baseConfig) c.scheduler.stepIndex = 'updates';
  if (o.threads !== undefined) c.train.threads = o.threads;
  if (o.device !== undefined) c.train.device = o.device;
  c.model = { name: model, options: { ...(o.modelOptions?.[model] ?? {}) } };
  c.data.dir = o.dataDir;
  c.train.epochs = o.budget.epochs;
  c.train.patchesPerEpoch = o.budget.patchesPerEpoch;
  c.train.batchSize = o.budget.batchSize;
  // The official 10-epoch warm-up cannot exceed a short budget: a tenth of it instead.
  if (c.scheduler.warmupEpochs > c.train.epochs) c.scheduler.warmupEpochs = Math.floor(c.train.epochs / 10);
  return finalizeTrainConfig(c, e.label === model ? `model ${model}` : e.label);
}

function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}

/** MinIP then each model's error map for the first test sequence, in one panel. */
function errorPanel(
  rows: readonly ModelRow[],
  dataDir: string,
  split: DiasSplit,
): { image: RgbImage; caseId: string } | null {
  const dataset = openDiasDataset(dataDir);
  const ref = dataset.splits[split][0];
  if (!ref) return null;
  const seq = dataset.load(ref, { frames: 'native', scribble: false });
  const { W, H } = seq;
  const pictures = [captioned(stretchedGrayToRgb(minIntensityProjection(seq), W, H), `S${ref.id} MINIP`)];
  for (const r of rows) {
    const mask = readGrayPng(join(r.runDir, `test_${split}`, `s${ref.id}_mask.png`)).data;
    pictures.push(captioned(errorMap(mask, seq.label!, W, H), rowName(r)));
  }
  return { image: tilePanel(pictures, { columns: Math.min(pictures.length, 4) }), caseId: `s${ref.id}` };
}

/** Each scribble row's mean DSC as a fraction of full supervision's on the same model (the benchmark's question). */
function relativeToFsl(rows: readonly ModelRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const full = rows.find((f) => f.recipe === 'fsl' && f.model === r.model);
    if (!full || r === full || r.recipe === undefined) continue;
    const a = r.summary.mean.DSC,
      b = full.summary.mean.DSC;
    if (a !== null && b !== null && b > 0)
      out.push(`${rowName(r)}: DSC ${(a / b).toFixed(3)} x that of full supervision (${fixed(a)} vs ${fixed(b)}).`);
  }
  return out;
}

/** Which scribbles the weak rows learned from. */
function scribbleNote(configs: readonly TrainConfig[]): string {
  const sets = [...new Set(configs.filter((c) => c.train.recipe !== 'fsl').map((c) => c.data.scribbles))];
  const which =
    sets.length === 1
      ? `the training set's '${sets[0]}' scribbles`
      : `each of the training set's scribble sets ${sets.map((s) => `'${s}'`).join(', ')} (the set in parentheses after the recipe)`;
  return `Scribble rows learn from ${which} (dias train --scribbles); full supervision from the dense labels; all validate on dense labels.`;
}

export interface ModelReportResult {
  rows: ModelRow[];
  report: string;
  chart: string;
  errors?: string;
}

/** One trained and tested run of a report row. */
interface SeedRun {
  runDir: string;
  loaded: { spec: string; kind: ModelKind; options: ModelOptions; parameters: number };
  epochs: number;
  trainSeconds: number;
  testSeconds: number;
  summary: EvaluationSummary;
  reused: boolean;
}

/** Trains `config` into `runDir` (or reuses a finished run of the same config) and tests its best checkpoint. */
async function trainAndTest(
  o: ModelReportOptions,
  config: TrainConfig,
  runDir: string,
  step: string,
  t: { split: DiasSplit; tta: boolean; stride: number; log: (line: string) => void },
): Promise<SeedRun> {
  // Without checkpoint_best a run is not finished enough to test.
  const differences = o.reuse && existsSync(runPath(runDir, 'best')) ? finishedRunDifferences(runDir, config) : null;
  const reused = differences !== null && differences.length === 0;
  t.log(reuseLine(step, runDir, differences));
  const runLog = (l: string) => t.log(`  ${l}`);
  if (!reused) await trainRun({ config, runDir, force: true, events: o.events?.(runLog) ?? { log: runLog } });
  const history = readLog(runDir);
  const loaded = loadRunModel(runDir, 'best');
  if (config.train.device !== 'cpu') loaded.model.to(config.train.device);
  try {
    const name = step.replace(/^\[[^\]]*\] /, '');
    const tested = await testRun(loaded.model, loaded.spec, {
      dataDir: config.data.dir,
      split: t.split,
      outDir: join(runDir, `test_${t.split}`),
      tta: t.tta,
      stride: t.stride,
      frames: loaded.frames,
      device: config.train.device,
      title: `${name} on ${t.split}`,
      extra: { run: runDir, model: name, epoch: loaded.epoch, seed: config.train.seed },
    });
    const s = tested.summary;
    t.log(
      `  ${name} on ${t.split}: DSC ${fixed(s.mean.DSC)} ± ${fixed(s.std.DSC)}, clDice ${fixed(s.mean.clDice)}, AUC ${fixed(s.mean.AUC)} (${tested.seconds.toFixed(1)} s)`,
    );
    return {
      runDir,
      loaded: {
        spec: loaded.spec.name,
        kind: loaded.spec.kind,
        options: loaded.options,
        parameters: loaded.model.parameterCount(),
      },
      epochs: history.length,
      trainSeconds: history.reduce((a, e) => a + e.seconds, 0),
      testSeconds: tested.seconds,
      summary: s,
      reused,
    };
  } finally {
    loaded.model.dispose();
  }
}

export async function runModelReport(o: ModelReportOptions): Promise<ModelReportResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  if (o.models.length === 0) throw new Error('no models to compare');
  const entries = benchEntries(o);
  const byRecipe = entries.some((e) => e.recipe !== 'fsl') || (o.recipes?.length ?? 0) > 1;
  const out = resolve(o.out);
  if (!existsSync(dirname(out))) throw new Error(`${dirname(out)}: no such folder (for the report ${out})`);
  const runsDir = resolve(o.runsDir ?? out.replace(/\.md$/i, '') + '-runs');
  const split = o.split ?? 'test';
  const tta = o.tta ?? true;
  const stride = o.stride ?? 32;
  // Every config is checked before anything is trained, so a typo in the last model fails at once.
  const configs = entries.map((e) => ({ entry: e, config: benchConfig(o, e) }));
  const names = configs.map((c) => (byRecipe ? c.entry.label : c.config.model.name));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`${dup} is listed twice`);
  // The runs folder is made by the first run that starts (writeRunConfig), not here: a run that fails on its data
  // would leave it behind, empty.

  const seeds = o.seeds ?? 1;
  const rows: ModelRow[] = [];
  for (const [i, { entry, config }] of configs.entries()) {
    const name = byRecipe ? entry.label : config.model.name;
    const runs: SeedRun[] = [];
    for (let k = 0; k < seeds; k++) {
      const seeded = k === 0 ? config : { ...config, train: { ...config.train, seed: config.train.seed + k } };
      const tag = seeds > 1 ? `-seed${seeded.train.seed}` : '';
      const step = `[${i + 1}/${configs.length}${seeds > 1 ? `, seed ${k + 1}/${seeds}` : ''}] ${name}`;
      runs.push(await trainAndTest(o, seeded, join(runsDir, safeName(name) + tag), step, { split, tta, stride, log }));
    }
    const first = runs[0];
    rows.push({
      model: first.loaded.spec,
      kind: first.loaded.kind,
      options: first.loaded.options,
      ...(byRecipe ? { label: name, group: entry.group, recipe: entry.recipe } : {}),
      parameters: first.loaded.parameters,
      epochs: first.epochs,
      trainSeconds: runs.reduce((a, r) => a + r.trainSeconds, 0) / runs.length,
      testSeconds: runs.reduce((a, r) => a + r.testSeconds, 0) / runs.length,
      runDir: first.runDir,
      summary: summaryOverSeeds(runs.map((r) => r.summary)),
      seedSummaries: runs.map((r) => r.summary),
      reused: runs.every((r) => r.reused),
    });
  }

  const stem = basename(out).replace(/\.md$/i, '');
  const chart = join(dirname(out), `${stem}_dsc.png`);
  const bars = orderedRows(rows).map((r) => ({
    label: rowName(r).toUpperCase(),
    value: r.summary.mean.DSC ?? NaN,
    spread: r.summary.std.DSC ?? undefined,
    group: r.group ? r.group.toUpperCase() : KIND_LABEL[r.kind],
  }));
  writeRgbPng(chart, renderBarChart(bars, { title: `MEAN DSC ON ${split.toUpperCase()}`, colors: KIND_COLORS }));
  const ordered = orderedRows(rows);
  const panel = errorPanel(ordered, configs[0].config.data.dir, split);
  let errors: string | undefined;
  if (panel) {
    errors = join(dirname(out), `${stem}_errors.png`);
    writeRgbPng(errors, panel.image);
  }
  const first = configs[0].config;
  const text = benchReportMarkdown(rows, {
    ...(byRecipe
      ? {
          title: o.ablation ? 'DIAS-TS SSCR ablation' : 'DIAS-TS training-recipe benchmark',
          rowHeader: o.ablation ? 'Variant' : 'Recipe',
        }
      : {}),
    dataDir: first.data.dir,
    split,
    budget: o.budget,
    frames: first.data.frames,
    patchSize: first.data.patchSize,
    tta,
    stride,
    threshold: 0.5,
    figures: {
      chart: relative(dirname(out), chart),
      errors: errors && relative(dirname(out), errors),
      errorsCase: panel?.caseId,
    },
    notes: [
      `Each run trained with the settings of \`dias train\` (AdamW lr ${first.optimizer.lr}, cosine schedule counted in ${first.scheduler.stepIndex === 'updates' ? 'updates' : 'the official way'}, ` +
        `${byRecipe ? "each recipe's losses" : 'DC+CE loss'}, checkpoint_best by validation ${first.validation.select === 'dsc' ? 'DSC' : first.validation.select === 'final' ? '(none: the final epoch)' : 'patch AUC'}) with the budget above` +
        `${first.scheduler.warmupEpochs !== defaultTrainConfig().scheduler.warmupEpochs ? ` and a ${first.scheduler.warmupEpochs}-epoch warm-up` : ''}; ` +
        'each run folder keeps its config.json, log.jsonl, progress.png and test results.',
      'Short budgets favour small, fast-converging networks; the paper trained every model for 100 epochs of 20,000 patches.',
      ...relativeToFsl(rows),
      ...(byRecipe && configs.some((c) => c.entry.recipe !== 'fsl')
        ? [scribbleNote(configs.map((c) => c.config))]
        : []),
    ],
  });
  writeFileAtomic(out, text);
  return { rows, report: out, chart, errors };
}
