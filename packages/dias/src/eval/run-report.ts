// A one-page Markdown report of a trained and tested run (what `dias test --report` and the demo write): the model
// and its training budget, the test metrics next to baselines that need no training (eval/baselines.ts), the
// training curves (RUN/progress.png), a panel of the best, median and worst test sequences (MinIP, probability,
// error map, overlay), and the per-sequence numbers. It reads only files: RUN/config.json, RUN/log.jsonl and
// RUN/test_<split>/ as `dias test` left them, plus the dataset's labels for the baselines.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { openDiasDataset, type DiasSplit } from '../data/readers/dias-layout.js';
import { minIntensityProjection } from '../data/pipeline/preprocess.js';
import { readGrayPng, type RgbImage } from '../image/png.js';
import { readLog, readRunConfig, runPath, RUN_FILES } from '../train/run-folder.js';
import { stepsPerEpoch } from '../train/config.js';
import { summarizeMetrics } from '../metrics/aggregate.js';
import { writeFileAtomic } from '@dias-ts/torch';
import { BASELINE_NAMES, baselineMetrics } from './baselines.js';
import { METRIC_NAMES, type ImageMetrics } from '../metrics/metrics.js';
import { errorMap, grayToRgb, contourOverlay, stretchedGrayToRgb, writePanelPng } from './pictures.js';
import type { EvaluationSummary } from './report.js';

export interface RunReportOptions {
  runDir: string;
  split?: DiasSplit;
  /** The report's path; its picture goes beside it as <name>_cases.png. */
  out: string;
  title?: string;
  /** Sequences shown in the picture (default 3: best, median and worst DSC). */
  cases?: number;
  /** Extra lines under the title (e.g. the demo's total time). */
  lines?: string[];
}

export interface RunReportResult {
  report: string;
  picture: string;
  /** Mean test DSC of the run and of each baseline. */
  dsc: { model: number | null } & Record<string, number | null>;
}

const fixed = (v: number | null | undefined, d = 4) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'NaN' : v.toFixed(d);
const seconds = (s: number) => (s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

/** Area-average downscale of an RGB picture so that its longest side is at most `max`. */
function shrink(image: RgbImage, max: number): RgbImage {
  const f = Math.ceil(Math.max(image.width, image.height) / max);
  if (f <= 1) return image;
  const width = Math.floor(image.width / f),
    height = Math.floor(image.height / f);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let dy = 0; dy < f; dy++)
          for (let dx = 0; dx < f; dx++) s += image.data[((y * f + dy) * image.width + x * f + dx) * 3 + c];
        data[(y * width + x) * 3 + c] = Math.round(s / (f * f));
      }
    }
  }
  return { width, height, data };
}

/** Best, median and worst (by DSC) of the cases, or fewer when there are fewer. */
function pickCases(rows: EvaluationSummary['metric_per_case'], count: number): string[] {
  const sorted = [...rows].sort((a, b) => (b.DSC ?? -1) - (a.DSC ?? -1)).map((r) => r.id);
  if (sorted.length <= count) return sorted;
  const picks = Array.from(
    { length: count },
    (_, i) => sorted[Math.round((i * (sorted.length - 1)) / Math.max(1, count - 1))],
  );
  return [...new Set(picks)];
}

