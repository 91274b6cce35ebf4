// `dias bench report`: the best-per-category marking, the budget flag, the bar chart's geometry, and one real
// comparison of two tiny models (trained for a few steps, tested, reported).
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeLineDataset, tinyConfig } from './train-fixture.js';
import { readLog, readRunConfig } from '../src/train/run-folder.js';
import {
  bestPerCategory,
  benchEntries,
  benchReportMarkdown,
  better,
  runModelReport,
  summaryOverSeeds,
  type ModelRow,
} from '../src/bench/model-report.js';
import { benchReport, parseBudget } from '../src/cli/bench-report.js';
import { renderBarChart } from '../src/image/bar-chart.js';
import { METRIC_NAMES, type MetricName } from '../src/metrics/metrics.js';
import type { EvaluationSummary } from '../src/eval/report.js';
import { UsageError } from '../src/cli/command.js';
import { tempDir } from './data-fixture.js';
import { writeTinyDataset } from './eval-fixture.js';

function row(model: string, kind: ModelRow['kind'], mean: Partial<Record<MetricName, number | null>>): ModelRow {
  const m = Object.fromEntries(METRIC_NAMES.map((k) => [k, mean[k] === undefined ? 0.5 : mean[k]])) as Record<
    MetricName,
    number | null
  >;
  const summary = {
    mean: m,
    std: Object.fromEntries(METRIC_NAMES.map((k) => [k, 0.01])),
    n_cases: 2,
    metric_per_case: [],
  } as unknown as EvaluationSummary;
  return {
    model,
    kind,
    options: {},
    parameters: 1000,
    epochs: 1,
    trainSeconds: 10,
    testSeconds: 2,
    runDir: `/runs/${model}`,
    summary,
    seedSummaries: [summary],
    reused: false,
  };
}

/** A summary of one seed's test: DSC and clDice per case. */
function seedSummary(perCase: number[]): EvaluationSummary {
  const metric_per_case = perCase.map((v, i) => ({ id: `s${i}`, DSC: v, clDice: v - 0.05 }));
  const mean = Object.fromEntries(
    METRIC_NAMES.map((m) => [m, perCase.reduce((a, v) => a + v, 0) / perCase.length - (m === 'clDice' ? 0.05 : 0)]),
  );
  return { mean, std: mean, n_cases: perCase.length, metric_per_case } as unknown as EvaluationSummary;
}

/** The report's settings for the tables built from made-up seed summaries. */
const SEEDS_META = {
  dataDir: '/d',
  split: 'test' as const,
  budget: { epochs: 1, patchesPerEpoch: 8, batchSize: 4 },
  frames: 8,
  patchSize: 64,
  tta: false,
  stride: 32,
  threshold: 0.5,
  figures: {},
};

describe('bench report over seeds', () => {
  // Three seeds x four cases: B is A + 0.03 on every pair (a clear difference), C is A with noise around it.
  const a = [
    [0.6, 0.7, 0.65, 0.8],
    [0.62, 0.68, 0.66, 0.79],
    [0.59, 0.71, 0.64, 0.81],
  ];
  const b = a.map((r) => r.map((v) => v + 0.03));
  const c = a.map((r, i) => r.map((v, j) => v + ((i + j) % 2 ? 0.01 : -0.01)));
  const seeded = (name: string, runs: number[][]): ModelRow => {
    const seeds = runs.map(seedSummary);
    return { ...row(name, '2d', {}), label: name, group: 'g', summary: summaryOverSeeds(seeds), seedSummaries: seeds };
  };

  test('the row is the mean of the seeds’ means ± the spread between seeds', () => {
    const s = summaryOverSeeds(a.map(seedSummary));
    const means = a.map((r) => r.reduce((x, v) => x + v, 0) / r.length);
    const mu = means.reduce((x, v) => x + v, 0) / 3;
    const sd = Math.sqrt(means.reduce((x, v) => x + (v - mu) ** 2, 0) / 2);
    assert.ok(Math.abs(s.mean.DSC! - mu) < 1e-12 && Math.abs(s.std.DSC! - sd) < 1e-12);
    assert.equal(s.seeds, 3);
  });

  test('paired differences: a clear one in bold with an interval that leaves out 0, a null one without', () => {
    const md = benchReportMarkdown([seeded('A', a), seeded('B', b), seeded('C', c)], SEEDS_META);
    assert.match(md, /Mean over 3 training seeds/);
    assert.match(md, /\| B − A \| \*\*\+0\.0300 \[\+0\.0300, \+0\.0300\]\*\*/);
    const cMinusA = md.split('\n').find((l) => l.startsWith('| C − A |'))!;
    assert.ok(cMinusA && !cMinusA.includes('**'), cMinusA);
    assert.match(md, /\| C − B \| \*\*−0\.03/);
  });
});

