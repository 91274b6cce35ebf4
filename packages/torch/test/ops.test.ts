// Ops against values computed by hand (or by a few lines of plain JavaScript that follow the definition).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor,
  F,
  tensor,
  arange,
  zeros,
  ones,
  full,
  eye,
  linspace,
  rand,
  randn,
  randint,
  randperm,
  manualSeed,
  Generator,
  cat,
  stack,
  where,
  einsum,
  scope,
  type DType,
} from '../src/index.js';

function assertClose(actual: Tensor | number[], expected: number[], tolerance = 1e-5, message = ''): void {
  const a = actual instanceof Tensor ? actual.toArray() : actual;
  assert.equal(a.length, expected.length, `${message} length ${a.length} vs ${expected.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok =
      Math.abs(a[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])) ||
      (Number.isNaN(a[i]) && Number.isNaN(expected[i]));
    assert.ok(
      ok,
      `${message} [${i}]: ${a[i]} vs expected ${expected[i]}\n  actual   ${a.join(', ')}\n  expected ${expected.join(', ')}`,
    );
  }
}

const long = (values: number[] | number[][], shape?: number[]) => tensor(values, { dtype: 'int64', shape });

describe('convolution values', () => {
  test('a Laplacian on a quadratic ramp is constant inside, with exact borders under zero padding', () => {
    scope(() => {
      // x[i][j] = i^2 + 2 j^2: second differences 2 (rows) + 4 (columns) = 6 everywhere inside.
      const values = Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => i * i + 2 * j * j));
      const x = tensor([[values]]);
      const laplacian = tensor([
        [
          [
            [0, 1, 0],
            [1, -4, 1],
            [0, 1, 0],
          ],
        ],
      ]);
      const valid = F.conv2d(x, laplacian);
      assert.deepEqual(valid.shape, [1, 1, 3, 3]);
      assertClose(valid, new Array(9).fill(6));

      const padded = F.conv2d(x, laplacian, tensor([0.5]), { padding: 1 });
      assert.deepEqual(padded.shape, [1, 1, 5, 5]);
      const at = (i: number, j: number) => (i < 0 || j < 0 || i > 4 || j > 4 ? 0 : values[i][j]);
      const expected: number[] = [];
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 5; j++)
          expected.push(at(i - 1, j) + at(i + 1, j) + at(i, j - 1) + at(i, j + 1) - 4 * at(i, j) + 0.5);
      assertClose(padded, expected);
      assert.equal(padded.toArray()[0], 1 + 2 + 0.5); // corner: x[1][0] + x[0][1] - 4 x[0][0] + bias
    });
  });

  test('conv2d is a cross-correlation (the kernel is not flipped); stride and groups', () => {
    scope(() => {
      const x = arange(25, undefined, 1, { dtype: 'float32' }).reshape(1, 1, 5, 5); // x[i][j] = 5i + j
      // out = x[i][j] - x[i+1][j+1] = -6; a flipped kernel would give +6.
      assertClose(
        F.conv2d(
          x,
          tensor([
            [
              [
                [1, 0],
                [0, -1],
              ],
            ],
          ]),
        ),
        new Array(16).fill(-6),
      );
      // [1, 10] along a row: x[i][j] + 10 x[i][j+1] = 11 (5i + j) + 10, with stride 2 in both directions.
      const strided = F.conv2d(x, tensor([[[[1, 10]]]]), null, { stride: 2 });
      assert.deepEqual(strided.shape, [1, 1, 3, 2]);
      const expected: number[] = [];
      for (const i of [0, 2, 4]) for (const j of [0, 2]) expected.push(11 * (5 * i + j) + 10);
      assertClose(strided, expected);
      // Two groups: each output channel sees only its own input channel.
      const two = cat([x, x.mul(-1)], 1);
      const grouped = F.conv2d(two, ones([2, 1, 1, 1]).mul(tensor([2, 3]).reshape(2, 1, 1, 1)), null, { groups: 2 });
      assertClose(grouped.select(1, 0).flatten(), x.mul(2).flatten().toArray());
      assertClose(grouped.select(1, 1).flatten(), x.mul(-3).flatten().toArray());
    });
  });

  test('conv1d with dilation and convTranspose1d with stride', () => {
    scope(() => {
      const x = tensor([[[1, 2, 3, 4, 5, 6]]]);
      // kernel [1, 0, -1] dilated by 2 reaches x[i] - x[i+4]: -4 each.
      assertClose(
        F.conv1d(x, tensor([[[1, 0, -1]]]), null, { dilation: 2 }),
        [0, 0].map(() => -4),
      );
      // Transposed conv of [1, 2] with kernel [1, 1, 1], stride 2: [1, 1, 1+2, 2, 2].
      assertClose(F.convTranspose1d(tensor([[[1, 2]]]), tensor([[[1, 1, 1]]]), null, { stride: 2 }), [1, 1, 3, 2, 2]);
      // outputPadding adds one more column at the end.
      assertClose(
        F.convTranspose1d(tensor([[[1, 2]]]), tensor([[[1, 1, 1]]]), null, { stride: 2, outputPadding: 1 }),
        [1, 1, 3, 2, 2, 0],
      );
    });
  });
});

describe('interpolate', () => {
  const square = () =>
    tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);

  test('bilinear 2x2 -> 4x4, alignCorners true: the corners stay, the grid is evenly spaced', () => {
    scope(() => {
      const out = F.interpolate(square(), { size: [4, 4], mode: 'bilinear', alignCorners: true });
      // value(r, c) = 1 + 2r + c at r, c in {0, 1/3, 2/3, 1}
      const expected: number[] = [];
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expected.push(1 + (2 * i) / 3 + j / 3);
      assertClose(out, expected);
    });
  });

  test('bilinear 2x2 -> 4x4, alignCorners false: half-pixel centres, clamped at the edges', () => {
    scope(() => {
      const out = F.interpolate(square(), { size: [4, 4], mode: 'bilinear' });
      assertClose(out, [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
      // scaleFactor 2 gives the same grid here.
      assertClose(F.interpolate(square(), { scaleFactor: 2, mode: 'bilinear' }), out.toArray());
    });
  });

  test('nearest with scale 2 repeats each pixel 2x2; nearest by size', () => {
    scope(() => {
      assertClose(F.interpolate(square(), { scaleFactor: 2 }), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
      // Size 3 from 2: source index floor(d * 2/3) = 0, 0, 1.
      assertClose(F.interpolate(square(), { size: [3, 3], mode: 'nearest' }), [1, 1, 2, 1, 1, 2, 3, 3, 4]);
      assertClose(F.interpolate(tensor([[[1, 2, 3]]]), { scaleFactor: 1.7 }), [1, 1, 2, 2, 3]);
    });
  });

  test('size-based and scaleFactor-based sampling differ when the scale is not exact', () => {
    scope(() => {
      // A ramp 0..4 shows the source coordinate directly. scaleFactor 1.5 gives 7 outputs sampled at
      // (d + 0.5) / 1.5 - 0.5; size 7 samples at (d + 0.5) * 5/7 - 0.5; both clamped to [0, 4].
      const ramp = tensor([[[0, 1, 2, 3, 4]]], { dtype: 'float64' });
      const byScale = F.interpolate(ramp, { scaleFactor: 1.5, mode: 'linear' });
      const bySize = F.interpolate(ramp, { size: 7, mode: 'linear' });
      const clamp = (v: number) => Math.min(4, Math.max(0, v));
      assertClose(
        byScale,
        [0, 1, 2, 3, 4, 5, 6].map((d) => clamp((d + 0.5) / 1.5 - 0.5)),
        1e-12,
      );
      assertClose(
        bySize,
        [0, 1, 2, 3, 4, 5, 6].map((d) => clamp(((d + 0.5) * 5) / 7 - 0.5)),
        1e-12,
      );
      assert.notDeepEqual(byScale.toArray(), bySize.toArray());
    });
  });

  test('trilinear with alignCorners on a linear field is exact', () => {
    scope(() => {
      // f(z, y, x) = z + 2y + 3x sampled on a 2x2x2 grid; upsampled to 3x3x3 with alignCorners the samples sit at
      // half steps.
      const grid: number[][][] = [0, 1].map((z) => [0, 1].map((y) => [0, 1].map((x) => z + 2 * y + 3 * x)));
      const out = F.interpolate(tensor([[grid]]), { size: [3, 3, 3], mode: 'trilinear', alignCorners: true });
      const expected: number[] = [];
      for (let z = 0; z < 3; z++)
        for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) expected.push(z / 2 + y + 1.5 * x);
      assertClose(out, expected);
    });
  });

  test('argument errors', () => {
    assert.throws(() => F.interpolate(square(), { mode: 'nearest' }), /give size or scaleFactor/);
    assert.throws(() => F.interpolate(square(), { size: 4, scaleFactor: 2 }), /not both/);
    assert.throws(
      () => F.interpolate(square(), { size: 4, mode: 'nearest', alignCorners: true }),
      /alignCorners only applies/,
    );
  });
});

describe('losses', () => {
  const logits = [
    [1, 2, 3],
    [1, 1, 1],
    [0, 0, 5],
    [2, 1, 0],
  ];
  const logSoftmax = (row: number[]) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return row.map((v) => v - lse);
  };

  test('crossEntropy with class weights and ignoreIndex: the weighted mean over the samples not ignored', () => {
    scope(() => {
      const targets = [2, 1, 1, 0];
      const w = [0.2, 1.0, 3.0];
      const x = tensor(logits, { dtype: 'float64' });
      const loss = F.crossEntropy(x, long(targets), { weight: tensor(w, { dtype: 'float64' }), ignoreIndex: 0 });
      let num = 0;
      let den = 0;
      targets.forEach((t, n) => {
        if (t === 0) return;
        num += -w[t] * logSoftmax(logits[n])[t];
        den += w[t];
      });
      assertClose([loss.item()], [num / den], 1e-12);

      const sum = F.crossEntropy(x, long(targets), {
        weight: tensor(w, { dtype: 'float64' }),
        ignoreIndex: 0,
        reduction: 'sum',
      });
      assertClose([sum.item()], [num], 1e-12);
      const none = F.crossEntropy(x, long(targets), {
        weight: tensor(w, { dtype: 'float64' }),
        ignoreIndex: 0,
        reduction: 'none',
      });
      assertClose(
        none,
        targets.map((t, n) => (t === 0 ? 0 : -w[t] * logSoftmax(logits[n])[t])),
        1e-12,
      );
      // The default ignoreIndex is -100.
      const ignoredDefault = F.crossEntropy(x, long([2, -100, 1, -100]));
      assertClose([ignoredDefault.item()], [-(logSoftmax(logits[0])[2] + logSoftmax(logits[2])[1]) / 2], 1e-12);
    });
  });

  test('label smoothing: (1 - e) * nll + e / C * sum over classes of -log p', () => {
    scope(() => {
      const targets = [2, 1, 0, 0];
      const e = 0.1;
      const C = 3;
      const x = tensor(logits, { dtype: 'float64' });
      const loss = F.crossEntropy(x, long(targets), { labelSmoothing: e });
      let total = 0;
      targets.forEach((t, n) => {
        const lp = logSoftmax(logits[n]);
        total += (1 - e) * -lp[t] + (e / C) * -lp.reduce((a, b) => a + b, 0);
      });
      assertClose([loss.item()], [total / 4], 1e-12);

      // With weights and an ignored sample, as PyTorch defines it: both terms are normalised by the weights of the
      // targets that count, and the smoothing term weighs each class by its weight.
      const w = [0.2, 1.0, 3.0];
      const weighted = F.crossEntropy(x, long(targets), {
        labelSmoothing: e,
        weight: tensor(w, { dtype: 'float64' }),
        ignoreIndex: 1,
      });
      let nll = 0;
      let smooth = 0;
      let den = 0;
      targets.forEach((t, n) => {
        if (t === 1) return;
        const lp = logSoftmax(logits[n]);
        nll += -w[t] * lp[t];
        smooth += -lp.reduce((a, v, c) => a + w[c] * v, 0);
        den += w[t];
      });
      assertClose([weighted.item()], [(1 - e) * (nll / den) + (e / C) * (smooth / den)], 1e-12);
    });
  });

  test('crossEntropy with probability targets, nllLoss, mseLoss, bceWithLogits', () => {
    scope(() => {
      const x = tensor(logits, { dtype: 'float64' });
      const p = [
        [0.2, 0.3, 0.5],
        [1, 0, 0],
        [0, 0.5, 0.5],
        [0.25, 0.25, 0.5],
      ];
      const expected = p.reduce((s, row, n) => s - row.reduce((a, v, c) => a + v * logSoftmax(logits[n])[c], 0), 0) / 4;
      assertClose([F.crossEntropy(x, tensor(p, { dtype: 'float64' })).item()], [expected], 1e-12);

      const nll = F.nllLoss(
        tensor([
          [-1, -2],
          [-3, -4],
        ]),
        long([1, 0]),
      );
      assertClose([nll.item()], [(2 + 3) / 2]);
      assertClose([F.mseLoss(tensor([1, 2, 3]), tensor([1, 4, 0])).item()], [(0 + 4 + 9) / 3]);
      assertClose(F.mseLoss(tensor([1, 2]), tensor([0, 0]), 'none'), [1, 4]);
      assertClose([F.l1Loss(tensor([1, -2]), tensor([0, 0]), 'sum').item()], [3]);

      // bce with logits: -[y log s(x) + (1 - y) log(1 - s(x))], posWeight multiplying the positive term.
      const s = (v: number) => 1 / (1 + Math.exp(-v));
      const xs = [0.5, -1, 2];
      const ys = [1, 0, 0.25];
      const plain = xs.map((v, i) => -(ys[i] * Math.log(s(v)) + (1 - ys[i]) * Math.log(1 - s(v))));
      const bce = F.binaryCrossEntropyWithLogits(tensor(xs, { dtype: 'float64' }), tensor(ys, { dtype: 'float64' }), {
        reduction: 'none',
      });
      assertClose(bce, plain, 1e-12);
      const pos = F.binaryCrossEntropyWithLogits(tensor(xs, { dtype: 'float64' }), tensor(ys, { dtype: 'float64' }), {
        posWeight: tensor([3], { dtype: 'float64' }),
      });
      const withPos = xs.map((v, i) => -(3 * ys[i] * Math.log(s(v)) + (1 - ys[i]) * Math.log(1 - s(v))));
      assertClose([pos.item()], [withPos.reduce((a, b) => a + b, 0) / 3], 1e-12);
    });
  });
});

describe('normalisation values', () => {
  test('instanceNorm normalises each sample and channel over space, with the biased variance', () => {
    scope(() => {
      // channel 0: 1 2 3 4 (mean 2.5, var 1.25); channel 1: 10 10 10 30 (mean 15, var 75)
      const x = tensor(
        [
          [
            [
              [1, 2],
              [3, 4],
            ],
            [
              [10, 10],
              [10, 30],
            ],
          ],
        ],
        { dtype: 'float64' },
      );
      const out = F.instanceNorm(x, { eps: 1e-5 });
      const a = Math.sqrt(1.25 + 1e-5);
      const b = Math.sqrt(75 + 1e-5);
      assertClose(out, [-1.5 / a, -0.5 / a, 0.5 / a, 1.5 / a, -5 / b, -5 / b, -5 / b, 15 / b], 1e-12);
      const affine = F.instanceNorm(x, {
        weight: tensor([2, 3], { dtype: 'float64' }),
        bias: tensor([1, -1], { dtype: 'float64' }),
      });
      assertClose(
        affine,
        out.toArray().map((v, i) => (i < 4 ? 2 * v + 1 : 3 * v - 1)),
        1e-12,
      );
    });
  });

  test('layerNorm, groupNorm and batchNorm (training updates the running stats)', () => {
    scope(() => {
      const x = tensor(
        [
          [1, 2, 3, 4],
          [2, 2, 2, 6],
        ],
        { dtype: 'float64' },
      );
      const ln = F.layerNorm(x, [4], null, null, 0);
      const sd0 = Math.sqrt(1.25);
      const sd1 = Math.sqrt(3); // mean 3, deviations -1 -1 -1 3
      assertClose(ln, [-1.5 / sd0, -0.5 / sd0, 0.5 / sd0, 1.5 / sd0, -1 / sd1, -1 / sd1, -1 / sd1, 3 / sd1], 1e-12);
      // groupNorm with one group per sample on [2, 4, 1] equals layerNorm over the 4 values.
      assertClose(F.groupNorm(x.unsqueeze(-1), 1, null, null, 0).flatten(), ln.toArray(), 1e-12);

      const runningMean = zeros([4], { dtype: 'float64' });
      const runningVar = ones([4], { dtype: 'float64' });
      const bn = F.batchNorm(x, runningMean, runningVar, { training: true, momentum: 0.5, eps: 0 });
      // Per feature over the batch of 2: mean of (a, b), the output is ±1 where a != b, 0 where equal.
      assertClose(bn, [-1, 0, 1, -1, 1, 0, -1, 1], 1e-12);
      // running = 0.5 * old + 0.5 * batch stat (unbiased variance for the running value)
      assertClose(runningMean, [0.75, 1, 1.25, 2.5], 1e-12);
      assertClose(runningVar, [0.75, 0.5, 0.75, 1.5], 1e-12);
      // In evaluation, the running stats are used.
      const evalOut = F.batchNorm(tensor([[0.75, 1, 1.25, 2.5]], { dtype: 'float64' }), runningMean, runningVar, {
        eps: 0,
      });
      assertClose(evalOut, [0, 0, 0, 0], 1e-12);
    });
  });

  test('softmax and logSoftmax', () => {
    scope(() => {
      const sm = F.softmax(
        tensor(
          [
            [0, Math.log(3)],
            [1, 1],
          ],
          { dtype: 'float64' },
        ),
        1,
      );
      assertClose(sm, [0.25, 0.75, 0.5, 0.5], 1e-12);
      assertClose(F.logSoftmax(tensor([0, 0, 0, 0], { dtype: 'float64' }), 0), new Array(4).fill(-Math.log(4)), 1e-12);
    });
  });
});

describe('reductions', () => {
  const m = () =>
    tensor([
      [1, 5, 3],
      [4, 2, 6],
    ]);

  test('sum, mean, prod with dims and keepdim', () => {
    scope(() => {
      assert.equal(m().sum().item(), 21);
      assert.deepEqual(m().sum().shape, []);
      assertClose(m().sum(0), [5, 7, 9]);
      const kept = m().sum(1, true);
      assert.deepEqual(kept.shape, [2, 1]);
      assertClose(kept, [9, 12]);
      assert.deepEqual(m().sum([0, 1], true).shape, [1, 1]);
      assertClose(m().mean(-1), [3, 4]);
      assert.deepEqual(m().mean(0, true).shape, [1, 3]);
      assertClose(m().prod(1), [15, 48]);
      assert.deepEqual(m().prod(undefined, true).shape, [1, 1]);
      assertClose(m().prod(), [720]);
      const cube = arange(24, undefined, 1, { dtype: 'float32' }).reshape(2, 3, 4);
      const s = cube.sum([0, 2], true);
      assert.deepEqual(s.shape, [1, 3, 1]);
      assertClose(
        s,
        [0, 1, 2].map((j) => [0, 1].reduce((a, i) => a + [0, 1, 2, 3].reduce((b, k) => b + 12 * i + 4 * j + k, 0), 0)),
      );
      assertClose(cube.prod([0, 2]).slice(0, 0, 1), [0]);
    });
  });

  test('amax/amin, max/min with indices, std/var, norm, logsumexp', () => {
    scope(() => {
      assert.equal(m().amax().item(), 6);
      assertClose(m().amax(1), [5, 6]);
      assert.deepEqual(m().amin(0, true).shape, [1, 3]);
      assertClose(m().amin(0, true), [1, 2, 3]);
      const { values, indices } = m().max(1);
      assertClose(values, [5, 6]);
      assert.deepEqual(indices.toArray(), [1, 2]);
      assert.equal(indices.dtype, 'int64');
      assert.deepEqual(m().min(0, true).indices.shape, [1, 3]);
      assert.equal(m().max().item(), 6);
      assert.equal(m().min().item(), 1);
      // std of 1..4: unbiased sqrt(5/3), population sqrt(1.25)
      const r = tensor([1, 2, 3, 4]);
      assertClose([r.std().item()], [Math.sqrt(5 / 3)]);
      assertClose([r.std(0, { correction: 0 }).item()], [Math.sqrt(1.25)]);
      assertClose([r.var().item()], [5 / 3]);
      assertClose(m().var(1, { keepdim: true }), [4, 4]);
      assert.deepEqual(m().var(1, { keepdim: true }).shape, [2, 1]);
      assertClose([tensor([3, 4]).norm().item()], [5]);
      assertClose(
        tensor([
          [3, -4],
          [1, 1],
        ]).norm(1, 1),
        [7, 2],
      );
      assertClose([tensor([1, 2]).norm(Infinity).item()], [2]);
      assertClose(tensor([[0, Math.log(3)]]).logsumexp(1), [Math.log(4)]);
      assert.deepEqual(tensor([[0, 0]]).logsumexp(1, true).shape, [1, 1]);
    });
  });

  test('any/all/countNonzero', () => {
    scope(() => {
      const b = tensor([
        [true, false],
        [false, false],
      ]);
      assert.equal(b.any().item(), 1);
      assert.equal(b.all().item(), 0);
      assert.deepEqual(b.any(1).toArray(), [1, 0]);
      assert.deepEqual(b.any(1, true).shape, [2, 1]);
      assert.deepEqual(b.logicalNot().all(0).toArray(), [0, 1]);
      assert.equal(
        tensor([
          [0, 1],
          [2, 0],
        ])
          .countNonzero()
          .item(),
        2,
      );
      assert.deepEqual(
        tensor([
          [0, 1],
          [2, 3],
        ])
          .countNonzero(1)
          .toArray(),
        [1, 2],
      );
    });
  });
});

describe('sorting and scans', () => {
  test('topk, sort, argsort, argmax/argmin, cumsum, cumprod, unique', () => {
    scope(() => {
      const x = tensor([3, 1, 4, 1, 5, 9, 2, 6]);
      const top = x.topk(3);
      assert.deepEqual(top.values.toArray(), [9, 6, 5]);
      assert.deepEqual(top.indices.toArray(), [5, 7, 4]);
      const bottom = x.topk(2, -1, false);
      assert.deepEqual(bottom.values.toArray(), [1, 1]);
      const sorted = x.sort(0, false, true);
      assert.deepEqual(sorted.values.toArray(), [1, 1, 2, 3, 4, 5, 6, 9]);
      assert.deepEqual(sorted.indices.toArray(), [1, 3, 6, 0, 2, 4, 7, 5]); // stable: the first 1 comes first
      assert.deepEqual(x.sort(0, true).values.toArray(), [9, 6, 5, 4, 3, 2, 1, 1]);
      assert.deepEqual(x.argsort(0, true, true).toArray(), [5, 7, 4, 2, 0, 6, 1, 3]);
      assert.equal(x.argmax().item(), 5);
      assert.equal(x.argmin().item(), 1); // first of the ties
      const grid = tensor([
        [1, 7, 3],
        [9, 0, 2],
      ]);
      assert.deepEqual(grid.argmax(1).toArray(), [1, 0]);
      assert.deepEqual(grid.argmin(0, true).shape, [1, 3]);
      assert.deepEqual(grid.argmax().toArray(), [3]); // index into the flattened tensor
      assert.deepEqual(grid.topk(1, 0).indices.toArray(), [1, 0, 0]);
      assertClose(tensor([1, 2, 3, 4]).cumsum(0), [1, 3, 6, 10]);
      assertClose(grid.cumsum(1), [1, 8, 11, 9, 9, 11]);
      assertClose(grid.cumsum(0), [1, 7, 3, 10, 7, 5]);
      assertClose(tensor([1, 2, 3, 4]).cumprod(0), [1, 2, 6, 24]);
      const u = tensor([3, 1, 3, 2, 1, 3]).unique(true);
      assert.deepEqual(u.values.toArray(), [1, 2, 3]);
      assert.deepEqual(u.counts.toArray(), [2, 1, 3]);
    });
  });
});

describe('joining and splitting', () => {
  test('cat, stack, split, chunk, unbind', () => {
    scope(() => {
      const a = tensor([
        [1, 2],
        [3, 4],
      ]);
      const b = tensor([[5, 6]]);
      const c0 = cat([a, b]);
      assert.deepEqual(c0.shape, [3, 2]);
      assert.deepEqual(c0.toArray(), [1, 2, 3, 4, 5, 6]);
      const c1 = cat([a, b.T.reshape(2, 1)], 1);
      assert.deepEqual(c1.toArray(), [1, 2, 5, 3, 4, 6]);
      assert.deepEqual(cat([a, b], -2).shape, [3, 2]);
      const s0 = stack([a, a.mul(10)]);
      assert.deepEqual(s0.shape, [2, 2, 2]);
      assert.deepEqual(s0.toArray(), [1, 2, 3, 4, 10, 20, 30, 40]);
      const s2 = stack([a, a.mul(10)], 2);
      assert.deepEqual(s2.shape, [2, 2, 2]);
      assert.deepEqual(s2.toArray(), [1, 10, 2, 20, 3, 30, 4, 40]);
      assert.throws(() => cat([a, tensor([1, 2, 3])]), /cat/);

      const r = arange(10);
      assert.deepEqual(
        r.split(4).map((t) => t.toArray()),
        [
          [0, 1, 2, 3],
          [4, 5, 6, 7],
          [8, 9],
        ],
      );
      assert.deepEqual(
        r.split([2, 3, 5]).map((t) => t.shape),
        [[2], [3], [5]],
      );
      assert.deepEqual(
        r.chunk(3).map((t) => t.toArray()),
        [
          [0, 1, 2, 3],
          [4, 5, 6, 7],
          [8, 9],
        ],
      );
      assert.deepEqual(
        r
          .reshape(2, 5)
          .chunk(2, 1)
          .map((t) => t.shape),
        [
          [2, 3],
          [2, 2],
        ],
      );
      assert.deepEqual(
        a.unbind(1).map((t) => t.toArray()),
        [
          [1, 3],
          [2, 4],
        ],
      );
    });
  });

  test('flip, rot90, roll, transpose, permute', () => {
    scope(() => {
      const a = tensor([
        [1, 2],
        [3, 4],
      ]);
      assert.deepEqual(a.flip(0).toArray(), [3, 4, 1, 2]);
      assert.deepEqual(a.flip(1).toArray(), [2, 1, 4, 3]);
      assert.deepEqual(a.flip([0, 1]).toArray(), [4, 3, 2, 1]);
      // rot90 turns counter-clockwise from dim 0 towards dim 1.
      assert.deepEqual(a.rot90().toArray(), [2, 4, 1, 3]);
      assert.deepEqual(a.rot90(2).toArray(), [4, 3, 2, 1]);
      assert.deepEqual(a.rot90(-1).toArray(), [3, 1, 4, 2]);
      assert.deepEqual(a.rot90(1, [1, 0]).toArray(), [3, 1, 4, 2]);
      const r = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      assert.deepEqual(r.rot90().shape, [3, 2]);
      assert.deepEqual(r.rot90().toArray(), [3, 6, 2, 5, 1, 4]);
      assert.deepEqual(tensor([1, 2, 3, 4]).roll(1, 0).toArray(), [4, 1, 2, 3]);
      assert.deepEqual(r.roll(-1, 1).toArray(), [2, 3, 1, 5, 6, 4]);
      assert.deepEqual(r.T.toArray(), [1, 4, 2, 5, 3, 6]);
      const p = arange(24).reshape(2, 3, 4).permute(2, 0, 1);
      assert.deepEqual(p.shape, [4, 2, 3]);
      assert.deepEqual(p.select(0, 1).toArray(), [1, 5, 9, 13, 17, 21]);
    });
  });

  test('pad modes give exact values', () => {
    scope(() => {
      const x = tensor([[[1, 2, 3, 4]]]);
      assert.deepEqual(F.pad(x, [2, 1], 'constant', 9).toArray(), [9, 9, 1, 2, 3, 4, 9]);
      assert.deepEqual(F.pad(x, [2, 1]).toArray(), [0, 0, 1, 2, 3, 4, 0]);
      assert.deepEqual(F.pad(x, [2, 1], 'reflect').toArray(), [3, 2, 1, 2, 3, 4, 3]);
      assert.deepEqual(F.pad(x, [2, 1], 'replicate').toArray(), [1, 1, 1, 2, 3, 4, 4]);
      assert.deepEqual(F.pad(x, [2, 1], 'circular').toArray(), [3, 4, 1, 2, 3, 4, 1]);
      assert.deepEqual(F.pad(x, [-1, 0]).toArray(), [2, 3, 4]); // negative padding crops
      const g = tensor([
        [
          [
            [1, 2, 3],
            [4, 5, 6],
            [7, 8, 9],
          ],
        ],
      ]);
      assert.deepEqual(
        F.pad(g, [1, 1, 1, 1], 'reflect').toArray(),
        [5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 8, 7, 8, 9, 8, 5, 4, 5, 6, 5],
      );
      const rep = F.pad(g, [0, 1, 2, 0], 'replicate');
      assert.deepEqual(rep.shape, [1, 1, 5, 4]);
      assert.deepEqual(rep.toArray(), [1, 2, 3, 3, 1, 2, 3, 3, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9]);
      const c = F.pad(g, [1, 0, 0, 1], 'constant', -1);
      assert.deepEqual(c.toArray(), [-1, 1, 2, 3, -1, 4, 5, 6, -1, 7, 8, 9, -1, -1, -1, -1]);
      // constant padding of a leading (non-spatial) dimension
      assert.deepEqual(F.pad(tensor([[1, 2]]), [0, 0, 1, 0]).toArray(), [0, 0, 1, 2]);
      assert.throws(() => F.pad(x, [1]), /even length/);
      assert.throws(() => F.pad(x, [4, 0], 'reflect'), /pad/i);
    });
  });

  test('where, maskedFill, maskedSelect, gather, indexSelect, index, scatter, oneHot', () => {
    scope(() => {
      const cond = tensor([true, false, true]);
      assert.deepEqual(where(cond, tensor([1, 2, 3]), tensor([10, 20, 30])).toArray(), [1, 20, 3]);
      assert.deepEqual(where(cond, 7, tensor([10, 20, 30])).toArray(), [7, 20, 7]);
      assert.deepEqual(where(cond, tensor([1, 2, 3]), -1).toArray(), [1, -1, 3]);
      assert.deepEqual(where(tensor([[true], [false]]), tensor([1, 2]), 0).toArray(), [1, 2, 0, 0]); // broadcast
      const x = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      assert.deepEqual(x.maskedFill(x.gt(3), 0).toArray(), [1, 2, 3, 0, 0, 0]);
      assert.deepEqual(x.maskedFill(cond, -5).toArray(), [-5, 2, -5, -5, 5, -5]);
      assert.deepEqual(x.maskedSelect(x.remainder(2).eq(0)).toArray(), [2, 4, 6]);
      assert.deepEqual(
        x
          .gather(
            1,
            long([
              [2, 0],
              [1, 1],
            ]),
          )
          .toArray(),
        [3, 1, 5, 5],
      );
      assert.deepEqual(x.indexSelect(1, long([2, 0])).toArray(), [3, 1, 6, 4]);
      assert.deepEqual(x.index([long([1, 0]), long([0, 2])]).toArray(), [4, 3]);
      assert.deepEqual(x.index([null, long([1])]).toArray(), [2, 5]);
      assert.deepEqual(
        zeros([2, 3])
          .scatter(1, long([[2], [0]]), 1)
          .toArray(),
        [0, 0, 1, 1, 0, 0],
      );
      assert.deepEqual(
        zeros([4])
          .scatterAdd(0, long([1, 1, 3]), tensor([1, 2, 3]))
          .toArray(),
        [0, 3, 0, 3],
      );
      assert.deepEqual(
        zeros([3])
          .indexPut([long([0, 0])], tensor([1, 2]), true)
          .toArray(),
        [3, 0, 0],
      );

      const oh = F.oneHot(long([0, 2, 1]), 4);
      assert.equal(oh.dtype, 'int64');
      assert.deepEqual(oh.shape, [3, 4]);
      assert.deepEqual(oh.toArray(), [1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
      assert.deepEqual(F.oneHot(long([1, 2])).shape, [2, 3]); // numClasses from the largest index
      assert.deepEqual(F.oneHot(long([[0], [1]]), 2).shape, [2, 1, 2]);
      assert.throws(() => F.oneHot(long([3]), 2), /oneHot/);
    });
  });

  test('einsum, matmul and friends', () => {
    scope(() => {
      const a = tensor([
        [1, 2],
        [3, 4],
      ]);
      const b = tensor([
        [5, 6],
        [7, 8],
      ]);
      assert.deepEqual(a.matmul(b).toArray(), [19, 22, 43, 50]);
      assert.deepEqual(einsum('ij,jk->ik', a, b).toArray(), [19, 22, 43, 50]);
      assert.deepEqual(einsum('ii->', a).toArray(), [5]);
      assert.deepEqual(
        tensor([1, 2])
          .dot(tensor([3, 4]))
          .toArray(),
        [11],
      );
      assert.deepEqual(
        tensor([1, 2])
          .outer(tensor([3, 4]))
          .toArray(),
        [3, 4, 6, 8],
      );
      assert.deepEqual(eye(2).mm(a).toArray(), [1, 2, 3, 4]);
    });
  });
});

describe('dtypes', () => {
  test('conversions: truncation toward zero, bool, integer wrap, float16/bfloat16 rounding', () => {
    scope(() => {
      assert.deepEqual(tensor([2.7, -2.7, 0.5]).to('int32').toArray(), [2, -2, 0]);
      assert.deepEqual(tensor([2.7, 0, -0.1]).bool().toArray(), [1, 0, 1]);
      assert.deepEqual(tensor([true, false]).float().toArray(), [1, 0]);
      assert.deepEqual(tensor([300, -200], { dtype: 'int32' }).to('int8').toArray(), [44, 56]);
      assert.deepEqual(tensor([300], { dtype: 'int32' }).to('uint8').toArray(), [44]);
      assert.deepEqual(tensor([0.1]).to('float16').toArray(), [0.0999755859375]);
      assert.deepEqual(tensor([0.1]).to('bfloat16').toArray(), [0.10009765625]);
      assert.deepEqual(tensor([70000]).to('float16').toArray(), [Infinity]);
      const big = tensor(new BigInt64Array([2n ** 53n]));
      assert.equal(big.double().item(), 2 ** 53);
      assert.equal(big.dtype, 'int64');
      assert.equal(tensor([1]).double().dtype, 'float64');
      assert.equal(tensor([1]).long().dtype, 'int64');
      assert.equal(tensor([1]).int().dtype, 'int32');
      assert.equal(tensor([1]).to({ dtype: 'int16' }).dtype, 'int16');
      const same = tensor([1]);
      assert.equal(same.to('float32').dtype, 'float32');
    });
  });

  test('type promotion and integer arithmetic follow PyTorch', () => {
    scope(() => {
      const i = tensor([7, -7], { dtype: 'int64' });
      assert.equal(i.add(2).dtype, 'int64');
      assert.equal(i.add(0.5).dtype, 'float32');
      assert.equal(i.add(tensor([1], { dtype: 'float64' })).dtype, 'float64');
      assert.equal(i.mul(tensor([true])).dtype, 'int64');
      assert.deepEqual(i.div(2).toArray(), [3.5, -3.5]); // true division
      assert.equal(i.div(2).dtype, 'float32');
      assert.deepEqual(i.div(2, 'floor').toArray(), [3, -4]);
      assert.equal(i.div(2, 'floor').dtype, 'int64');
      // Floor division by a non-integral number promotes, as torch.div(t, 2.5, rounding_mode='floor') does.
      assert.deepEqual(i.div(2.5, 'floor').toArray(), [2, -3]);
      assert.equal(i.div(2.5, 'floor').dtype, 'float32');
      assert.deepEqual(i.div(tensor([2], { dtype: 'int64' }), 'floor').toArray(), [3, -4]);
      assert.deepEqual(i.remainder(3).toArray(), [1, 2]); // sign of the divisor
      assert.deepEqual(i.fmod(3).toArray(), [1, -1]); // sign of the dividend
      assert.equal(tensor([1], { dtype: 'float16' }).add(tensor([1], { dtype: 'bfloat16' })).dtype, 'float32');
      assert.equal(tensor([1], { dtype: 'uint8' }).add(tensor([1], { dtype: 'int8' })).dtype, 'int16');
      assert.equal(tensor([1, 2]).gt(1).dtype, 'bool');
      // logical ops with a number take its truth value, whatever the tensor's dtype.
      assert.deepEqual(i.logicalAnd(0.5).toArray(), [1, 1]);
      assert.deepEqual(tensor([0, 3], { dtype: 'int64' }).logicalOr(0).toArray(), [0, 1]);
      assert.deepEqual(tensor([0, 3], { dtype: 'int64' }).logicalOr(0.25).toArray(), [1, 1]);
    });
  });

  test('toTypedArray returns the typed array of each dtype', () => {
    scope(() => {
      const expected: [DType, new (...args: never[]) => unknown][] = [
        ['float32', Float32Array],
        ['float64', Float64Array],
        ['float16', Float32Array],
        ['bfloat16', Float32Array],
        ['int64', BigInt64Array],
        ['int32', Int32Array],
        ['int16', Int16Array],
        ['int8', Int8Array],
        ['uint8', Uint8Array],
        ['bool', Uint8Array],
      ];
      for (const [dtype, ctor] of expected) {
        const t = tensor(
          [
            [1, 0],
            [1, 1],
          ],
          { dtype },
        );
        const data = t.toTypedArray();
        assert.ok(data instanceof ctor, `${dtype} gives ${data.constructor.name}`);
        assert.equal(data.length, 4);
        assert.deepEqual(t.toArray(), [1, 0, 1, 1]);
        assert.equal(t.dtype, dtype);
      }
      // A non-contiguous tensor comes out in logical row-major order.
      assert.deepEqual(
        Array.from(
          tensor([
            [1, 2],
            [3, 4],
          ]).T.toTypedArray() as Float32Array,
        ),
        [1, 3, 2, 4],
      );
      assert.deepEqual(zeros([0, 2]).toTypedArray().length, 0);
    });
  });

  test('item() of each kind of tensor', () => {
    scope(() => {
      assert.equal(tensor(2.5).item(), 2.5);
      assert.equal(tensor([[7]], { dtype: 'int64' }).item(), 7);
      assert.equal(typeof tensor([7], { dtype: 'int64' }).item(), 'number');
      assert.equal(tensor([true]).item(), 1);
      assert.equal(tensor([false]).item(), 0);
      assert.equal(tensor([0.5], { dtype: 'float16' }).item(), 0.5);
      assert.equal(tensor([-3], { dtype: 'int8' }).item(), -3);
      assert.throws(() => tensor([1, 2]).item(), /item.*one element.*2/);
      assert.throws(() => zeros([0]).item(), /one element/);
    });
  });
});

describe('creation', () => {
  test('tensor() from numbers and nested arrays', () => {
    scope(() => {
      const s = tensor(3);
      assert.deepEqual(s.shape, []);
      assert.equal(s.dtype, 'float32');
      const m = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      assert.deepEqual(m.shape, [2, 3]);
      assert.deepEqual(m.toArray(), [1, 2, 3, 4, 5, 6]);
      const deep = tensor(
        [
          [[1], [2]],
          [[3], [4]],
        ],
        { dtype: 'int64' },
      );
      assert.deepEqual(deep.shape, [2, 2, 1]);
      assert.equal(deep.dtype, 'int64');
      assert.deepEqual(tensor([]).shape, [0]);
      assert.deepEqual(tensor([[], []]).shape, [2, 0]);
      const b = tensor([[true], [false]]);
      assert.equal(b.dtype, 'bool');
      assert.deepEqual(tensor([1, 2, 3, 4], { shape: [2, 2] }).shape, [2, 2]);
      assert.equal(tensor([1.5], { dtype: 'float64' }).item(), 1.5);
      assert.equal(tensor([0.1], { dtype: 'float64' }).item(), 0.1); // no float32 rounding on the way
      assert.equal(tensor([2 ** 40 + 1], { dtype: 'int64' }).item(), 2 ** 40 + 1);
      assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
      assert.throws(() => tensor([[1], 2] as never), /ragged/);
      assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), /element|shape/);
      const g = tensor([1, 2], { requiresGrad: true });
      assert.equal(g.requiresGrad, true);
      assert.equal(g.isLeaf, true);
    });
  });

  test('tensor() from typed arrays keeps their element type', () => {
    scope(() => {
      const cases: [ArrayBufferView, DType, number[]][] = [
        [new Float32Array([1.5, -2]), 'float32', [1.5, -2]],
        [new Float64Array([0.1, 2]), 'float64', [0.1, 2]],
        [new Int32Array([-5, 6]), 'int32', [-5, 6]],
        [new Int16Array([-5, 6]), 'int16', [-5, 6]],
        [new Int8Array([-5, 6]), 'int8', [-5, 6]],
        [new Uint8Array([250, 6]), 'uint8', [250, 6]],
        [new Uint8ClampedArray([250, 6]), 'uint8', [250, 6]],
        [new BigInt64Array([-5n, 6n]), 'int64', [-5, 6]],
        [new Uint16Array([0x3c00, 0xc000]), 'float16', [1, -2]],
      ];
      for (const [array, dtype, values] of cases) {
        const t = tensor(array as never);
        assert.equal(t.dtype, dtype, array.constructor.name);
        assert.deepEqual(t.toArray(), values, array.constructor.name);
      }
      assert.deepEqual(tensor(new Uint16Array([0x3f80, 0xc040]), { dtype: 'bfloat16' }).toArray(), [1, -3]);
      assert.deepEqual(tensor(new Uint8Array([0, 1, 1]), { dtype: 'bool' }).toArray(), [0, 1, 1]);
      assert.deepEqual(tensor(new Float32Array([1.5, 2.5]), { dtype: 'int32' }).toArray(), [1, 2]);
      const shaped = tensor(new Float32Array(6).fill(1), { shape: [2, 3] });
      assert.deepEqual(shaped.shape, [2, 3]);
      // a view into a larger buffer: only its own elements
      const buffer = new Float32Array([9, 9, 1, 2, 9]);
      assert.deepEqual(tensor(buffer.subarray(2, 4)).toArray(), [1, 2]);
      // the data is copied: changing the array afterwards does not change the tensor
      const source = new Float32Array([1, 2]);
      const copy = tensor(source);
      source[0] = 100;
      assert.deepEqual(copy.toArray(), [1, 2]);
    });
  });

  test('constant fills and ranges', () => {
    scope(() => {
      assert.deepEqual(zeros([2, 2]).toArray(), [0, 0, 0, 0]);
      assert.deepEqual(ones([3], { dtype: 'int32' }).toArray(), [1, 1, 1]);
      assert.equal(ones([3], { dtype: 'int32' }).dtype, 'int32');
      assert.deepEqual(full([2], 7.5).toArray(), [7.5, 7.5]);
      assert.deepEqual(full([2], true, { dtype: 'bool' }).toArray(), [1, 1]);
      assert.deepEqual(arange(4).toArray(), [0, 1, 2, 3]);
      assert.equal(arange(4).dtype, 'int64');
      assert.deepEqual(arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
      assert.equal(arange(1, 2, 0.25).dtype, 'float32');
      assert.deepEqual(arange(5, 0, -2).toArray(), [5, 3, 1]);
      assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
      assert.deepEqual(eye(2, 3).toArray(), [1, 0, 0, 0, 1, 0]);
    });
  });

  test('random numbers are reproducible with manualSeed and with a Generator', () => {
    scope(() => {
      manualSeed(1234);
      const a = randn([8]).toArray();
      const ra = rand([4]).toArray();
      manualSeed(1234);
      const b = randn([8]).toArray();
      const rb = rand([4]).toArray();
      assert.deepEqual(a, b);
      assert.deepEqual(ra, rb);
      manualSeed(1235);
      assert.notDeepEqual(randn([8]).toArray(), a);

      // Two generators with the same seed give the same numbers, whatever happens to the global one in between.
      const g1 = new Generator(42);
      const g2 = new Generator(42);
      const x1 = randn([6], { generator: g1 }).toArray();
      manualSeed(0);
      randn([100]);
      const x2 = randn([6], { generator: g2 }).toArray();
      assert.deepEqual(x1, x2);
      // ... and they are independent: drawing from g1 does not advance g2.
      const y1 = rand([5], { generator: g1 }).toArray();
      randn([50], { generator: g1 });
      const y2 = rand([5], { generator: g2 }).toArray();
      assert.deepEqual(y1, y2);
      assert.notDeepEqual(randn([6], { generator: new Generator(43) }).toArray(), x1);
      // A generator's draws do not disturb the global sequence.
      manualSeed(99);
      const global1 = randn([4]).toArray();
      manualSeed(99);
      randn([10], { generator: g1 });
      assert.deepEqual(randn([4]).toArray(), global1);
      // Reseeding restarts the sequence; state save and restore replays it.
      g1.manualSeed(42);
      assert.deepEqual(randn([6], { generator: g1 }).toArray(), x1);
      const state = g1.getState();
      const next = rand([3], { generator: g1 }).toArray();
      g1.setState(state);
      assert.deepEqual(rand([3], { generator: g1 }).toArray(), next);

      const g3 = new Generator(7);
      const ints = randint(2, 5, [200], { generator: g3 });
      assert.equal(ints.dtype, 'int64');
      assert.ok(ints.toArray().every((v) => v >= 2 && v < 5));
      assert.deepEqual(ints.unique().values.toArray(), [2, 3, 4]);
      const perm = randperm(10, { generator: g3 }).toArray();
      assert.deepEqual(
        [...perm].sort((p, q) => p - q),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      const u = rand([1000], { generator: g3 });
      assert.ok(u.amin().item() >= 0 && u.amax().item() < 1);
      const n = randn([4000], { generator: g3, dtype: 'float64' });
      assert.equal(n.dtype, 'float64');
      assert.ok(Math.abs(n.mean().item()) < 0.1 && Math.abs(n.std().item() - 1) < 0.1);
    });
  });
});
