// `dias bench ssl`: the semi-supervised curve of the DIAS repository's ssl.pdf on the user's data. For each count
// of labelled sequences, an RPST run (teacher, then K students) is trained and every stage tested on whole
// sequences; beside it, with the same labelled subset and the same number of training steps as the whole RPST run,
// the baselines mean teacher and cross pseudo supervision, and full supervision on every training sequence with
// that many steps too (the upper bound; the teacher is the lower bound). The report: a table of test DSC per stage and baseline, one row per
// labelled count, and a figure like ssl.pdf (DSC per iteration, one line per labelled count, the baselines as
// flat lines). With variants (--variant NAME:KEY=VALUE,...), RPST is trained once per variant on the same seeds and
// labelled subsets, beside the same baselines, and each variant is compared, paired, with the first.
import { finishedRunDifferences, reuseLine } from './run-reuse.js';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '@dias-ts/torch';
import type { DiasSplit } from '../data/readers/dias-layout.js';
import { testRun } from '../eval/test-run.js';
import type { EvaluationSummary } from '../eval/report.js';
import { drawChartPanel, type ChartSeries } from '../image/line-chart.js';
import { writeRgbPng } from '../image/png.js';
import { RgbCanvas, type Rgb } from '../image/rgb-canvas.js';
import type { ModelOptions } from '../models/model-spec.js';
import { defaultTrainConfig, finalizeTrainConfig, type TrainConfig } from '../train/config.js';
import { applyAssignment } from '../train/config-assignments.js';
import { trainRun, type TrainEvents } from '../train/index.js';
import { loadRunModel, stagePath } from '../train/run-folder.js';
import { pairedDifferenceCell, summaryOverSeeds, type BenchBudget } from './model-report.js';

export interface SslReportOptions {
  dataDir: string;
  model: string;
  modelOptions?: ModelOptions;
  /** Labelled sequence counts, e.g. [1, 3, 10]. */
  labelled: number[];
  /** RPST students after the teacher. */
  iterations: number;
  /** RPST variants, each trained on every labelled count and seed (default: one, 'rpst', the config as given). The
   * first is the reference the others are compared with. */
  variants?: RpstVariant[];
  /** Per RPST stage; the baselines get (iterations + 1) times its epochs. */
  budget: BenchBudget;
  baseConfig?: TrainConfig;
  out: string;
  runsDir?: string;
  /** Train and test mean teacher, CPS and full supervision too (default true). */
  baselines?: boolean;
  split?: DiasSplit;
  tta?: boolean;
  stride?: number;
  threads?: number;
  device?: 'cpu' | 'cuda';
  reuse?: boolean;
  /** Train every run this many times (train.seed, seed + 1, ...): the table shows the mean over seeds ± the spread
   * between seeds, and paired differences between RPST and each baseline. */
  seeds?: number;
  events?: (prefix: string) => TrainEvents;
  log?: (line: string) => void;
}

/** RPST with some settings changed (`dias bench ssl --variant NAME:KEY=VALUE,...`). */
export interface RpstVariant {
  /** A short name: the table's row and the run folder, rpst-NAME-N (the variant named 'rpst': rpst-N). */
  name: string;
  /** Settings applied to the RPST runs only, as `dias train --set` applies them. */
  settings: [string, unknown][];
}

export interface SslRow {
  labelled: number;
  /** The RPST variant of this row (with several). */
  variant?: string;
  /** Test DSC of each RPST stage (0 = the teacher), mean and std (over cases; over seeds when there are several). */
  stages: { mean: number | null; std: number | null }[];
  meanTeacher?: { mean: number | null; std: number | null };
  cps?: { mean: number | null; std: number | null };
  /** Each seed's test summaries, for the paired comparisons. */
  seedRuns?: SeedSummaries[];
}

/** One seed's test summaries of a row: every RPST stage, and the baselines. */
export interface SeedSummaries {
  stages: EvaluationSummary[];
  meanTeacher?: EvaluationSummary;
  cps?: EvaluationSummary;
}

export interface SslReportResult {
  rows: SslRow[];
  /** Full supervision on every training sequence. */
  upperBound?: { mean: number | null; std: number | null };
  report: string;
  figure: string;
}