export function writeRunReport(o: RunReportOptions): RunReportResult {
  const split = o.split ?? 'test';
  const runDir = resolve(o.runDir);
  const testDir = join(runDir, `test_${split}`);
  const summaryPath = join(testDir, 'summary.json');
  if (!existsSync(summaryPath)) throw new Error(`${summaryPath}: missing (run dias test on the ${split} split first)`);
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as EvaluationSummary;
  const config = readRunConfig(runDir);
  const log = readLog(runDir);
  const dataDir = typeof summary.data === 'string' ? summary.data : config.data.dir;
  const dataset = openDiasDataset(dataDir);
  const out = resolve(o.out);
  const outDir = dirname(out);
  const link = (p: string) => relative(outDir, p).split('\\').join('/');

  // Baselines over the same sequences as the run.
  const perBaseline: Record<string, ImageMetrics[]> = Object.fromEntries(BASELINE_NAMES.map((b) => [b, []]));
  const sequences = new Map<string, ReturnType<typeof dataset.load>>();
  for (const row of summary.metric_per_case) {
    const ref = dataset.find(Number(row.id.replace(/^s/, '')), split);
    if (!ref) throw new Error(`${dataDir}: no ${split} sequence ${row.id} (the test results in ${testDir} name it)`);
    const seq = dataset.load(ref, { frames: 'native', scribble: false });
    sequences.set(row.id, seq);
    const b = baselineMetrics(seq);
    for (const name of BASELINE_NAMES) perBaseline[name].push(b[name]);
  }
  const baselineMeans = Object.fromEntries(
    BASELINE_NAMES.map((b) => [b, summarizeMetrics(perBaseline[b], METRIC_NAMES)]),
  );

  // The picture: one row per chosen case.
  const tiles: RgbImage[] = [];
  const chosen = pickCases(summary.metric_per_case, o.cases ?? 3);
  for (const id of chosen) {
    const seq = sequences.get(id)!;
    const { W, H } = seq;
    const minip = minIntensityProjection(seq);
    const prob = readGrayPng(join(testDir, `${id}_prob.png`)).data;
    const mask = readGrayPng(join(testDir, `${id}_mask.png`)).data;
    tiles.push(
      shrink(stretchedGrayToRgb(minip, W, H), 320),
      shrink(grayToRgb(prob, W, H), 320),
      shrink(errorMap(mask, seq.label!, W, H), 320),
      shrink(contourOverlay(minip, W, H, { prediction: mask, label: seq.label }), 320),
    );
  }
  const picture = join(outDir, `${basename(out).replace(/\.md$/i, '')}_cases.png`);
  if (tiles.length) writePanelPng(picture, tiles, { columns: 4 });

  const model = typeof summary.model === 'string' ? summary.model : config.model.name;
  const trainSeconds = log.reduce((a, e) => a + e.seconds, 0);
  const steps = stepsPerEpoch(config) * log.length;
  const bestEpoch = typeof summary.epoch === 'number' ? summary.epoch : null;
  const bestLog = log.find((e) => e.epoch === bestEpoch);
  const params =
    typeof summary.parameters === 'number' ? `, ${summary.parameters.toLocaleString('en-US')} parameters` : '';
  const lines = [
    `# ${o.title ?? `${model}: test report`}`,
    '',
    ...(o.lines?.length ? [...o.lines, ''] : []),
    `- Model: ${model} \`${JSON.stringify(config.model.options)}\`${params}; ${config.data.frames} frames per sequence, z-scored per sequence.`,
    log.length === 0
      ? `- Training: no ${RUN_FILES.log} in the run folder.`
      : `- Training: ${log.length} epoch${log.length === 1 ? '' : 's'} x ${config.train.patchesPerEpoch} random ${config.data.patchSize}x${config.data.patchSize} patches ` +
        `(batch ${config.train.batchSize}, ${steps} steps, lr ${config.optimizer.lr}) in ${seconds(trainSeconds)} on ${config.train.device}` +
        `${config.train.threads ? ` (${config.train.threads} threads)` : ''}, data \`${config.data.dir}\`.`,
    `- Tested: checkpoint from epoch ${bestEpoch ?? '?'}${bestLog?.val?.DSC != null ? ` (validation DSC ${fixed(bestLog.val.DSC)})` : ''} on the ${split} split, ` +
      `${summary.n_cases} whole sequence${summary.n_cases === 1 ? '' : 's'}, ${summary.scheme === 'whole' ? 'the whole image per forward pass' : `stride ${typeof summary.stride === 'number' ? summary.stride : 32}`}, ${summary.tta === false ? 'no' : 'flip'} test-time augmentation, ` +
      `threshold ${summary.threshold}${typeof summary.seconds === 'number' ? `, in ${seconds(summary.seconds)}` : ''}.`,
    '',
    '## Test metrics',
    '',
    `Mean ± standard deviation over the ${summary.n_cases} ${split} sequences. The baselines need no training: all background and all vessel are constant ` +
      `predictions; MinIP + Otsu thresholds the darkest value each pixel reaches over time at Otsu's level.`,
    '',
    `| Prediction | ${METRIC_NAMES.join(' | ')} |`,
    `| --- |${METRIC_NAMES.map(() => ' --- |').join('')}`,
    `| **${model}** | ${METRIC_NAMES.map((m) => `**${fixed(summary.mean[m])} ± ${fixed(summary.std[m])}**`).join(' | ')} |`,
    ...BASELINE_NAMES.map(
      (b) =>
        `| ${b} | ${METRIC_NAMES.map((m) => `${fixed(baselineMeans[b].mean[m])} ± ${fixed(baselineMeans[b].std[m])}`).join(' | ')} |`,
    ),
    '',
    'NaN: undefined for every sequence (e.g. clDice of an empty prediction, whose skeleton is empty).',
    '',
  ];
  if (existsSync(runPath(runDir, 'progress'))) {
    lines.push('## Training curves', '', `![Training curves](${link(runPath(runDir, 'progress'))})`, '');
  }
  if (tiles.length) {
    lines.push(
      '## Test sequences',
      '',
      `Best, median and worst by DSC (${chosen.join(', ')}), one per row: MinIP, vessel probability, error map (true positive white, false positive ` +
        'green, false negative red), and contours over the MinIP (prediction green, label red, both yellow).',
      '',
      `![Test sequences](${link(picture)})`,
      '',
    );
  }
  lines.push(
    '## Per sequence',
    '',
    `| Sequence | ${METRIC_NAMES.join(' | ')} |`,
    `| --- |${METRIC_NAMES.map(() => ' --- |').join('')}`,
  );
  for (const row of summary.metric_per_case)
    lines.push(`| ${row.id} | ${METRIC_NAMES.map((m) => fixed(row[m])).join(' | ')} |`);
  lines.push(
    '',
    `Files: \`${link(testDir)}/\` holds summary.json, metrics.csv, summary.md and each sequence's probability map, mask, error map and overlay.`,
    '',
  );
  writeFileAtomic(out, lines.join('\n'));
  return {
    report: out,
    picture,
    dsc: {
      model: summary.mean.DSC,
      ...Object.fromEntries(
        BASELINE_NAMES.map((b) => [b, Number.isNaN(baselineMeans[b].mean.DSC) ? null : baselineMeans[b].mean.DSC]),
      ),
    },
  };
}
