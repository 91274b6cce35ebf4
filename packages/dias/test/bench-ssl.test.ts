// `dias bench ssl` on a tiny line dataset: one RPST run per labelled count with every stage tested, the baselines
// and the upper bound beside it, the table and the curve written; RPST variants beside one set of baselines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSslReport, sslReportMarkdown, type SslReportOptions } from '../src/bench/ssl-report.js';
import type { EvaluationSummary } from '../src/eval/report.js';
import { readRunConfig, stagePath } from '../src/train/run-folder.js';
import { tempDir } from './data-fixture.js';
import { tinyConfig, writeLineDataset } from './train-fixture.js';

/** A report over DIR/data (one RPST student, one-epoch stages of two steps), its log lines into `lines`. */
function tinySsl(dir: string, lines: string[]): Omit<SslReportOptions, 'labelled'> {
  const data = join(dir, 'data');
  return {
    dataDir: data,
    model: 'FR_UNet',
    modelOptions: { feature_scale: 16 },
    iterations: 1,
    budget: { epochs: 1, patchesPerEpoch: 8, batchSize: 4 },
    baseConfig: tinyConfig(data),
    out: join(dir, 'ssl.md'),
    split: 'validation',
    tta: false,
    log: (l) => lines.push(l),
    events: () => ({ log: () => {} }),
  };
}