const fixed = (v: number | null | undefined) => (v === null || v === undefined ? 'NaN' : v.toFixed(4));
/** DSC mean ± std of one summary, or over seeds: the mean of the seeds' means ± the spread between seeds. */
function dsc(summaries: readonly EvaluationSummary[]): { mean: number | null; std: number | null } {
  if (summaries.length === 1) return { mean: summaries[0].mean.DSC, std: summaries[0].std.DSC };
  const s = summaryOverSeeds(summaries);
  return { mean: s.mean.DSC, std: s.std.DSC };
}
const LINE_COLORS: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
];

/** The training config of one run of the report. */
export function sslConfig(
  o: SslReportOptions,
  recipe: string,
  labelled: number | null,
  epochs: number,
  variant?: RpstVariant,
): TrainConfig {
  const c = structuredClone(o.baseConfig ?? defaultTrainConfig());
  if (!o.baseConfig) c.scheduler.stepIndex = 'updates';
  c.train.recipe = recipe;
  c.model = { name: o.model, options: { ...(o.modelOptions ?? {}) } };
  c.data.dir = o.dataDir;
  c.data.labelled = labelled;
  c.rpst.iterations = o.iterations;
  c.train.epochs = epochs;
  c.train.patchesPerEpoch = o.budget.patchesPerEpoch;
  c.train.batchSize = o.budget.batchSize;
  if (o.threads !== undefined) c.train.threads = o.threads;
  if (o.device !== undefined) c.train.device = o.device;
  if (c.scheduler.warmupEpochs > c.train.epochs) c.scheduler.warmupEpochs = Math.floor(c.train.epochs / 10);
  const what = `${recipe}${labelled !== null ? ` with ${labelled} labelled` : ''}`;
  for (const [key, value] of variant?.settings ?? []) applyAssignment(c, key, value, `--variant ${variant!.name}`);
  return finalizeTrainConfig(c, variant && variant.settings.length ? `${what}, variant ${variant.name}` : what);
}

const VARIANT_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Variant names are run folder names and table rows: short, distinct, and the first holds the reference. */
function checkVariants(variants: readonly RpstVariant[]): void {
  if (variants.length === 0) throw new Error('no RPST variants');
  const seen = new Set<string>();
  for (const v of variants) {
    if (!VARIANT_NAME.test(v.name))
      throw Object.assign(new Error(`--variant ${v.name}: a name is 1-32 of a-z, 0-9 and '-'`), { exitCode: 2 });
    if (seen.has(v.name)) throw Object.assign(new Error(`--variant ${v.name}: given twice`), { exitCode: 2 });
    seen.add(v.name);
  }
}

/** rpst-N for the variant named 'rpst' (the runs of reports without variants), rpst-NAME-N for the others. */
const variantFolder = (v: RpstVariant) => (v.name === 'rpst' ? 'rpst' : `rpst-${v.name}`);

