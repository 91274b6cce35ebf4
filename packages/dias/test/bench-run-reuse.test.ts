// --reuse of the benchmark reports (bench/run-reuse.ts): a finished run is reused only for the very config it was
// trained with, and a finished run with another config is named with the keys that differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { configDifferences, finishedRunDifferences, reuseLine } from '../src/bench/run-reuse.js';
import { readRunConfig } from '../src/train/run-folder.js';
import { tempDir } from './data-fixture.js';
import { writeTinyRun } from './eval-fixture.js';

test('configDifferences names every dotted key that differs, nested or missing on one side', () => {
  const a = { train: { threads: 1, seed: 1234 }, model: { options: { feature_scale: 16 } }, list: [1, 2] };
  assert.deepEqual(configDifferences(a, structuredClone(a)), []);
  const b = { train: { threads: 2, seed: 1234 }, model: { options: {} }, list: [1, 3], extra: true };
  assert.deepEqual(configDifferences(a, b), ['extra', 'list', 'model.options.feature_scale', 'train.threads']);
});

test('a finished run is reused for its own config only; another config is named, no run is none', (t) => {
  const { dir, cleanup } = tempDir('dias-run-reuse-');
  t.after(cleanup);
  const run = join(dir, 'run');
  writeTinyRun(run, { checkpoints: ['best', 'final'] });
  const config = readRunConfig(run);
  assert.deepEqual(finishedRunDifferences(run, config), []);
  assert.match(reuseLine('[1/2] fsl', run, []), /reusing the finished run/);

  const other = structuredClone(config);
  other.train.threads = (config.train.threads ?? 1) + 1;
  const differences = finishedRunDifferences(run, other);
  assert.deepEqual(differences, ['train.threads']);
  assert.equal(
    reuseLine('[1/2] fsl', run, differences),
    `[1/2] fsl: training into ${run} again: the finished run there has another config (train.threads)`,
  );

  const unfinished = join(dir, 'unfinished');
  writeTinyRun(unfinished, { checkpoints: ['best'] });
  assert.equal(finishedRunDifferences(unfinished, config), null);
  assert.equal(finishedRunDifferences(join(dir, 'absent'), config), null);
  assert.equal(reuseLine('[1/2] fsl', unfinished, null), `[1/2] fsl: training into ${unfinished}`);
});