test('several scribble sets: fsl once, each weak row per set, paired with its neighbour only within a set', () => {
  const entries = benchEntries({ models: ['FR_UNet'], recipes: ['fsl', 'pce', 'sscr'], scribbles: ['auto', 'centre'] });
  assert.deepEqual(
    entries.map((e) => [e.label, e.group, e.recipe]),
    [
      ['fsl', 'full', 'fsl'],
      ['pce (auto)', 'scribble auto', 'pce'],
      ['sscr (auto)', 'scribble auto', 'sscr'],
      ['pce (centre)', 'scribble centre', 'pce'],
      ['sscr (centre)', 'scribble centre', 'sscr'],
    ],
  );
  const config = tinyConfig('/d');
  entries[4].settings!(config);
  assert.equal(config.data.scribbles, 'centre');
  // The ablation's own switches survive the set's.
  const ablation = benchEntries({ models: ['FR_UNet'], ablation: 'sscr', scribbles: ['auto', 'centre'] });
  assert.equal(ablation.length, 8);
  const last = tinyConfig('/d');
  ablation[4].settings!(last);
  assert.deepEqual([last.data.scribbles, last.sscr.pseudoLabels, last.sscr.consistency], ['centre', 'none', 'none']);

  const runs = [
    [0.6, 0.7],
    [0.62, 0.68],
  ];
  const rowOf = (label: string, group: string) => {
    const seeds = runs.map(seedSummary);
    return { ...row('FR_UNet', '2d', {}), label, group, summary: summaryOverSeeds(seeds), seedSummaries: seeds };
  };
  const md = benchReportMarkdown(
    entries.map((e) => rowOf(e.label, e.group!)),
    SEEDS_META,
  );
  assert.match(md, /\| sscr \(auto\) − pce \(auto\) \|/);
  assert.match(md, /\| sscr \(centre\) − pce \(centre\) \|/);
  assert.match(md, /\| pce \(centre\) − fsl \|/);
  assert.doesNotMatch(md, /pce \(centre\) − sscr \(auto\)/);
});