/** The table and notes (pure: rows in, Markdown out). */
export function sslReportMarkdown(
  rows: readonly SslRow[],
  meta: {
    dataDir: string;
    model: string;
    split: DiasSplit;
    budget: BenchBudget;
    iterations: number;
    figure: string;
    upperBound?: SslRow['meanTeacher'];
    notes: string[];
  },
): string {
  const K = meta.iterations;
  const seeds = rows[0]?.seedRuns?.length ?? 1;
  const baselines = rows.some((r) => r.meanTeacher);
  const variants = hasVariants(rows);
  const head = [
    'Labelled',
    ...(variants ? ['RPST variant'] : []),
    'Teacher',
    ...Array.from({ length: K }, (_, k) => `Re-train #${k + 1}`),
    ...(baselines ? ['Mean teacher', 'CPS'] : []),
  ];
  const out = [
    '# DIAS-TS semi-supervised benchmark (RPST)',
    '',
    `Data: \`${meta.dataDir}\`, model ${meta.model}, test DSC on the ${meta.split} split (whole sequences, ${seeds > 1 ? `mean over ${seeds} training seeds ± the spread between seeds` : 'mean ± std'}). RPST stage budget: ` +
      `${meta.budget.epochs} epochs x ${meta.budget.patchesPerEpoch} patches (batch ${meta.budget.batchSize}); each baseline trains as many steps as a whole RPST run.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => ' --- |').join('')}`,
  ];
  for (const r of rows) {
    const cells = [
      String(r.labelled),
      ...(variants ? [r.variant ?? ''] : []),
      ...r.stages.map((s) => `${fixed(s.mean)} ± ${fixed(s.std)}`),
    ];
    if (baselines) cells.push(...[r.meanTeacher, r.cps].map((s) => `${fixed(s?.mean)} ± ${fixed(s?.std)}`));
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('');
  if (meta.upperBound)
    out.push(
      `Full supervision on every training sequence (upper bound): DSC ${fixed(meta.upperBound.mean)} ± ${fixed(meta.upperBound.std)}.`,
      '',
    );
  const paired = sslPairedSection(rows);
  if (paired.length) out.push(...paired, '');
  out.push(`![DSC per RPST iteration](${meta.figure})`, '');
  if (meta.notes.length) out.push('## Notes', '', ...meta.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

/** More than one RPST variant among the rows. */
const hasVariants = (rows: readonly SslRow[]) => new Set(rows.map((r) => r.variant)).size > 1;

/**
 * With several seeds: RPST's last re-training against its teacher and each baseline, paired on seeds and cases;
 * with variants, each variant's last re-training against the first variant's too.
 */
function sslPairedSection(rows: readonly SslRow[]): string[] {
  const lines: string[] = [];
  const variants = hasVariants(rows);
  for (const r of rows) {
    const runs = r.seedRuns;
    if (!runs || runs.length < 2) continue;
    const last = runs.map((s) => s.stages.at(-1)!);
    const rpst = variants ? `RPST ${r.variant}` : 'RPST';
    const reference = rows.find((x) => x.labelled === r.labelled && x.seedRuns?.length === runs.length);
    const against: [string, EvaluationSummary[] | undefined][] = [
      ['teacher', runs.map((s) => s.stages[0])],
      ['mean teacher', runs.every((s) => s.meanTeacher) ? runs.map((s) => s.meanTeacher!) : undefined],
      ['CPS', runs.every((s) => s.cps) ? runs.map((s) => s.cps!) : undefined],
      [
        `RPST ${reference?.variant}`,
        variants && reference && reference !== r ? reference.seedRuns!.map((s) => s.stages.at(-1)!) : undefined,
      ],
    ];
    for (const [name, other] of against) {
      if (!other) continue;
      lines.push(`| ${r.labelled} | ${rpst} − ${name} | ${pairedDifferenceCell(last, other, 'DSC')} |`);
    }
  }
  if (!lines.length) return [];
  return [
    '## Paired differences',
    '',
    `RPST's last re-training minus the teacher and each baseline${variants ? ' (and each variant minus the first)' : ''}, on the same seeds and test sequences: mean DSC difference and its 95% interval by a two-level bootstrap (seeds, then sequences; 2000 resamples). An interval that holds 0 is no finding.`,
    '',
    '| Labelled | Comparison | DSC |',
    '| --- | --- | --- |',
    ...lines,
  ];
}

export async function runSslReport(o: SslReportOptions): Promise<SslReportResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const out = resolve(o.out);
  if (!existsSync(dirname(out))) throw new Error(`${dirname(out)}: no such folder (for the report ${out})`);
  if (o.labelled.length === 0) throw new Error('no labelled counts');
  const runsDir = resolve(o.runsDir ?? out.replace(/\.md$/i, '') + '-runs');
  const split = o.split ?? 'test';
  const tta = o.tta ?? true;
  const stride = o.stride ?? 32;
  const withBaselines = o.baselines ?? true;
  const baselineEpochs = o.budget.epochs * (o.iterations + 1);
  const variants = o.variants ?? [{ name: 'rpst', settings: [] }];
  checkVariants(variants);
  // Every config is checked before anything is trained.
  const plan = o.labelled.map((n) => ({
    n,
    rpst: variants.map((v) => ({ variant: v, config: sslConfig(o, 'rpst', n, o.budget.epochs, v) })),
    ...(withBaselines
      ? { meanTeacher: sslConfig(o, 'mean-teacher', n, baselineEpochs), cps: sslConfig(o, 'cps', n, baselineEpochs) }
      : {}),
  }));
  // As many steps as the whole RPST run, like the baselines: a stage's budget would undertrain it.
  const upper = withBaselines ? sslConfig(o, 'fsl', null, baselineEpochs) : null;
  // The runs folder is made by the first run that starts (writeRunConfig), not here: a run that fails on its data
  // would leave it behind, empty.

  const test = async (runDir: string, iteration: number | undefined, title: string): Promise<EvaluationSummary> => {
    const loaded = loadRunModel(runDir, 'best', iteration);
    if (loaded.config.train.device !== 'cpu') loaded.model.to(loaded.config.train.device);
    try {
      const dir = iteration === undefined ? runDir : stagePath(runDir, iteration);
      const r = await testRun(loaded.model, loaded.spec, {
        dataDir: o.dataDir,
        split,
        outDir: join(dir, `test_${split}`),
        tta,
        stride,
        frames: loaded.frames,
        device: loaded.config.train.device,
        title,
      });
      log(`  ${title}: DSC ${fixed(r.summary.mean.DSC)} ± ${fixed(r.summary.std.DSC)}`);
      return r.summary;
    } finally {
      loaded.model.dispose();
    }
  };
  const train = async (config: TrainConfig, runDir: string, lastStage: string, what: string) => {
    const differences = o.reuse ? finishedRunDifferences(runDir, config, lastStage) : null;
    log(reuseLine(what, runDir, differences));
    if (differences && differences.length === 0) return;
    await trainRun({ config, runDir, force: true, events: o.events?.('  ') ?? { log: (l) => log(`  ${l}`) } });
  };

  const seeds = o.seeds ?? 1;
  const seeded = (c: TrainConfig, k: number): TrainConfig =>
    k === 0 ? c : { ...c, train: { ...c.train, seed: c.train.seed + k } };
  const tag = (c: TrainConfig) => (seeds > 1 ? `-seed${c.train.seed}` : '');
  const rows: SslRow[] = [];
  for (const p of plan) {
    // seedRuns[v][k]: variant v, seed k; the baselines are trained once per seed and shared by every variant.
    const seedRuns: SeedSummaries[][] = p.rpst.map(() => []);
    for (let k = 0; k < seeds; k++) {
      const of = seeds > 1 ? `, seed ${k + 1}/${seeds}` : '';
      const shared: Pick<SeedSummaries, 'meanTeacher' | 'cps'> = {};
      for (const [v, { variant, config }] of p.rpst.entries()) {
        const rpst = seeded(config, k);
        const name = variants.length > 1 ? `RPST ${variant.name}` : 'RPST';
        const rpstDir = join(runsDir, `${variantFolder(variant)}-${p.n}${tag(rpst)}`);
        await train(rpst, rpstDir, stagePath(rpstDir, o.iterations), `${name} with ${p.n} labelled${of}`);
        const stages: EvaluationSummary[] = [];
        for (let i = 0; i <= o.iterations; i++)
          stages.push(
            await test(rpstDir, i, `${name} ${p.n} labelled, ${i === 0 ? 'teacher' : `re-train #${i}`}${of}`),
          );
        seedRuns[v].push({ stages, ...shared });
      }
      if (p.meanTeacher && p.cps) {
        for (const [key, base, name] of [
          ['meanTeacher', p.meanTeacher, 'mean-teacher'],
          ['cps', p.cps, 'cps'],
        ] as const) {
          const config = seeded(base, k);
          const dir = join(runsDir, `${name}-${p.n}${tag(config)}`);
          await train(config, dir, dir, `${name} with ${p.n} labelled${of}`);
          shared[key] = await test(dir, undefined, `${name} ${p.n} labelled${of}`);
        }
        for (const runs of seedRuns) Object.assign(runs[k], shared);
      }
    }
    for (const [v, { variant }] of p.rpst.entries()) {
      const runs = seedRuns[v];
      const row: SslRow = {
        labelled: p.n,
        ...(variants.length > 1 ? { variant: variant.name } : {}),
        stages: runs[0].stages.map((_, i) => dsc(runs.map((r) => r.stages[i]))),
        seedRuns: runs,
      };
      if (runs[0].meanTeacher) row.meanTeacher = dsc(runs.map((r) => r.meanTeacher!));
      if (runs[0].cps) row.cps = dsc(runs.map((r) => r.cps!));
      rows.push(row);
    }
  }
  let upperBound: SslRow['meanTeacher'];
  if (upper) {
    const dir = join(runsDir, 'fsl-all');
    await train(upper, dir, dir, 'full supervision on every training sequence');
    upperBound = dsc([await test(dir, undefined, 'fsl, all labelled')]);
  }

  const first = plan[0].rpst[0].config.rpst;
  const stem = basename(out).replace(/\.md$/i, '');
  const figure = join(dirname(out), `${stem}_curve.png`);
  writeRgbPng(figure, renderSslCurve(rows, o.iterations));
  const text = sslReportMarkdown(rows, {
    dataDir: o.dataDir,
    model: plan[0].rpst[0].config.model.name,
    split,
    budget: o.budget,
    iterations: o.iterations,
    figure: relative(dirname(out), figure),
    upperBound,
    notes: [
      `RPST${variants.length > 1 ? ` (${variants[0].name})` : ''}: teacher on the first N training sequences (id order), then ${o.iterations} student${o.iterations === 1 ? '' : 's'}, each on a patch mix (probability ${first.pseudoProbability} pseudo-labelled with strong augmentation) ${first.student === 'continue' ? 'continuing from its teacher' : 're-initialised'}, ${first.schedule === 'continue' ? 'all stages on one warm-up and cosine schedule' : 'each stage with its own warm-up and cosine schedule'}${first.confidenceBand > 0 ? `, pixels within ${first.confidenceBand} of 0.5 left out of the pseudo-labels` : ''}.`,
      ...variants
        .slice(1)
        .map(
          (v) =>
            `RPST ${v.name}: as ${variants[0].name} with ${v.settings.map(([key, value]) => `${key} = ${JSON.stringify(value)}`).join(', ')}; the same seeds, labelled subsets and baselines.`,
        ),
      'Each stage and baseline is tested with its checkpoint_best (validation DSC); run folders under ' +
        `\`${runsDir}\`.`,
      ...rows.map((r) => {
        const t = r.stages[0].mean;
        const above = r.stages.slice(1).filter((s) => s.mean !== null && t !== null && s.mean > t).length;
        return (
          `${r.labelled} labelled${r.variant ? `, RPST ${r.variant}` : ''}: ${above} of ${o.iterations} re-trainings above the teacher` +
          (r.meanTeacher && r.cps
            ? `; last re-training ${(r.stages.at(-1)!.mean ?? NaN) > Math.max(r.meanTeacher.mean ?? -1, r.cps.mean ?? -1) ? 'above' : 'not above'} both baselines.`
            : '.')
        );
      }),
    ],
  });
  writeFileAtomic(out, text);
  return { rows, upperBound, report: out, figure };
}

/** ssl.pdf's figure: DSC per stage (x: 0 = teacher), one line per labelled count, baselines as flat dotted-colour lines. */
export function renderSslCurve(rows: readonly SslRow[], iterations: number) {
  const series: ChartSeries[] = [];
  const variants = hasVariants(rows);
  rows.forEach((r, i) => {
    const color = LINE_COLORS[i % LINE_COLORS.length];
    const name = `${r.labelled} LABELLED${variants ? ` ${r.variant?.toUpperCase()}` : ''}`;
    series.push({ name, color, points: r.stages.map((s, k) => [k, s.mean ?? NaN] as const) });
    const faded = color.map((c) => Math.round(c + (255 - c) * 0.55)) as unknown as Rgb;
    // The baselines are shared by a labelled count's variants: drawn once.
    if (rows.findIndex((x) => x.labelled === r.labelled) !== i) return;
    if (r.meanTeacher)
      series.push({
        name: `MT ${r.labelled}`,
        color: faded,
        points: [
          [0, r.meanTeacher.mean ?? NaN],
          [iterations, r.meanTeacher.mean ?? NaN],
        ],
      });
    if (r.cps)
      series.push({
        name: `CPS ${r.labelled}`,
        color: faded.map((c) => Math.round(c * 0.8)) as unknown as Rgb,
        points: [
          [0, r.cps.mean ?? NaN],
          [iterations, r.cps.mean ?? NaN],
        ],
      });
  });
  const canvas = new RgbCanvas(640, 420, [255, 255, 255]);
  drawChartPanel(
    canvas,
    { x: 4, y: 4, width: 632, height: 412 },
    {
      title: 'TEST DSC PER RPST ITERATION',
      xLabel: 'ITERATION (0 = TEACHER)',
      xRange: [0, Math.max(1, iterations)],
      series,
    },
    2,
  );
  return canvas.toImage();
}
