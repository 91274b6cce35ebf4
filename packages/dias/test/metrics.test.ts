// The benchmark metrics: parity with the official DIAS evaluation on the golden cases, degenerate cases, AUC ties,
// and NaN-aware aggregation.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadNpy } from '@dias-ts/torch';
import { METRIC_NAMES, evaluateImage } from '../src/metrics/metrics.js';
import { rocAuc } from '../src/metrics/roc-auc.js';
import { summarizeMetrics } from '../src/metrics/aggregate.js';
import { sharedPath } from '../../../test-support/shared-data.js';

const REFERENCE = sharedPath('reference/metrics');
const haveReference = existsSync(`${REFERENCE}/cases.json`);

interface GoldenCase {
  shape: [number, number];
  counts: { tp: number; fp: number; fn: number; tn: number };
  [metric: string]: unknown;
}

function loadCase(name: string): { prob: Float32Array; gt: Uint8Array; shape: number[] } {
  const prob = loadNpy(`${REFERENCE}/case_${name}.prob.npy`);
  const gt = loadNpy(`${REFERENCE}/case_${name}.gt.npy`);
  try {
    assert.equal(prob.dtype, 'float32');
    assert.equal(gt.dtype, 'uint8');
    return { prob: prob.toTypedArray() as Float32Array, gt: gt.toTypedArray() as Uint8Array, shape: prob.shape };
  } finally {
    prob.dispose();
    gt.dispose();
  }
}

describe('golden cases (official DIAS evaluation)', { skip: !haveReference && 'no shared reference' }, () => {
  const cases: Record<string, GoldenCase> = haveReference
    ? JSON.parse(readFileSync(`${REFERENCE}/cases.json`, 'utf8')).cases
    : {};
  for (const [name, expected] of Object.entries(cases)) {
    test(name, () => {
      const { prob, gt, shape } = loadCase(name);
      assert.deepEqual(shape, expected.shape);
      const [h, w] = shape;
      const { metrics, counts } = evaluateImage(prob, gt, w, h);
      assert.deepEqual(counts, expected.counts);
      for (const m of ['DSC', 'Acc', 'Sen', 'Spe', 'IoU', 'AUC'] as const) {
        const want = expected[m] as number;
        assert.ok(Math.abs(metrics[m] - want) <= 1e-6, `${name} ${m}: ${metrics[m]} vs ${want}`);
      }
      // Skeletons and components are discrete: a single pixel off would show well above rounding.
      assert.ok(
        Math.abs(metrics.clDice - (expected.clDice as number)) <= 1e-12,
        `${name} clDice: ${metrics.clDice} vs ${expected.clDice as number}`,
      );
      assert.equal(metrics.VC, expected.VC);
    });
  }
});

describe('hand-made cases', () => {
  const w = 24,
    h = 16;
  // A Y-shaped vessel, three pixels thick.
  const gt = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 10; x <= 12; x++) gt[y * w + x] = 1;
  for (let k = 0; k < 8; k++) for (let d = 0; d < 3; d++) gt[(8 - k) * w + 13 + k + d] = 1;

  test('a perfect prediction scores 1 everywhere', () => {
    const prob = Float32Array.from(gt, (g, i) => (g ? 0.5 + (i % 7) / 20 : 0.49 - (i % 5) / 20));
    const { metrics, counts } = evaluateImage(prob, gt, w, h);
    assert.equal(counts.fp + counts.fn, 0);
    for (const m of METRIC_NAMES) assert.equal(metrics[m], 1, m);
  });

  test('a missed branch lowers DSC, Sen and clDice but not precision-side metrics', () => {
    const prob = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 10; x <= 12; x++) prob[y * w + x] = 0.9; // trunk only
    const { metrics, counts } = evaluateImage(prob, gt, w, h);
    assert.equal(counts.fp, 0);
    assert.ok(counts.fn > 0);
    assert.equal(metrics.Spe, 1);
    assert.equal(metrics.DSC, (2 * counts.tp) / (2 * counts.tp + counts.fn));
    assert.equal(metrics.Sen, counts.tp / (counts.tp + counts.fn));
    assert.ok(metrics.clDice < 1 && metrics.clDice > 0.5, `clDice ${metrics.clDice}`);
    assert.equal(metrics.VC, 1); // one vessel and background in both
  });

  test('a broken vessel doubles VC', () => {
    const prob = Float32Array.from(gt, (g) => g);
    for (let x = 0; x < w; x++) prob[12 * w + x] = 0; // cut the trunk below the fork
    assert.equal(evaluateImage(prob, gt, w, h).metrics.VC, 3 / 2);
  });

  test('empty prediction and empty ground truth: the undefined metrics are NaN', () => {
    const { metrics } = evaluateImage(new Float32Array(w * h).fill(0.1), new Uint8Array(w * h), w, h);
    for (const m of ['DSC', 'Sen', 'IoU', 'AUC', 'clDice'] as const)
      assert.ok(Number.isNaN(metrics[m]), `${m} = ${metrics[m]}`);
    assert.equal(metrics.Acc, 1);
    assert.equal(metrics.Spe, 1);
    assert.equal(metrics.VC, 1);
  });

  test('a prediction that misses everything has DSC 0 (not NaN), clDice 0/0 = NaN as the official code', () => {
    const prob = Float32Array.from(gt, (g) => (g ? 0 : 0.2));
    prob[0] = 0.7; // one false positive, off the vessel
    const { metrics } = evaluateImage(prob, gt, w, h);
    assert.equal(metrics.DSC, 0);
    assert.equal(metrics.IoU, 0);
    assert.ok(Number.isNaN(metrics.clDice)); // both topology scores are 0
  });

  test('the threshold is inclusive and can be changed', () => {
    const prob = Float32Array.from(gt, (g) => (g ? 0.5 : 0.3));
    assert.equal(evaluateImage(prob, gt, w, h).metrics.DSC, 1);
    assert.equal(evaluateImage(prob, gt, w, h, { threshold: 0.3 }).counts.tn, 0);
  });

  test('mismatched sizes and NaN probabilities are errors', () => {
    assert.throws(
      () => evaluateImage(new Float32Array(10), new Uint8Array(12), 3, 4),
      /probability map: 10 pixels, but 3x4 needs 12/,
    );
    const nan = new Float32Array(w * h);
    nan[5] = NaN;
    assert.throws(() => evaluateImage(nan, gt, w, h), /pixel 5 is NaN/);
  });
});

