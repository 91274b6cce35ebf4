// dias bench segment's measurement (bench/segment-bench.ts) on a tiny FR-UNet: one round per size writes what
// `dias segment --fast` writes, the probability map is the whole-image Predictor's, and the rows carry medians of
// every part (no timing is asserted). The PyTorch side runs only where Python has torch and the official code is
// given (not in the tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadNpy } from '@dias-ts/torch';
import { benchSegment, benchSequence, segmentOnce } from '../src/bench/segment-bench.js';
import { Predictor } from '../src/predict/predictor.js';
import { readSequence } from '../src/data/readers/read-sequence.js';
import { loadWeightsFile } from '../src/train/run-folder.js';
import { tempDir } from './data-fixture.js';
import { writeTinyRun } from './eval-fixture.js';

test('bench segment: outputs as dias segment --fast, the whole-image map, medians per size', async (t) => {
  const { dir, cleanup } = tempDir('dias-bench-segment-');
  t.after(cleanup);
  writeTinyRun(join(dir, 'run'), { frames: 8, dataDir: dir, checkpoints: ['best'] });
  const weights = join(dir, 'run', 'checkpoint_best.safetensors');
  const rows = await benchSegment({ weights, sizes: [32, 48], rounds: 1, dir: join(dir, 'b'), threads: 1 });
  assert.deepEqual(
    rows.map((r) => [r.size, r.frames, r.rounds, r.pytorch, r.ratio]),
    [
      [32, 8, 1, null, null],
      [48, 8, 1, null, null],
    ],
  );
  for (const r of rows) {
    const { load, read, predict, write, total } = r.ours;
    assert.ok([load, read, predict, write].every((x) => x >= 0));
    assert.ok(Math.abs(load + read + predict + write - total) < 0.01);
    assert.ok(r.best.ours > 0 && r.best.ours <= total + 1e-9 && r.best.pytorch === null);
  }
  for (const f of ['bench_prob.npy', 'bench_prob.png', 'bench_mask.png', 'bench_overlay.png'])
    assert.ok(existsSync(join(dir, 'b', 'ours_48', f)), f);

  const input = join(dir, 'b', 'input_48.npy');
  const out = join(dir, 'once');
  await segmentOnce(weights, input, out);
  const m = loadWeightsFile(weights);
  const want = new Predictor(m.model, m.spec, { scheme: 'whole', tta: false, frames: 8 }).predict(
    await readSequence(input),
  );
  m.model.dispose();
  const got = loadNpy(join(out, 'bench_prob.npy'));
  const g = got.toTypedArray() as Float32Array;
  got.dispose();
  let d = 0;
  for (let i = 0; i < g.length; i++) d = Math.max(d, Math.abs(g[i] - want[i]));
  assert.ok(d < 1e-6, `max difference ${d}`);
});

test('the bench input: T x S x S, dark stripes that fill in over time on a bright background', () => {
  const s = benchSequence(4, 40);
  assert.equal(s.length, 4 * 40 * 40);
  let darkFirst = 0;
  let darkLast = 0;
  for (let i = 0; i < 1600; i++) {
    if (s[i] < 150) darkFirst++;
    if (s[3 * 1600 + i] < 150) darkLast++;
  }
  assert.ok(darkLast > darkFirst && darkFirst > 0);
});
