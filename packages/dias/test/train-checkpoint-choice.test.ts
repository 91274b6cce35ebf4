// The checkpoint choice (checkpoint-choice.ts) as a pure function, and NetworkSet: the loop's pieces that need no
// run to test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../src/models/registry.js';
import { defaultTrainConfig } from '../src/train/config.js';
import {
  chooseCheckpoint,
  initialCheckpointState,
  type CheckpointRule,
  type CheckpointState,
} from '../src/train/checkpoint-choice.js';
import { NetworkSet } from '../src/train/network-set.js';
import { buildOptimizer, buildScheduler } from '../src/train/optimization.js';

const dsc: CheckpointRule = { select: 'dsc', fromEpoch: 1, withValidation: true, earlyStopping: null };

/** Runs the choice over validated epochs 1, 2, ... with these metric values (undefined: not validated). */
function run(rule: CheckpointRule, values: (number | undefined)[]) {
  let state: CheckpointState = initialCheckpointState(rule.select);
  return values.map((v, i) => {
    const c = chooseCheckpoint(rule, state, i + 1, v);
    state = c;
    return c;
  });
}

test('chooseCheckpoint: the highest metric is best; ties count as improvements; NaN never improves', () => {
  const out = run(dsc, [0.5, 0.4, 0.5, NaN, 0.6]);
  assert.deepEqual(
    out.map((c) => c.improved),
    [true, false, true, false, true],
  );
  assert.deepEqual(out[4].best, { metric: 'dsc', value: 0.6, epoch: 5 });
  assert.deepEqual(
    out.map((c) => c.notImproved),
    [0, 1, 0, 1, 0],
  );
  assert.ok(out.every((c) => !c.stop));
});

test('chooseCheckpoint: before fromEpoch every validated epoch is best, without a value', () => {
  const out = run({ ...dsc, select: 'patch-auc', fromEpoch: 3 }, [0.9, 0.1, 0.2, 0.1]);
  assert.deepEqual(
    out.map((c) => c.improved),
    [true, true, true, false],
  );
  assert.deepEqual(out[1].best, { metric: 'patch-auc', value: null, epoch: 2 });
  assert.deepEqual(out[2].best, { metric: 'patch-auc', value: 0.2, epoch: 3 });
});

test('chooseCheckpoint: an epoch without validation keeps checkpoint_best; select final and no validation follow the latest', () => {
  const skipped = run(dsc, [0.5, undefined]);
  assert.equal(skipped[1].improved, false);
  assert.deepEqual(skipped[1].best, { metric: 'dsc', value: 0.5, epoch: 1 });
  const final = run({ ...dsc, select: 'final' }, [0.5, undefined, 0.1]);
  assert.ok(final.every((c) => c.improved));
  assert.deepEqual(final[2].best, { metric: 'final', value: null, epoch: 3 });
  const none = run({ ...dsc, withValidation: false }, [undefined, undefined]);
  assert.ok(none.every((c) => c.improved));
  assert.deepEqual(none[1].best, { metric: 'latest', value: null, epoch: 2 });
});

test('chooseCheckpoint: early stopping after that many validations without improvement; the input is left as it was', () => {
  const out = run({ ...dsc, earlyStopping: 2 }, [0.5, 0.4, 0.6, 0.3, 0.2]);
  assert.deepEqual(
    out.map((c) => c.stop),
    [false, false, false, false, true],
  );
  const before = initialCheckpointState('dsc');
  chooseCheckpoint(dsc, before, 1, 0.7);
  assert.deepEqual(before, { best: { metric: 'dsc', value: null, epoch: null }, notImproved: 0 });
});

test('NetworkSet: the exported network, the trained ones (not frozen), the models by name', () => {
  const config = defaultTrainConfig();
  const make = (name: string) => {
    const model = createModel('FR_UNet', { feature_scale: 16, num_channels: 2 });
    const optimizer = buildOptimizer(model, config);
    return { name, model, optimizer, scheduler: buildScheduler(optimizer, config, 10) };
  };
  const set = new NetworkSet([make('student'), make('teacher')], 'teacher', ['teacher']);
  try {
    assert.deepEqual(set.names, ['student', 'teacher']);
    assert.equal(set.exported.name, 'teacher');
    assert.deepEqual(
      set.trained.map((n) => n.name),
      ['student'],
    );
    assert.deepEqual(
      set.others.map((n) => n.name),
      ['student'],
    );
    assert.deepEqual(Object.keys(set.models), ['student', 'teacher']);
    assert.equal(set.lr, set.exported.optimizer.paramGroups[0].lr);
    assert.throws(() => new NetworkSet(set.all, 'C'), /'C' is not one of student, teacher/);
  } finally {
    set.dispose();
  }
});
