// The run report: the no-training baselines on images whose answers are known, and the report `dias test
// --report` writes for a tiny run (its table, picture and links).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { otsuThreshold, baselineMetrics } from '../src/eval/baselines.js';
import { writeRunReport } from '../src/eval/run-report.js';
import { testCommand } from '../src/cli/test.js';
import { tempDir } from './data-fixture.js';
import { writeTinyDataset, writeTinyRun } from './eval-fixture.js';
import type { DsaSequence } from '../src/data/sequence.js';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('baselines', () => {
  test('Otsu splits two clusters between them', () => {
    const values = [...Array(300).fill(0.2), ...Array(100).fill(0.75)].map((v, i) => v + ((i % 7) - 3) * 0.01);
    const t = otsuThreshold(values);
    // Every lower value below the threshold, every upper one at or above it (values >= t are the upper class).
    assert.ok(values.slice(0, 300).every((v) => v < t) && values.slice(300).every((v) => v >= t), String(t));
  });

  test('all background, all vessel and MinIP + Otsu on a sequence whose vessel is the only dark thing', () => {
    const [T, H, W] = [3, 20, 30];
    const label = new Uint8Array(H * W);
    for (let y = 0; y < H; y++) for (let x = 10; x < 13; x++) label[y * W + x] = 1;
    const frames = new Float32Array(T * H * W).fill(200);
    // The vessel darkens in frame 1 only: the MinIP sees it, the other frames do not.
    for (let p = 0; p < H * W; p++) if (label[p]) frames[H * W + p] = 40;
    const seq: DsaSequence = { id: 'v', source: 'test', frames, T, H, W, label, meta: {} };
    const b = baselineMetrics(seq);
    const f = 3 / 30;
    assert.equal(b['all background'].DSC, 0);
    assert.equal(b['all background'].Spe, 1);
    assert.ok(Math.abs(b['all vessel'].DSC - (2 * f) / (1 + f)) < 1e-12);
    assert.equal(b['MinIP + Otsu'].DSC, 1);
    assert.equal(b['MinIP + Otsu'].AUC, 1);
    assert.throws(() => baselineMetrics({ ...seq, label: undefined }), /baselines need a label/);
  });
});

describe('run report', () => {
  const { dir, cleanup } = tempDir('dias-run-report-');
  const data = join(dir, 'data');
  const run = join(dir, 'run');
  before(() => {
    writeTinyDataset(data, { splits: { training: 1, test: 4 } });
    writeTinyRun(run, { dataDir: data });
  });
  after(cleanup);

  test('dias test --report writes the table with baselines and the best/median/worst picture', async (t) => {
    const log = t.mock.method(console, 'log', () => {});
    const out = join(dir, 'report.md');
    assert.equal(await testCommand.run(['--run', run, '--report', out, '--no-tta', '--no-progress']), 0);
    const printed = log.mock.calls.map((c) => String(c.arguments[0])).join('\n');
    assert.match(
      printed,
      /run report: .*report\.md \(test DSC 0\.\d{4}; baselines: all background 0\.0000, all vessel 0\.\d{4}, MinIP \+ Otsu 1\.0000\)/,
    );
    const md = readFileSync(out, 'utf8');
    assert.match(md, /^# FR_UNet on test/);
    assert.match(md, /\| \*\*FR_UNet\*\* \| \*\*0\.\d{4} ± 0\.\d{4}\*\*/);
    for (const b of ['all background', 'all vessel', 'MinIP \\+ Otsu']) assert.match(md, new RegExp(`\\| ${b} \\| `));
    assert.match(md, /!\[Test sequences\]\(report_cases\.png\)/);
    assert.match(md, /no log\.jsonl in the run folder/);
    assert.match(md, /\| s4 \| /);
    // Three rows (best, median, worst) of four 64 x 48 tiles with 4-pixel margins.
    assert.deepEqual(pngSize(join(dir, 'report_cases.png')), { width: 4 * 64 + 5 * 4, height: 3 * 48 + 4 * 4 });
  });

  test('a run without test results is an error naming the missing file', () => {
    assert.throws(
      () => writeRunReport({ runDir: run, split: 'validation', out: join(dir, 'r2.md') }),
      /test_validation[/\\]summary\.json: missing \(run dias test/,
    );
    assert.ok(!existsSync(join(dir, 'r2.md')));
  });
});
