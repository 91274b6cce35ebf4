// The training loss against hand computation: CE + (1 − soft batch Dice of the foreground).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ones, tensor, scope } from '@dias-ts/torch';
import { dcAndCeLoss, oneHotChannels, softDice, softForegroundDice, DICE_SMOOTH } from '../src/train/losses/index.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('CE and batch Dice of a 2-sample, 2-pixel case equal the hand values', () => {
  scope(() => {
    // Sample 0: pixel logits (0, 0) -> p1 = 1/2, (0, ln 3) -> p1 = 3/4; targets 1, 0.
    // Sample 1: (ln 3, 0) -> p1 = 1/4, (0, 0) -> p1 = 1/2; targets 1, 1.
    const logits = tensor([
      [[[0, 0]], [[0, Math.log(3)]]],
      [[[Math.log(3), 0]], [[0, 0]]],
    ]); // [B=2, C=2, H=1, W=2]
    const target = tensor([[[1, 0]], [[1, 1]]], { dtype: 'int64' });
    const { loss, ce, dice } = dcAndCeLoss(logits, target);
    // CE per pixel: -ln p(target): ln 2, ln 4, ln 4, ln 2 -> mean 1.5 ln 2.
    close(ce.item(), 1.5 * Math.log(2));
    // Batch Dice over all four pixels of the vessel class: tp = 1/2 + 1/4 + 1/2, fp = 3/4, fn = 1/2 + 3/4 + 1/2.
    const tp = 1.25,
      fp = 0.75,
      fn = 1.75;
    const dc = (2 * tp + DICE_SMOOTH) / (2 * tp + fp + fn + DICE_SMOOTH + 1e-8);
    close(dice.item(), dc);
    close(loss.item(), 1.5 * Math.log(2) + 1 - dc);
  });
});

test('the Dice leaves the background out and averages the foreground classes', () => {
  scope(() => {
    // One pixel per class confidently right: class 1 and class 2 Dice are ~1, background is never counted.
    const big = 30;
    const logits = tensor([[[[big, 0, 0]], [[0, big, 0]], [[0, 0, big]]]]); // [1, 3, 1, 3]
    const target = tensor([[[0, 1, 2]]], { dtype: 'int64' });
    close(softForegroundDice(logits, target).item(), 1, 1e-6);
    // Now class 2 is predicted as class 1: class 1 Dice = 2·1/(2·1 + 1) = 2/3, class 2 Dice = smooth/(1 + smooth).
    const wrong = tensor([[[[big, 0, 0]], [[0, big, big]], [[0, 0, 0]]]]);
    const expected = (2 / 3 + DICE_SMOOTH / (1 + DICE_SMOOTH)) / 2;
    close(softForegroundDice(wrong, target).item(), expected, 1e-5);
  });
});

test('the autograd gradient matches finite differences, and equals that of the official CE − Dice', () => {
  scope(() => {
    const values = [0.3, -1.2, 0.8, 0.1, -0.4, 0.9, 1.5, -0.7, 0.2, 0.6, -0.3, 0.05, 0.4, -0.9, 1.1, 0.0];
    const target = tensor(
      [
        [
          [1, 0],
          [0, 1],
        ],
        [
          [0, 0],
          [1, 1],
        ],
      ],
      { dtype: 'int64' },
    );
    const lossAt = (v: number[]) =>
      dcAndCeLoss(tensor(v, { shape: [2, 2, 2, 2], dtype: 'float64' }), target).loss.item();
    const grads: number[][] = [];
    for (const official of [false, true]) {
      const logits = tensor(values, { shape: [2, 2, 2, 2], dtype: 'float64', requiresGrad: true });
      const parts = dcAndCeLoss(logits, target);
      (official ? parts.ce.sub(parts.dice) : parts.loss).backward();
      grads.push(logits.grad!.toArray());
    }
    const h = 1e-6;
    values.forEach((_, i) => {
      const up = [...values],
        down = [...values];
      up[i] += h;
      down[i] -= h;
      close(grads[0][i], (lossAt(up) - lossAt(down)) / (2 * h), 1e-7);
      close(grads[1][i], grads[0][i], 1e-12);
    });
    assert.ok(
      grads[0].some((v) => Math.abs(v) > 1e-3),
      'the gradient is not trivially zero',
    );
  });
});

test('shape mismatches are refused with both shapes', () => {
  scope(() => {
    const logits = tensor([[[[0, 0]], [[0, 0]]]]);
    assert.throws(
      () => dcAndCeLoss(logits, tensor([[1, 0, 1]], { dtype: 'int64' })),
      /target must be \[1, 1, 2\].*got \[1, 3\]/,
    );
  });
});

test('softDice: one function for every form; a mask of ones changes no value; the squared denominator', () => {
  scope(() => {
    // p [B=1, C=2, H=1, W=3]; target classes 1, 0, 1.
    const p = tensor([[[[0.25, 0.5, 0.1]], [[0.75, 0.5, 0.9]]]], { dtype: 'float64' });
    const y = oneHotChannels(tensor([[[1, 0, 1]]], { dtype: 'int64' }), 2, 'float64');
    assert.deepEqual(y.shape, [1, 2, 1, 3]);
    const plain = softDice(p, y).toArray();
    const masked = softDice(p, y, { mask: ones([1, 1, 1, 3], { dtype: 'float64' }) }).toArray();
    assert.deepEqual(masked, plain, 'm = 1 gives the same numbers');
    // Vessel class: tp = 0.75 + 0.9, fp = 0.5, fn = 0.25 + 0.1.
    const [tp, fp, fn] = [1.65, 0.5, 0.35];
    close(plain[1], (2 * tp + DICE_SMOOTH) / (2 * tp + fp + fn + DICE_SMOOTH + 1e-8), 1e-12);
    // Leaving the middle pixel out removes its false positive only.
    const half = softDice(p, y, { mask: tensor([[[[1, 0, 1]]]], { dtype: 'float64' }) }).toArray();
    close(half[1], (2 * tp + DICE_SMOOTH) / (2 * tp + fn + DICE_SMOOTH + 1e-8), 1e-12);
    // pDLoss: (2 Σ p y + s) / (Σ p² + Σ y² + s), no eps.
    const squared = softDice(p, y, { denominator: 'squared', eps: 0 }).toArray();
    close(squared[1], (2 * tp + DICE_SMOOTH) / (0.75 ** 2 + 0.5 ** 2 + 0.9 ** 2 + 2 + DICE_SMOOTH), 1e-12);
    assert.throws(() => softDice(p, y, { denominator: 'squared', mask: ones([1, 1, 1, 3]) }), /takes no mask/);
  });
});