test('bench ssl: RPST stages per labelled count, mean teacher, CPS and the upper bound; table and curve', async () => {
  const { dir, cleanup } = tempDir('dias-bench-ssl-');
  try {
    const data = join(dir, 'data');
    writeLineDataset(data, { training: 2, validation: 2, unlabelled: 2, size: 32 });
    const lines: string[] = [];
    const r = await runSslReport({ ...tinySsl(dir, lines), labelled: [1, 2] });
    assert.deepEqual(
      r.rows.map((x) => x.labelled),
      [1, 2],
    );
    for (const row of r.rows) {
      assert.equal(row.stages.length, 2, 'teacher and one re-training');
      for (const s of [...row.stages, row.meanTeacher!, row.cps!]) assert.equal(typeof s.mean, 'number');
    }
    const runs = join(dir, 'ssl-runs');
    assert.equal(readRunConfig(join(runs, 'rpst-2')).data.labelled, 2);
    assert.equal(
      readRunConfig(join(runs, 'cps-1')).train.epochs,
      2,
      'baselines train as many epochs as the whole RPST run',
    );
    assert.ok(
      existsSync(join(stagePath(join(runs, 'rpst-1'), 1), 'test_validation', 'summary.json')),
      'each stage is tested beside its weights',
    );
    assert.equal(typeof r.upperBound?.mean, 'number');
    const md = readFileSync(r.report, 'utf8');
    assert.match(md, /\| Labelled \| Teacher \| Re-train #1 \| Mean teacher \| CPS \|/);
    assert.match(md, /^\| 1 \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \|$/m);
    assert.match(md, /Full supervision on every training sequence \(upper bound\): DSC [\d.]+/);
    assert.ok(existsSync(r.figure));
    assert.ok(lines.some((l) => /RPST 1 labelled, re-train #1: DSC/.test(l)));
  } finally {
    cleanup();
  }
});

test('the ssl table marks nothing it did not measure', () => {
  const md = sslReportMarkdown(
    [
      {
        labelled: 3,
        stages: [
          { mean: 0.5, std: 0.1 },
          { mean: null, std: null },
        ],
      },
    ],
    {
      dataDir: '/d',
      model: 'UNet',
      split: 'test',
      budget: { epochs: 1, patchesPerEpoch: 8, batchSize: 4 },
      iterations: 1,
      figure: 'c.png',
      notes: [],
    },
  );
  assert.match(md, /\| Labelled \| Teacher \| Re-train #1 \|$/m);
  assert.match(md, /\| 3 \| 0\.5000 ± 0\.1000 \| NaN ± NaN \|/);
  assert.ok(!/upper bound/.test(md));
});

test('over seeds: RPST against its teacher and the baselines, paired on seeds and cases', () => {
  // Per seed, four cases: RPST's last stage 0.05 above mean teacher everywhere, equal to CPS up to noise.
  const summary = (values: number[]) =>
    ({
      mean: { DSC: values.reduce((a, v) => a + v, 0) / values.length },
      std: { DSC: 0 },
      metric_per_case: values.map((v, i) => ({ id: `s${i}`, DSC: v })),
    }) as unknown as EvaluationSummary;
  const base = [0.6, 0.65, 0.7, 0.75];
  const seedRuns = [0, 1, 2].map((k) => ({
    stages: [summary(base.map((v) => v - 0.1 + k * 0.01)), summary(base.map((v) => v + k * 0.01))],
    meanTeacher: summary(base.map((v) => v - 0.05 + k * 0.01)),
    cps: summary(base.map((v, i) => v + k * 0.01 + (i % 2 ? 0.02 : -0.02))),
  }));
  const md = sslReportMarkdown([{ labelled: 1, stages: [], seedRuns }], {
    dataDir: '/d',
    model: 'UNet',
    split: 'test',
    budget: { epochs: 1, patchesPerEpoch: 8, batchSize: 4 },
    iterations: 1,
    figure: 'c.png',
    notes: [],
  });
  assert.match(md, /mean over 3 training seeds/);
  assert.match(md, /\| 1 \| RPST − teacher \| \*\*\+0\.1000 \[\+0\.1000, \+0\.1000\]\*\* \|/);
  assert.match(md, /\| 1 \| RPST − mean teacher \| \*\*\+0\.0500/);
  const cps = md.split('\n').find((l) => l.includes('RPST − CPS'))!;
  assert.ok(cps && !cps.includes('**'), cps);
});

test('variants: RPST trained once per variant beside one set of baselines, each paired against the first', async () => {
  const { dir, cleanup } = tempDir('dias-bench-ssl-variants-');
  try {
    const data = join(dir, 'data');
    writeLineDataset(data, { training: 2, validation: 2, unlabelled: 2, size: 32 });
    const lines: string[] = [];
    const r = await runSslReport({
      ...tinySsl(dir, lines),
      labelled: [1],
      variants: [
        { name: 'rpst', settings: [] },
        { name: 'continue', settings: [['rpst.schedule', 'continue']] },
      ],
      seeds: 2,
    });
    assert.deepEqual(
      r.rows.map((x) => x.variant),
      ['rpst', 'continue'],
    );
    const runs = join(dir, 'ssl-runs');
    assert.equal(readRunConfig(join(runs, 'rpst-1-seed3')).rpst.schedule, 'restart');
    assert.equal(readRunConfig(join(runs, 'rpst-continue-1-seed4')).rpst.schedule, 'continue');
    assert.equal(readRunConfig(stagePath(join(runs, 'rpst-continue-1-seed4'), 1)).scheduler.startEpoch, 1);
    // One mean teacher per seed, whatever the number of variants; both rows carry its results.
    assert.equal(lines.filter((l) => /^mean-teacher with 1 labelled.*training into/.test(l)).length, 2);
    assert.deepEqual(r.rows[0].meanTeacher, r.rows[1].meanTeacher);
    const md = readFileSync(r.report, 'utf8');
    assert.match(md, /\| Labelled \| RPST variant \| Teacher \| Re-train #1 \| Mean teacher \| CPS \|/);
    assert.match(md, /^\| 1 \| continue \| [\d.]+ ± [\d.]+ \|/m);
    assert.match(md, /\| 1 \| RPST continue − RPST rpst \| [^|]*\d\.\d{4} \[/);
    assert.match(md, /\| 1 \| RPST rpst − CPS \|/);
    assert.doesNotMatch(md, /RPST rpst − RPST rpst/);
    assert.match(md, /RPST continue: as rpst with rpst\.schedule = "continue"/);
  } finally {
    cleanup();
  }
});
