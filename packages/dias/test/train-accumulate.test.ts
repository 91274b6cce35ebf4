// Gradient accumulation (train.accumulate): the batch split into contiguous equal shares, and one optimizer step
// over K micro-batches equal to one over the whole batch when the samples do not interact: batch norm frozen and a
// loss that is a mean over equally many pixels per patch (partial CE with every pixel annotated). The fsl loss's
// soft Dice is taken over its whole (micro-)batch, so there K micro-batches -- like K processes -- differ slightly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed } from '@dias-ts/torch';
import { finalizeTrainConfig } from '../src/train/config.js';
import { batchShare } from '../src/train/micro-batch.js';
import { buildModel, resolveModelSetup } from '../src/train/model-setup.js';
import { buildOptimizer, buildScheduler } from '../src/train/optimization.js';
import { findRecipe } from '../src/train/recipes/index.js';
import { stepContext, trainStep, type Network } from '../src/train/train-step.js';
import { NetworkSet } from '../src/train/network-set.js';
import type { PatchBatch } from '../src/data/pipeline/patch-sampler.js';
import { tinyConfig } from './train-fixture.js';

const [B, T, P] = [4, 4, 32];

/** A batch of random frames and labels, with a recognisable origin per row. */
function randomBatch(seed: number): PatchBatch {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const images = Float32Array.from({ length: B * T * P * P }, () => next() * 2 - 1);
  const labels = Uint8Array.from({ length: B * P * P }, () => (next() < 0.2 ? 1 : 0));
  return {
    B,
    T,
    P,
    images,
    labels,
    scribbles: labels.slice(),
    index: 0,
    sequenceIndex: Int32Array.from({ length: B }, (_, i) => 10 + i),
    origin: Int32Array.from({ length: 2 * B }, (_, i) => i),
    orientation: Uint8Array.from({ length: B }, (_, i) => i % 8),
  };
}

test('batchShare: contiguous equal shares that put the batch back together', () => {
  const batch = randomBatch(1);
  const halves = [0, 1].map((k) => batchShare(batch, k, 2));
  assert.deepEqual(
    halves.map((h) => h.B),
    [2, 2],
  );
  assert.deepEqual([...halves[0].images, ...halves[1].images], [...batch.images]);
  assert.deepEqual([...halves[0].labels!, ...halves[1].labels!], [...batch.labels!]);
  assert.deepEqual([...halves[1].sequenceIndex], [12, 13], 'share 1 holds rows 2 and 3');
  assert.deepEqual([...halves[1].origin], [4, 5, 6, 7]);
  assert.equal(halves[0].images2, undefined, 'absent parts stay absent');
  assert.deepEqual([...halves[0].scribbles!, ...halves[1].scribbles!], [...batch.scribbles!]);
  assert.equal(batchShare(batch, 0, 1), batch);
  assert.throws(() => batchShare(batch, 0, 3), /batch of 4 patches cannot be split into 3/);
  assert.throws(() => batchShare(batch, 2, 2), /share 2 of 2/);
});

test('train.accumulate must divide the batch, and the error names the key', () => {
  const config = tinyConfig('/tmp/unused', (c) => (c.train.accumulate = 3));
  assert.throws(
    () => finalizeTrainConfig(config, 'run.yaml'),
    /run\.yaml: train\.accumulate: \(3\) must divide train\.batchSize \(4\)/,
  );
});

/** One pce step on a fresh, identically initialised FR-UNet, with the batch trained as `accumulate` micro-batches. */
function stepOnce(
  accumulate: number,
  mode: 'train' | 'eval',
): { losses: Record<string, number>; params: Float32Array[] } {
  // A large AdamW eps makes the first update proportional to the gradient (not just its sign), so a gradient of the
  // wrong scale (a micro-batch loss not divided by K) changes the result.
  const config = finalizeTrainConfig(
    tinyConfig('/tmp/unused', (c) => {
      c.train.batchSize = B;
      c.train.accumulate = accumulate;
      c.optimizer.eps = 1;
      c.optimizer.lr = 0.1;
      c.model.options = { feature_scale: 16, dropout: 0 };
      c.train.recipe = 'pce';
    }),
  );
  const recipe = findRecipe('pce').create(config);
  manualSeed(5);
  const setup = resolveModelSetup(config.model.name, config.model.options, T, (k, r) => {
    throw new Error(`${k}: ${r}`);
  });
  const model = buildModel(setup);
  const optimizer = buildOptimizer(model, config);
  const net: Network = { name: recipe.networks[0], model, optimizer, scheduler: buildScheduler(optimizer, config, 10) };
  try {
    if (mode === 'eval') model.eval();
    else model.train();
    const at = { epoch: 1, step: 0, stepsPerEpoch: 10, epochs: 1 };
    const nets = { [net.name]: model };
    const losses = trainStep(
      recipe,
      new NetworkSet([net], net.name),
      randomBatch(7),
      (b) => stepContext(b, setup, nets, at, 'cpu'),
      config,
      null,
    );
    return { losses, params: model.parameters().map((p) => Float32Array.from(p.toArray())) };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

function maxRelativeDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((pa, i) => pa.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j]) / (Math.abs(v) + 1e-3)))));
  return worst;
}

test("with per-sample computation (batch norm frozen), 2 micro-batches give the whole batch's step", () => {
  const whole = stepOnce(1, 'eval');
  const halves = stepOnce(2, 'eval');
  const quarters = stepOnce(4, 'eval');
  for (const [name, run] of [
    ['2', halves],
    ['4', quarters],
  ] as const) {
    assert.ok(
      Math.abs(run.losses.loss - whole.losses.loss) < 1e-5,
      `${name} micro-batches: mean loss ${run.losses.loss} vs ${whole.losses.loss}`,
    );
    const d = maxRelativeDifference(whole.params, run.params);
    assert.ok(d < 1e-4, `${name} micro-batches: parameters within 1e-4 relative of the whole batch's (max ${d})`);
  }
});

test('in training mode the micro-batches really are separate forwards (batch-norm statistics per share)', () => {
  const whole = stepOnce(1, 'train');
  const halves = stepOnce(2, 'train');
  assert.ok(maxRelativeDifference(whole.params, halves.params) > 1e-3, 'batch norm over 2 rows differs from over 4');
});
