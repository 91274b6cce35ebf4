// Evaluation report writers: summary.json, metrics.csv and summary.md from real metric computations.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateImage } from '../src/metrics/metrics.js';
import { buildSummary, metricsCsv, writeEvaluationReport, type CaseResult } from '../src/eval/report.js';

const dir = mkdtempSync(join(tmpdir(), 'dias-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Three cases on a 20x12 image with one horizontal vessel: perfect, half missed, and nothing to find at all.
const w = 20,
  h = 12;
const vessel = new Uint8Array(w * h);
for (let x = 0; x < w; x++) for (let y = 5; y <= 6; y++) vessel[y * w + x] = 1;
function run(id: string, prob: Float32Array, gt: Uint8Array): CaseResult {
  const { metrics, counts } = evaluateImage(prob, gt, w, h);
  return { id, metrics, counts };
}
const perfect = run(
  'perfect',
  Float32Array.from(vessel, (v) => 0.9 * v),
  vessel,
);
const half = run(
  'half, missed',
  Float32Array.from(vessel, (v, i) => (v && i % w < 10 ? 0.8 : 0.1)),
  vessel,
);
const empty = run('empty', new Float32Array(w * h), new Uint8Array(w * h));
const cases = [perfect, half, empty];

describe('evaluation report', () => {
  test('summary.json: per case, NaN-aware mean and population std, NaN counts, notes', () => {
    const files = writeEvaluationReport(dir, cases, { threshold: 0.5, extra: { model: 'UNet' } });
    assert.deepEqual(readdirSync(dir).sort(), ['metrics.csv', 'summary.json', 'summary.md']); // no temporary files left
    const s = JSON.parse(readFileSync(files.summaryJson, 'utf8'));
    assert.equal(s.model, 'UNet');
    assert.equal(s.n_cases, 3);
    assert.deepEqual(
      s.metric_per_case.map((c: { id: string }) => c.id),
      ['perfect', 'half, missed', 'empty'],
    );
    assert.equal(s.metric_per_case[0].DSC, 1);
    assert.equal(s.metric_per_case[1].tp, 20);
    assert.equal(s.metric_per_case[1].fn, 20);
    assert.equal(s.metric_per_case[2].DSC, null); // empty/empty: undefined
    // DSC over the two defined cases: 1 and 2*20/(2*20+20) = 2/3.
    assert.ok(Math.abs(s.mean.DSC - (1 + 2 / 3) / 2) < 1e-12);
    assert.ok(Math.abs(s.std.DSC - (1 - 2 / 3) / 2) < 1e-12);
    assert.equal(s.nan_counts.DSC, 1);
    assert.equal(s.nan_counts.Acc, 0);
    assert.equal(s.mean.Acc, (1 + (1 - 20 / 240) + 1) / 3);
    assert.ok(s.notes.some((n: string) => /nnU-Net/.test(n)));
  });

  test('metrics.csv: one row per case with counts, quoted ids, NaN spelled out', () => {
    const lines = readFileSync(join(dir, 'metrics.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'id,DSC,Acc,Sen,Spe,IoU,AUC,clDice,VC,tp,fp,fn,tn');
    assert.equal(lines.length, 4);
    assert.ok(lines[1].startsWith('perfect,1,1,1,1,1,1,1,1,40,0,0,200'), lines[1]);
    assert.ok(lines[2].startsWith('"half, missed",0.6666666666666666,'), lines[2]);
    assert.match(lines[3], /^empty,NaN,1,NaN,1,NaN,NaN,NaN,1,0,0,0,240$/);
    assert.equal(
      metricsCsv([{ id: 'x', metrics: perfect.metrics }]).split('\n')[0],
      'id,DSC,Acc,Sen,Spe,IoU,AUC,clDice,VC',
    );
  });

  test('summary.md: mean ± std table, per-case rows, undefined values named', () => {
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    assert.match(md, /^# Evaluation/);
    assert.match(md, /\| DSC \| Acc \| Sen \| Spe \| IoU \| AUC \| clDice \| VC \|/);
    assert.match(md, /\| 0\.8333 ± 0\.1667 \|/);
    assert.match(md, /DSC in 1 case\(s\)/);
    assert.match(md, /\| half, missed \| 0\.6667 \|/);
    assert.match(md, /\| empty \| NaN \|/);
  });

  test('duplicate ids and clashing extra keys are errors', () => {
    assert.throws(() => buildSummary([perfect, perfect]), /'perfect' appears twice/);
    assert.throws(() => buildSummary([perfect], { extra: { mean: 1 } }), /extra entry 'mean'/);
  });
});
