// `dias test` end to end on a tiny dataset and run folder: the files it writes, that the numbers in them are the
// metrics of the probability maps it saved, the --json line, and the errors a user meets.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNpy } from '@dias-ts/torch';
import { readGrayPng } from '../src/image/png.js';
import { evaluateImage, METRIC_NAMES } from '../src/metrics/metrics.js';
import { testCommand } from '../src/cli/test.js';
import { UsageError } from '../src/cli/command.js';
import { tempDir } from './data-fixture.js';
import { writeTinyDataset, writeTinyRun } from './eval-fixture.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const { dir, cleanup } = tempDir('dias-test-cli-');
const data = join(dir, 'data');
const run = join(dir, 'run');
after(cleanup);

function dias(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=dias-source', '--import', 'tsx', MAIN, 'test', ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dias test', () => {
  before(() => {
    writeTinyDataset(data, { splits: { training: 1, validation: 1, test: 2 } });
    writeTinyRun(run, { dataDir: data });
  });

  test('--json: every file is written, and the numbers are the metrics of the saved probability maps', () => {
    const r = dias('--run', run, '--json', '--no-progress');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const json = JSON.parse(lines[lines.length - 1]);
    assert.deepEqual(Object.keys(json), ['mean', 'std', 'per_case']);
    assert.deepEqual(Object.keys(json.mean), [...METRIC_NAMES]);
    assert.deepEqual(Object.keys(json.std), [...METRIC_NAMES]);
    assert.deepEqual(
      json.per_case.map((c: { id: string }) => c.id),
      ['s2', 's3'],
    );
    assert.deepEqual(Object.keys(json.per_case[0]), ['id', ...METRIC_NAMES]);

    const out = join(run, 'test_test');
    const files = readdirSync(out).sort();
    for (const id of ['s2', 's3'])
      for (const kind of ['prob.npy', 'prob.png', 'mask.png', 'error.png', 'overlay.png'])
        assert.ok(files.includes(`${id}_${kind}`), `${id}_${kind}`);
    for (const f of ['summary.json', 'metrics.csv', 'summary.md']) assert.ok(files.includes(f), f);
    assert.ok(!readdirSync(run).some((n) => n.includes('partial')), 'no staging folder left');

    for (const c of json.per_case) {
      const t = loadNpy(join(out, `${c.id}_prob.npy`));
      assert.deepEqual(t.shape, [48, 64]);
      const prob = t.toTypedArray() as Float32Array;
      t.dispose();
      const label = readGrayPng(join(data, 'test', 'labels', `label_${c.id}.png`)).data;
      const { metrics, prediction } = evaluateImage(prob, label, 64, 48);
      for (const m of METRIC_NAMES) assert.equal(c[m], Number.isNaN(metrics[m]) ? null : metrics[m], `${c.id} ${m}`);
      assert.deepEqual(
        Array.from(readGrayPng(join(out, `${c.id}_mask.png`)).data),
        Array.from(prediction, (v) => v * 255),
      );
    }
    const dsc = json.per_case.map((c: { DSC: number }) => c.DSC);
    assert.ok(Math.abs(json.mean.DSC - (dsc[0] + dsc[1]) / 2) < 1e-12);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.n_cases, 2);
    assert.equal(summary.model, 'FR_UNet');
    assert.equal(summary.tta, true);
    assert.equal(readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').length, 3);
    assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /^# FR_UNet on test/);
  });

  test('options reach the report: split, checkpoint, stride, TTA, blend', async (t) => {
    t.mock.method(console, 'log', () => {});
    assert.equal(
      await testCommand.run([
        '--run',
        run,
        '--data',
        data,
        '--split',
        'validation',
        '--checkpoint',
        'latest',
        '--no-tta',
        '--stride',
        '64',
        '--blend',
        'gaussian',
        '--no-progress',
      ]),
      0,
    );
    const summary = JSON.parse(readFileSync(join(run, 'test_validation', 'summary.json'), 'utf8'));
    assert.equal(summary.split, 'validation');
    assert.equal(summary.n_cases, 1);
    assert.equal(summary.metric_per_case[0].id, 's1');
    assert.equal(summary.tta, false);
    assert.equal(summary.stride, 64);
    assert.equal(summary.blend, 'gaussian');
    assert.match(summary.weights, /checkpoint_latest\.safetensors$/);
  });

  test('--scheme whole: the whole image per pass, recorded in summary.json instead of the patch settings', async (t) => {
    t.mock.method(console, 'log', () => {});
    const args = ['--run', run, '--data', data, '--split', 'validation', '--no-tta', '--no-progress'];
    assert.equal(await testCommand.run([...args, '--scheme', 'whole']), 0);
    const summary = JSON.parse(readFileSync(join(run, 'test_validation', 'summary.json'), 'utf8'));
    assert.equal(summary.scheme, 'whole');
    assert.equal(summary.tile, 1024);
    assert.equal(summary.stride, undefined);
    await assert.rejects(testCommand.run([...args, '--scheme', 'whole', '--stride', '32']), /--stride goes with/);
  });

  test('a test that fails half way leaves the previous results and no partial folder', async (t) => {
    t.mock.method(console, 'log', () => {});
    const before = readFileSync(join(run, 'test_test', 'summary.json'), 'utf8');
    writeFileSync(join(data, 'test', 'labels', 'label_s3.png'), 'not a png');
    await assert.rejects(testCommand.run(['--run', run, '--no-progress']), /label_s3\.png/);
    assert.equal(readFileSync(join(run, 'test_test', 'summary.json'), 'utf8'), before);
    assert.ok(!readdirSync(run).some((n) => n.includes('partial')));
  });

  test('a missing run folder or checkpoint exits with code 2 and says what is missing', () => {
    const missing = dias('--run', join(dir, 'no-run'), '--data', data);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--run .*no-run: no such run folder/);
    const partial = join(dir, 'partial-run');
    writeTinyRun(partial, { dataDir: data, checkpoints: ['latest'] });
    const noBest = dias('--run', partial);
    assert.equal(noBest.code, 2);
    assert.match(
      noBest.stderr,
      /checkpoint_best\.safetensors: no such checkpoint \(the run has checkpoint_latest\.safetensors\)/,
    );
    assert.ok(!existsSync(join(partial, 'test_test')));
  });

  test('bad flags are usage errors', async () => {
    const rejects = (args: string[], pattern: RegExp) =>
      assert.rejects(testCommand.run(args), (e: Error) => e instanceof UsageError && pattern.test(e.message));
    await rejects([], /--run RUN is required/);
    await rejects(['--run', run, '--split', 'unlabelled'], /--split must be training, validation or test/);
    await rejects(['--run', run, '--checkpoint', 'newest'], /--checkpoint must be best, final or latest/);
    await rejects(['--run', run, '--blend', 'max'], /--blend must be average or gaussian/);
    await rejects(['--run', run, '--stride', '0'], /--stride must be a positive integer/);
    await rejects(['--run', run, '--stride', '65'], /must not exceed the 64-pixel patch/);
    await rejects(['--run', run, '--data', join(dir, 'nowhere')], /--data .*nowhere: no such folder/);
  });
});
