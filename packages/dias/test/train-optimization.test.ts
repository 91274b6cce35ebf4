// The optimiser and schedule of a run: official parameter groups and the per-iteration cosine schedule with the
// official step index (epochs counted from 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../src/models/registry.js';
import { defaultTrainConfig } from '../src/train/config.js';
import { buildOptimizer, buildScheduler, schedulerT } from '../src/train/optimization.js';

test('AdamW groups: decay first (weight decay 0.01), then biases and 1-D parameters without decay', () => {
  const model = createModel('FR_UNet', { feature_scale: 16, num_channels: 4 });
  const opt = buildOptimizer(model, defaultTrainConfig());
  assert.equal(opt.paramGroups.length, 2);
  const [decay, noDecay] = opt.paramGroups;
  assert.equal(decay.weightDecay, 0.01);
  assert.equal(noDecay.weightDecay, 0);
  assert.ok(decay.params.every((p) => p.ndim > 1));
  assert.ok(noDecay.params.every((p) => p.ndim <= 1));
  assert.equal(decay.params.length + noDecay.params.length, model.parameters().length);
  assert.equal(opt.paramGroups[0].lr, 5e-4);
  assert.deepEqual([...opt.paramGroups[0].betas], [0.9, 0.999]);
  model.dispose();
});

/** The schedule by hand: linear warm-up from warmupLr over W steps, then cosine over T steps to minLr, then minLr. */
function handLr(t: number, base: number, warmupLr: number, minLr: number, W: number, T: number): number {
  if (t < W) return warmupLr + (t * (base - warmupLr)) / W;
  if (t >= T) return minLr;
  return minLr + 0.5 * (base - minLr) * (1 + Math.cos((Math.PI * t) / T));
}

/** The lr each update of a run uses, stepping the scheduler as the trainer does (loop.ts: the run's epochs counted
 * from scheduler.startEpoch); `span` makes the run one stage of a longer schedule. */
function lrsOfRun(
  stepIndex: 'official' | 'updates',
  epochs: number,
  steps: number,
  span: { startEpoch: number; totalEpochs: number | null } = { startEpoch: 0, totalEpochs: null },
): number[] {
  const c = defaultTrainConfig();
  c.train.epochs = epochs;
  c.scheduler = { ...c.scheduler, warmupEpochs: 1, stepIndex, ...span };
  const model = createModel('FR_UNet', { feature_scale: 16, num_channels: 4 });
  const opt = buildOptimizer(model, c);
  const sched = buildScheduler(opt, c, steps);
  const used: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let idx = 0; idx < steps; idx++) {
      used.push(opt.paramGroups[0].lr);
      assert.equal(opt.paramGroups[1].lr, opt.paramGroups[0].lr, 'both groups follow the schedule');
      sched.stepUpdate(schedulerT(stepIndex, span.startEpoch + epoch, idx, steps));
    }
  }
  model.dispose();
  return used;
}

test('official step index: first update at the warm-up lr, then one epoch ahead, last epoch at the minimum', () => {
  const [epochs, steps] = [3, 4];
  const lrs = lrsOfRun('official', epochs, steps);
  const T = epochs * steps;
  const expected = lrs.map((_, k) => (k === 0 ? 5e-7 : handLr(steps + k - 1, 5e-4, 5e-7, 5e-6, steps, T)));
  lrs.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) < 1e-15, `update ${k}: ${v} vs ${expected[k]}`));
  // The last epoch after its first update runs at lrMin throughout.
  assert.deepEqual(lrs.slice(-(steps - 1)), Array(steps - 1).fill(5e-6));
});

test("'updates' step index follows the schedule exactly over the run", () => {
  const [epochs, steps] = [3, 4];
  const lrs = lrsOfRun('updates', epochs, steps);
  lrs.forEach((v, k) =>
    assert.ok(Math.abs(v - handLr(k, 5e-4, 5e-7, 5e-6, steps, epochs * steps)) < 1e-15, `update ${k}`),
  );
  assert.ok(lrs[lrs.length - 1] > 5e-6, 'the minimum is reached only after the last update');
});

test('stages continuing one schedule (startEpoch, totalEpochs) use the learning rates of one run over all of them', () => {
  const [stageEpochs, steps, stages] = [2, 3, 3];
  for (const stepIndex of ['official', 'updates'] as const) {
    const whole = lrsOfRun(stepIndex, stageEpochs * stages, steps);
    const staged = Array.from({ length: stages }, (_, k) =>
      lrsOfRun(stepIndex, stageEpochs, steps, { startEpoch: k * stageEpochs, totalEpochs: stages * stageEpochs }),
    ).flat();
    assert.deepEqual(staged, whole, stepIndex);
    // Restarting the schedule in each stage is another curve: each stage warms up again.
    const restarted = Array.from({ length: stages }, () => lrsOfRun(stepIndex, stageEpochs, steps)).flat();
    assert.notDeepEqual(restarted, whole);
  }
});