describe('rocAuc', () => {
  test('tied scores count one half (scikit-learn)', () => {
    // Pairs (pos, neg): 0.9>0.5, 0.9>0.1, 0.5=0.5, 0.5>0.1 -> 3.5 / 4.
    assert.equal(rocAuc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0]), 0.875);
    assert.equal(rocAuc([0.3, 0.3, 0.3], [1, 0, 0]), 0.5);
    assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]), 0);
  });

  test(
    'ties change the golden AUC when scores are quantised',
    { skip: !haveReference && 'no shared reference' },
    () => {
      const smooth = loadCase('noisy_tree');
      const coarse = loadCase('quantized_ties');
      assert.deepEqual(smooth.gt, coarse.gt);
      assert.notEqual(rocAuc(smooth.prob, smooth.gt), rocAuc(coarse.prob, coarse.gt));
    },
  );

  test('one class only is NaN', () => {
    assert.ok(Number.isNaN(rocAuc([0.2, 0.9], [0, 0])));
    assert.ok(Number.isNaN(rocAuc([0.2, 0.9], [1, 1])));
  });
});

describe('summarizeMetrics', () => {
  test('NaN-aware mean and population std, counting the NaN', () => {
    const s = summarizeMetrics(
      [
        { a: 1, b: NaN },
        { a: 3, b: NaN },
        { a: NaN, b: NaN },
      ],
      ['a', 'b'],
    );
    assert.equal(s.n, 3);
    assert.deepEqual(s.mean.a, 2);
    assert.deepEqual(s.std.a, 1);
    assert.deepEqual(s.nanCounts, { a: 1, b: 3 });
    assert.ok(Number.isNaN(s.mean.b) && Number.isNaN(s.std.b));
  });
});

// Full DIAS size: skeletonisation, labelling and AUC sorting over 640,000 pixels (speed is for benchmarks).
test('an 800x800 vessel-like image evaluates to sensible metrics', () => {
  const w = 800,
    h = 800;
  const gt = new Uint8Array(w * h);
  const prob = new Float32Array(w * h);
  // A fan of thick lines with a smooth probability profile and some noise, a vessel-like workload.
  let seed = 1;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let d = Infinity;
      for (let k = 1; k <= 12; k++)
        d = Math.min(d, Math.abs((x - 400) * Math.sin(k * 0.26) - (y - 20) * Math.cos(k * 0.26)));
      const i = y * w + x;
      gt[i] = d < 3 + (y % 200) / 100 ? 1 : 0;
      prob[i] = Math.min(1, Math.max(0, 1 - d / 8 + (rand() - 0.5) * 0.4));
    }
  }
  const { metrics } = evaluateImage(prob, gt, w, h);
  assert.ok(metrics.DSC > 0.3 && metrics.AUC > 0.9 && metrics.clDice > 0.3, JSON.stringify(metrics));
  assert.ok(metrics.Spe > metrics.Sen * 0.5 && metrics.VC > 0, JSON.stringify(metrics));
});