describe('bench report table', () => {
  const rows = [
    row('A3', '3d', { DSC: 0.7, VC: 1.4 }),
    row('B2', '2d', { DSC: 0.6, VC: 0.9, AUC: null }),
    row('C2', '2d', { DSC: 0.8, VC: 1.2, AUC: 0.9 }),
    row('D32', '3d->2d', { DSC: 0.75 }),
    row('E3', '3d', { DSC: 0.7, VC: 1.05 }),
  ];

  test('best per category: highest mean, VC closest to 1, ties all win, NaN never', () => {
    assert.ok(
      better('VC', 0.95, 1.1) && !better('VC', 1.2, 0.9) && better('DSC', 0.2, null) && !better('DSC', null, 0.1),
    );
    const best = bestPerCategory(rows);
    assert.ok(best.get('C2')!.has('DSC') && !best.get('B2')!.has('DSC'));
    assert.ok(best.get('B2')!.has('VC') && !best.get('C2')!.has('VC'), 'VC 0.9 is closer to 1 than 1.2');
    assert.ok(best.get('C2')!.has('AUC') && !best.get('B2')!.has('AUC'));
    assert.ok(best.get('A3')!.has('DSC') && best.get('E3')!.has('DSC'), 'a tie marks both');
    assert.ok(best.get('E3')!.has('VC') && !best.get('A3')!.has('VC'));
    assert.ok(best.get('D32')!.has('DSC'), 'a category of one is its own best');
  });

  test('the Markdown groups by category and bolds the winners', () => {
    const md = benchReportMarkdown(rows, {
      dataDir: '/data',
      split: 'test',
      budget: { epochs: 2, patchesPerEpoch: 100, batchSize: 10 },
      frames: 8,
      patchSize: 64,
      tta: true,
      stride: 32,
      threshold: 0.5,
      figures: { chart: 'r_dsc.png', errors: 'r_errors.png', errorsCase: 's3' },
    });
    const lines = md.split('\n').filter((l) => /^\| (2d|3d|3d->2d) \|/.test(l));
    assert.deepEqual(
      lines.map((l) => l.split(' | ')[1]),
      ['B2', 'C2', 'A3', 'E3', 'D32'],
    );
    assert.match(lines[1], /^\| 2d \| C2 \| \*\*0\.8000 ± 0\.0100\*\* \|/);
    assert.match(lines[0], /^\| 2d \| B2 \| 0\.6000 ± 0\.0100 \|/);
    assert.match(md, /2 epochs x 100 random 64x64 patches \(batch 10, 20 steps\)/);
    assert.match(md, /!\[Mean DSC per model\]\(r_dsc\.png\)/);
    assert.match(md, /Error maps of test sequence s3/);
  });

  test('--budget parses epochs, patches and batch, and names a bad part', () => {
    assert.deepEqual(parseBudget('epochs=3,patches=64,batch=8'), { epochs: 3, patchesPerEpoch: 64, batchSize: 8 });
    assert.deepEqual(parseBudget('batch=4'), { epochs: 10, patchesPerEpoch: 2000, batchSize: 4 });
    assert.throws(
      () => parseBudget('epochs=3,steps=9'),
      (e: Error) => e instanceof UsageError && /'steps=9' is not/.test(e.message),
    );
    assert.throws(() => parseBudget('patches=4,batch=8'), /patches \(4\) must be at least batch \(8\)/);
    // Each part once: the last of two was taken silently.
    assert.throws(
      () => parseBudget('epochs=1,epochs=2'),
      (e: Error) =>
        e instanceof UsageError &&
        e.message === "--budget: epochs is given twice in 'epochs=1,epochs=2'; give each once",
    );
    // The bounds of the training settings they set (train.epochs, train.patchesPerEpoch, train.batchSize).
    assert.throws(() => parseBudget('epochs=10001'), /--budget: epochs must be at most 10000, got 10001/);
    assert.throws(() => parseBudget('batch=5000,patches=10000'), /--budget: batch must be at most 4096, got 5000/);
    assert.throws(() => parseBudget('patches=99999999999'), /--budget: patches must be at most 10000000/);
  });

  test('flag errors name the flag', async () => {
    const rejects = (args: string[], pattern: RegExp) =>
      assert.rejects(benchReport(args), (e: Error) => e instanceof UsageError && pattern.test(e.message));
    await rejects(['--models', 'UNet'], /--data DIR is required/);
    await rejects(['--data', '/no/such/dir', '--models', 'UNet'], /--data \/no\/such\/dir: no such folder/);
    await rejects(['--data', '.', '--models', ' , '], /--models A,B,C is required/);
    await rejects(['--data', '.', '--models', 'UNet', '--scribbles', 'auto,,x'], /--scribbles: a list of distinct/);
    await rejects(['--data', '.', '--models', 'UNet', '--scribbles', 'auto,auto'], /--scribbles: a list of distinct/);
    await rejects(
      ['--data', '.', '--models', 'UNet', '--model-options', 'VSS_Net={}'],
      /--model-options VSS_Net: not one of --models \(UNet\)/,
    );
    await rejects(
      ['--data', '.', '--models', 'UNet', '--model-options', 'UNet={feature_scale:2}'],
      /--model-options UNet: not valid JSON/,
    );
    await rejects(
      ['--data', '.', '--models', 'UNet', '--split', 'unlabelled'],
      /--split must be training, validation or test/,
    );
  });

  test('bar lengths are proportional to the values on a 0..1 axis', () => {
    const img = renderBarChart(
      [
        { label: 'A', value: 0.25, group: 'x' },
        { label: 'B', value: 1, group: 'y' },
      ],
      { plotWidth: 200, colors: { x: [10, 20, 30], y: [200, 10, 10] } },
    );
    const count = (c: readonly number[]) => {
      let best = 0;
      for (let y = 0; y < img.height; y++) {
        let n = 0;
        for (let x = 0; x < img.width; x++)
          if (img.data[(y * img.width + x) * 3] === c[0] && img.data[(y * img.width + x) * 3 + 1] === c[1]) n++;
        best = Math.max(best, n);
      }
      return best;
    };
    // The widest row of each colour: the bar itself (plus the legend swatch, which is narrower).
    assert.equal(count([10, 20, 30]), 50);
    assert.equal(count([200, 10, 10]), 200);
  });
});

