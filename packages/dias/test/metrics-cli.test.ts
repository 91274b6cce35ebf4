// `dias metrics` end to end: .npy and PNG inputs, --json output, and the errors a user meets.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNpy } from '@dias-ts/torch';
import { writeGrayPng } from '../src/image/png.js';
import { evaluateImage } from '../src/metrics/metrics.js';
import { metricsCommand } from '../src/cli/metrics.js';
import { UsageError } from '../src/cli/command.js';
import { sharedPath } from '../../../test-support/shared-data.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const REFERENCE = sharedPath('reference/metrics');
const haveReference = existsSync(`${REFERENCE}/cases.json`);
const dir = mkdtempSync(join(tmpdir(), 'dias-metrics-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function dias(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=dias-source', '--import', 'tsx', MAIN, 'metrics', ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(stdout: string): Record<string, number | null> {
  const lines = stdout.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

describe('dias metrics', { skip: !haveReference && 'no shared reference' }, () => {
  const name = 'dilated_with_gap';
  const prob = `${REFERENCE}/case_${name}.prob.npy`;
  const gt = `${REFERENCE}/case_${name}.gt.npy`;

  test('--json on .npy inputs prints the golden values', () => {
    const expected = JSON.parse(readFileSync(`${REFERENCE}/cases.json`, 'utf8')).cases[name];
    const r = dias('--prob', prob, '--gt', gt, '--json');
    assert.equal(r.code, 0, r.stderr);
    const got = lastJson(r.stdout);
    assert.deepEqual(Object.keys(got), ['DSC', 'Acc', 'Sen', 'Spe', 'IoU', 'AUC', 'clDice', 'VC']);
    for (const [k, v] of Object.entries(got))
      assert.ok(Math.abs((v as number) - expected[k]) <= 1e-6, `${k}: ${v} vs ${expected[k]}`);
  });

  test('PNG inputs: probability /255, ground truth 0/255; --threshold applies; a grey ground truth is refused', () => {
    const p = loadNpy(prob),
      g = loadNpy(gt);
    const [h, w] = p.shape;
    const pv = p.toTypedArray() as Float32Array,
      gv = g.toTypedArray() as Uint8Array;
    p.dispose();
    g.dispose();
    const grey = Float32Array.from(pv, (v) => Math.round(v * 255));
    writeGrayPng(join(dir, 'prob.png'), w, h, grey);
    writeGrayPng(
      join(dir, 'gt.png'),
      w,
      h,
      Float32Array.from(gv, (v) => (v ? 255 : 0)),
    );
    writeGrayPng(
      join(dir, 'grey-gt.png'),
      w,
      h,
      Float32Array.from(gv, (v) => (v ? 200 : 60)),
    );
    const want = evaluateImage(
      Float64Array.from(grey, (v) => v / 255),
      gv,
      w,
      h,
      { threshold: 0.4 },
    ).metrics;
    const r = dias('--prob', join(dir, 'prob.png'), '--gt', join(dir, 'gt.png'), '--threshold', '0.4', '--json');
    assert.equal(r.code, 0, r.stderr);
    const got = lastJson(r.stdout);
    for (const [k, v] of Object.entries(want)) assert.equal(got[k], v, k);
    const refused = dias('--prob', join(dir, 'prob.png'), '--gt', join(dir, 'grey-gt.png'));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /grey-gt\.png: label values must be 0 and 255 \(or 0 and 1\); found 60, 200/);
  });

  test('plain output lists every metric and the counts', async (t) => {
    const log = t.mock.method(console, 'log', () => {});
    assert.equal(await metricsCommand.run(['--prob', prob, '--gt', gt]), 0);
    const out = log.mock.calls.map((c) => c.arguments.join(' ')).join('\n');
    assert.match(out, /clDice\s+0\.9244/);
    assert.match(out, /TP 1339 {2}FP 783 {2}FN 129 {2}TN 6965/);
  });

  test('a missing file exits with code 2 and names it', () => {
    const missing = dias('--prob', join(dir, 'nope.npy'), '--gt', gt);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--prob .*nope\.npy: no such file/);
  });

  test('shape mismatches, non-binary ground truth and bad flags are clear errors', async () => {
    const run = (...args: string[]) => metricsCommand.run(args);
    await assert.rejects(run('--prob', `${REFERENCE}/case_thin_vessels.prob.npy`, '--gt', gt), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /shape mismatch: .*150x200.*96x96/);
      return true;
    });
    await assert.rejects(
      run('--prob', prob, '--gt', prob),
      /case_dilated_with_gap\.prob\.npy: label values must be 0 and 255 \(or 0 and 1\)/,
    );
    await assert.rejects(run('--prob', prob), /--gt is required/);
    await assert.rejects(run('--prob', prob, '--gt', gt, '--threshold', 'half'), /--threshold must be a number/);
    await assert.rejects(run('--prob', `${REFERENCE}/cases.json`, '--gt', gt), /expected a \.npy or \.png file/);
  });
});