describe('bench report run', () => {
  const { dir, cleanup } = tempDir('dias-bench-report-');
  after(cleanup);

  test('two tiny models trained a few steps: table, chart, error panel and one run folder each', async () => {
    const data = join(dir, 'data');
    writeTinyDataset(data, { splits: { training: 2, validation: 1, test: 2 }, width: 64, height: 64 });
    const lines: string[] = [];
    const result = await runModelReport({
      dataDir: data,
      models: ['FR_UNet', 'vss-net'],
      budget: { epochs: 1, patchesPerEpoch: 4, batchSize: 2 },
      out: join(dir, 'report.md'),
      modelOptions: { FR_UNet: { feature_scale: 16 }, 'vss-net': { feature_scale: 16 } },
      tta: false,
      log: (l) => lines.push(l),
    });
    assert.deepEqual(
      result.rows.map((r) => [r.model, r.kind]),
      [
        ['FR_UNet', '2d'],
        ['VSS_Net', '3d->2d'],
      ],
    );
    for (const r of result.rows) {
      assert.equal(r.summary.n_cases, 2);
      assert.ok(
        existsSync(join(r.runDir, 'checkpoint_best.safetensors')) &&
          existsSync(join(r.runDir, 'test_test', 'summary.json')),
      );
      assert.equal(r.options.feature_scale, 16);
    }
    const md = readFileSync(result.report, 'utf8');
    assert.match(md, /\| 2d \| FR_UNet \| \*\*/);
    assert.match(md, /\| 3d->2d \| VSS_Net \| \*\*/);
    assert.ok(existsSync(result.chart) && existsSync(result.errors!));
    assert.ok(lines.some((l) => /VSS_Net on test: DSC/.test(l)));
    await assert.rejects(
      runModelReport({
        dataDir: data,
        models: ['FR_UNet', 'no-such-net'],
        budget: { epochs: 1, patchesPerEpoch: 4, batchSize: 2 },
        out: join(dir, 'r2.md'),
        log: () => {},
      }),
      /unknown model 'no-such-net'/,
    );
    assert.ok(!existsSync(join(dir, 'r2-runs')), 'nothing trained when a model name is wrong');
  });

  test('recipes (Table 3) and the SSCR ablation (Table 4): one row each, scribble rows relative to fsl', async () => {
    const data = join(dir, 'lines');
    writeLineDataset(data, { training: 2, validation: 2, size: 32, scribbles: true });
    const base = tinyConfig(data);
    const quietReport = {
      budget: { epochs: 1, patchesPerEpoch: 8, batchSize: 4 },
      baseConfig: base,
      split: 'validation' as const,
      tta: false,
      log: () => {},
    };
    const recipes = await runModelReport({
      dataDir: data,
      models: ['FR_UNet'],
      recipes: ['fsl', 'pce', 'sscr', 'dmpls'],
      out: join(dir, 'recipes.md'),
      ...quietReport,
    });
    assert.deepEqual(result(recipes), [
      ['fsl', 'full', 'FR_UNet'],
      ['pce', 'scribble', 'FR_UNet'],
      ['sscr', 'scribble', 'FR_UNet'],
      ['dmpls (UNet_CCT)', 'scribble', 'UNet_CCT'],
    ]);
    const md = readFileSync(recipes.report, 'utf8');
    assert.match(md, /^# DIAS-TS training-recipe benchmark/);
    assert.match(md, /\| Category \| Recipe \| DSC/);
    assert.match(md, /\| full \| fsl \| \*\*/, 'a group of one is its own best');
    assert.match(md, /- sscr: DSC [\d.]+ x that of full supervision/);
    assert.ok(!/dmpls \(UNet_CCT\): DSC/.test(md), 'no ratio across different models');
    assert.equal(readRunConfig(recipes.rows[2].runDir).train.recipe, 'sscr');

    const ablation = await runModelReport({
      dataDir: data,
      models: ['FR_UNet'],
      ablation: 'sscr',
      out: join(dir, 'ablation.md'),
      ...quietReport,
    });
    assert.deepEqual(
      ablation.rows.map((r) => r.label),
      ['pCE', '+ self-training', '+ cross pseudo supervision', '+ consistency (SSCR)'],
    );
    const sscr = ablation.rows.map((r) => readRunConfig(r.runDir).sscr);
    assert.deepEqual(
      sscr.map((c) => [c.pseudoLabels, c.consistency]),
      [
        ['none', 'none'],
        ['self', 'none'],
        ['cross', 'none'],
        ['cross', 'probability'],
      ],
    );
    assert.deepEqual(Object.keys(readLog(ablation.rows[0].runDir)[0].train), ['loss', 'pce']);
    assert.match(readFileSync(ablation.report, 'utf8'), /^# DIAS-TS SSCR ablation/);
  });
});

function result(r: { rows: ModelRow[] }): [string, string, string][] {
  return r.rows.map((row) => [row.label!, row.group!, row.model]);
}
