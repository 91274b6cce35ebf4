// Tests of the nn layers, containers and initialisers: PyTorch's naming and state-dict rules, the numbers each
// layer computes (against hand computations or plain-JavaScript references), default initialisation statistics,
// train/eval behaviour and in-place dtype conversion.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { nn, tensor, zeros, ones, randn, arange, Generator, manualSeed, noGrad, scope, Tensor } from '../src/index.js';

const { init } = nn;

function assertClose(actual: readonly number[], expected: readonly number[], tol = 1e-5, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * scale,
      `${what}[${i}]: ${actual[i]} != ${expected[i]} (tol ${tol})`,
    );
  }
}

/** Deterministic pseudo-random values in [-1, 1) that do not depend on libtorch. */
function lcg(n: number, seed = 1): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s / 2 ** 31 - 1);
  }
  return out;
}

function fromValues(values: number[], shape: number[]): Tensor {
  return tensor(new Float32Array(values), { shape });
}

/** Copies values into a parameter (as a user would with torch.no_grad(): p.copy_(...)). */
function setParam(p: Tensor | null, values: number[]): void {
  assert.ok(p, 'parameter exists');
  noGrad(() => p.copy_(fromValues(values, p.shape)));
}

/**
 * A direct NCHW convolution: x [N, C, H, W], w [O, C/groups, KH, KW]. Padding samples outside the input as zero,
 * or by reflection for mode 'reflect'; padAfter (default: padding) allows the asymmetric padding of 'same'.
 */
function referenceConv2d(
  x: number[],
  [n, c, h, wd]: number[],
  w: number[],
  [o, cg, kh, kw]: number[],
  b: number[] | null,
  {
    stride = [1, 1],
    padding = [0, 0],
    padAfter = padding,
    dilation = [1, 1],
    groups = 1,
    mode = 'zeros',
  }: {
    stride?: number[];
    padding?: number[];
    padAfter?: number[];
    dilation?: number[];
    groups?: number;
    mode?: 'zeros' | 'reflect';
  } = {},
): { values: number[]; shape: number[] } {
  const ho = Math.floor((h + padding[0] + padAfter[0] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
  const wo = Math.floor((wd + padding[1] + padAfter[1] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
  const reflect = (i: number, size: number) => (i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i);
  const sample = (bi: number, ci: number, i: number, j: number) => {
    if (mode === 'reflect') return x[((bi * c + ci) * h + reflect(i, h)) * wd + reflect(j, wd)];
    return i < 0 || i >= h || j < 0 || j >= wd ? 0 : x[((bi * c + ci) * h + i) * wd + j];
  };
  const outPerGroup = o / groups;
  const values: number[] = [];
  for (let bi = 0; bi < n; bi++) {
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / outPerGroup);
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          let acc = b ? b[oc] : 0;
          for (let ic = 0; ic < cg; ic++) {
            for (let a = 0; a < kh; a++) {
              for (let e = 0; e < kw; e++) {
                const xi = i * stride[0] - padding[0] + a * dilation[0];
                const xj = j * stride[1] - padding[1] + e * dilation[1];
                acc += w[((oc * cg + ic) * kh + a) * kw + e] * sample(bi, g * cg + ic, xi, xj);
              }
            }
          }
          values.push(acc);
        }
      }
    }
  }
  return { values, shape: [n, o, ho, wo] };
}

/** A model shaped like a small segmentation network, to check PyTorch's naming rules on nesting. */
class Net extends nn.Module {
  constructor() {
    super();
    this.registerModule(
      'features',
      new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU()),
    );
    this.registerModule('heads', new nn.ModuleList([new nn.Linear(4, 2), new nn.Linear(4, 3, { bias: false })]));
    // Registered after the children, but PyTorch still lists a module's own parameters and buffers first.
    this.registerParameter('scale', ones([1]));
    this.registerBuffer('step', zeros([1]));
  }
}

describe('names and state dict', () => {
  test('dotted names and order on a nested module follow PyTorch', () => {
    const net = new Net();
    assert.deepEqual(
      [...net.stateDict().keys()],
      [
        'scale',
        'step',
        'features.0.weight',
        'features.0.bias',
        'features.1.weight',
        'features.1.bias',
        'features.1.running_mean',
        'features.1.running_var',
        'features.1.num_batches_tracked',
        'heads.0.weight',
        'heads.0.bias',
        'heads.1.weight',
      ],
    );
    assert.deepEqual(
      net.namedParameters().map(([k]) => k),
      [
        'scale',
        'features.0.weight',
        'features.0.bias',
        'features.1.weight',
        'features.1.bias',
        'heads.0.weight',
        'heads.0.bias',
        'heads.1.weight',
      ],
    );
    assert.deepEqual(
      net.namedBuffers().map(([k]) => k),
      ['step', 'features.1.running_mean', 'features.1.running_var', 'features.1.num_batches_tracked'],
    );
    assert.deepEqual(
      net.namedModules().map(([k]) => k),
      ['', 'features', 'features.0', 'features.1', 'features.2', 'heads', 'heads.0', 'heads.1'],
    );
    const sd = net.stateDict();
    assert.deepEqual(sd.get('features.0.weight')?.shape, [4, 3, 3, 3]);
    assert.deepEqual(sd.get('heads.1.weight')?.shape, [3, 4]);
    assert.equal(sd.get('features.1.num_batches_tracked')?.dtype, 'int64');
    assert.deepEqual(sd.get('features.1.num_batches_tracked')?.shape, []);
  });

  test("norm layers register exactly PyTorch's parameters and buffers", () => {
    const keys = (m: nn.Module) => [...m.stateDict().keys()];
    assert.deepEqual(keys(new nn.BatchNorm1d(3)), [
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    assert.deepEqual(keys(new nn.BatchNorm3d(3, { affine: false })), [
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    assert.deepEqual(keys(new nn.BatchNorm2d(3, { trackRunningStats: false })), ['weight', 'bias']);
    assert.deepEqual(keys(new nn.InstanceNorm2d(3)), []);
    assert.deepEqual(keys(new nn.InstanceNorm3d(3, { affine: true, trackRunningStats: true })), [
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    assert.deepEqual(keys(new nn.GroupNorm(2, 4)), ['weight', 'bias']);
    assert.deepEqual(keys(new nn.LayerNorm([4, 5], { bias: false })), ['weight']);
    assert.deepEqual(keys(new nn.ConvTranspose2d(2, 3, 2, { bias: false })), ['weight']);
    const bn = new nn.BatchNorm2d(3);
    assert.deepEqual(bn.weight?.toArray(), [1, 1, 1]);
    assert.deepEqual(bn.bias?.toArray(), [0, 0, 0]);
    assert.deepEqual(bn.runningMean?.toArray(), [0, 0, 0]);
    assert.deepEqual(bn.runningVar?.toArray(), [1, 1, 1]);
    assert.equal(bn.numBatchesTracked?.item(), 0);
  });

  test('strict loadStateDict names the missing, unexpected and mis-shaped keys', () => {
    const net = new Net();
    const full = () => new Map([...new Net().stateDict()]);

    const missing = full();
    missing.delete('features.1.running_var');
    assert.throws(() => net.loadStateDict(missing), /missing keys: features\.1\.running_var/);

    const unexpected = full();
    unexpected.set('heads.2.weight', zeros([2, 2]));
    assert.throws(() => net.loadStateDict(unexpected), /unexpected keys: heads\.2\.weight/);

    const misShaped = full();
    misShaped.set('heads.0.weight', zeros([2, 5]));
    assert.throws(
      () => net.loadStateDict(misShaped),
      /size mismatch for heads\.0\.weight: the checkpoint has \[2, 5\], this Net has \[2, 4\]/,
    );
    // Shapes are checked even when not strict.
    assert.throws(() => net.loadStateDict(misShaped, { strict: false }), /size mismatch for heads\.0\.weight/);
  });

  test('a failed strict load changes nothing', () => {
    const net = new Net();
    const before = net.param('scale').toArray();
    const state = new Map([...new Net().stateDict()]);
    setParam(state.get('scale') ?? null, [42]);
    state.delete('step');
    assert.throws(() => net.loadStateDict(state));
    assert.deepEqual(net.param('scale').toArray(), before);
  });

  test('non-strict loadStateDict reports missing and unexpected keys and copies the rest', () => {
    const net = new Net();
    const source = new Net();
    setParam(source.child('heads')?.child('0')?.param('weight') ?? null, [1, 2, 3, 4, 5, 6, 7, 8]);
    const state = new Map([...source.stateDict()]);
    state.delete('heads.1.weight');
    state.set('extra.weight', ones([3]));
    const result = net.loadStateDict(state, { strict: false });
    assert.deepEqual(result, { missingKeys: ['heads.1.weight'], unexpectedKeys: ['extra.weight'] });

    const loaded = net.child('heads')?.child('0')?.param('weight');
    assert.ok(loaded);
    assert.deepEqual(loaded.toArray(), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(
      net
        .child('features')
        ?.child('0')
        ?.param('weight')
        .equal(source.child('features')?.child('0')?.param('weight') as Tensor),
    );
    // A copy, not shared storage: changing the source afterwards leaves the module alone.
    setParam(source.child('heads')?.child('0')?.param('weight') ?? null, [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(loaded.toArray(), [1, 2, 3, 4, 5, 6, 7, 8]);
    // The key that was missing keeps its own value.
    assert.notDeepEqual(
      net.child('heads')?.child('1')?.param('weight').toArray(),
      source.child('heads')?.child('1')?.param('weight').toArray(),
    );
  });

  test('a state dict round-trips through a plain object', () => {
    const a = new nn.Sequential(new nn.Conv2d(2, 3, 3), new nn.BatchNorm2d(3));
    const b = new nn.Sequential(new nn.Conv2d(2, 3, 3), new nn.BatchNorm2d(3));
    a.forward(randn([4, 2, 5, 5]));
    b.loadStateDict(Object.fromEntries(a.stateDict()));
    for (const [key, t] of a.stateDict()) assert.ok(t.equal(b.stateDict().get(key) as Tensor), key);
    assert.equal(b.stateDict().get('1.num_batches_tracked')?.item(), 1);
  });
});

describe('Linear and convolutions', () => {
  test('Linear computes x Wᵀ + b', () => {
    const lin = new nn.Linear(2, 3);
    setParam(lin.weight, [1, 2, 3, 4, 5, 6]);
    setParam(lin.bias, [0.1, 0.2, 0.3]);
    const y = lin.forward(
      tensor([
        [1, 1],
        [2, -1],
      ]),
    );
    assert.deepEqual(y.shape, [2, 3]);
    assertClose(y.toArray(), [3.1, 7.2, 11.3, 0.1, 2.2, 4.3]);
    assert.equal(lin.inFeatures, 2);
    assert.equal(lin.outFeatures, 3);
    assert.equal(new nn.Linear(2, 3, { bias: false }).bias, null);
  });

  test('Linear gradients reach its parameters', () => {
    const lin = new nn.Linear(2, 3);
    const x = tensor([
      [1, 2],
      [3, -5],
    ]);
    lin.forward(x).sum().backward();
    // d(sum y)/dW[i, j] = sum over the batch of x[:, j]; d/db = batch size.
    assertClose(lin.weight.grad?.toArray() ?? [], [4, -3, 4, -3, 4, -3]);
    assertClose(lin.bias?.grad?.toArray() ?? [], [2, 2, 2]);
  });

  test('Conv2d with a known kernel gives the hand-computed output', () => {
    const conv = new nn.Conv2d(1, 1, 2);
    setParam(conv.weight, [1, 2, 3, 4]);
    setParam(conv.bias, [0.5]);
    const x = tensor([
      [
        [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
      ],
    ]);
    // Top-left: 1*1 + 2*2 + 3*4 + 4*5 = 37, and each step right adds 1+2+3+4 = 10, each step down 3 * 10.
    const y = conv.forward(x);
    assert.deepEqual(y.shape, [1, 1, 2, 2]);
    assert.deepEqual(y.toArray(), [37.5, 47.5, 67.5, 77.5]);
  });

  test('Conv2d stride, padding, dilation and groups match a direct convolution', () => {
    const cases = [
      { options: { stride: 2, padding: 1 }, ref: { stride: [2, 2], padding: [1, 1] } },
      { options: { padding: [2, 1], dilation: [2, 1] }, ref: { padding: [2, 1], dilation: [2, 1] } },
      { options: { groups: 2, stride: [1, 2] }, ref: { groups: 2, stride: [1, 2] } },
      {
        options: { padding: [1, 2], paddingMode: 'reflect' as const },
        ref: { padding: [1, 2], mode: 'reflect' as const },
      },
      // 'same' with an even kernel pads one more element after than before, in both padding modes.
      { kernel: [4, 3], options: { padding: 'same' as const }, ref: { padding: [1, 1], padAfter: [2, 1] } },
      {
        kernel: [4, 3],
        options: { padding: 'same' as const, paddingMode: 'reflect' as const },
        ref: { padding: [1, 1], padAfter: [2, 1], mode: 'reflect' as const },
      },
    ];
    for (const { kernel, options, ref } of cases) {
      const conv = new nn.Conv2d(4, 6, kernel ?? 3, options);
      const xShape = [2, 4, 6, 7];
      const xv = lcg(
        xShape.reduce((a, b) => a * b),
        3,
      );
      const y = conv.forward(fromValues(xv, xShape));
      const expected = referenceConv2d(
        xv,
        xShape,
        conv.weight.toArray(),
        conv.weight.shape,
        conv.bias?.toArray() ?? null,
        ref,
      );
      assert.deepEqual(y.shape, expected.shape, JSON.stringify(options));
      assertClose(y.toArray(), expected.values, 1e-4, JSON.stringify(options));
    }
  });

  test("Conv2d options are stored and validated like PyTorch's", () => {
    const conv = new nn.Conv2d(4, 6, [3, 5], { stride: 2, groups: 2, bias: false });
    assert.deepEqual(
      [conv.inChannels, conv.outChannels, conv.kernelSize, conv.stride, conv.padding, conv.dilation, conv.groups],
      [4, 6, [3, 5], [2, 2], [0, 0], [1, 1], 2],
    );
    assert.deepEqual(conv.weight.shape, [6, 2, 3, 5]);
    assert.throws(() => new nn.Conv2d(3, 6, 3, { groups: 2 }), /in_channels \(3\) must be divisible by groups \(2\)/);
    assert.throws(
      () => new nn.Conv2d(2, 4, 3, { padding: 'same', stride: 2 }),
      /padding='same' is not supported for strided convolutions/,
    );
    const same = new nn.Conv2d(2, 4, 3, { padding: 'same', dilation: 2 });
    assert.deepEqual(same.forward(randn([1, 2, 9, 8])).shape, [1, 4, 9, 8]);
    const circular = new nn.Conv2d(2, 4, 3, { padding: 1, paddingMode: 'circular' });
    assert.deepEqual(circular.forward(randn([1, 2, 5, 5])).shape, [1, 4, 5, 5]);
  });

  test('Conv1d and Conv3d shapes', () => {
    const c1 = new nn.Conv1d(3, 5, 4, { stride: 2, padding: 1 });
    assert.deepEqual(c1.weight.shape, [5, 3, 4]);
    assert.deepEqual(c1.forward(randn([2, 3, 10])).shape, [2, 5, 5]);
    const c3 = new nn.Conv3d(2, 4, 3, { padding: [1, 0, 1] });
    assert.deepEqual(c3.weight.shape, [4, 2, 3, 3, 3]);
    assert.deepEqual(c3.forward(randn([1, 2, 5, 6, 7])).shape, [1, 4, 5, 4, 7]);
  });

  test('ConvTranspose2d with a known kernel gives the hand-computed output', () => {
    const deconv = new nn.ConvTranspose2d(1, 1, 2, { bias: false });
    setParam(deconv.weight, [1, 1, 1, 1]);
    // Each input element spreads over a 2x2 block; overlapping blocks add up.
    const y = deconv.forward(
      tensor([
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
      ]),
    );
    assert.deepEqual(y.shape, [1, 1, 3, 3]);
    assert.deepEqual(y.toArray(), [1, 3, 2, 4, 10, 6, 3, 7, 4]);

    const up = new nn.ConvTranspose2d(1, 1, 2, { stride: 2 });
    setParam(up.weight, [1, 2, 3, 4]);
    setParam(up.bias, [1]);
    // Stride 2 = kernel: no overlap, each input scales the kernel into its own block.
    assert.deepEqual(up.forward(tensor([[[[1, 10]]]])).toArray(), [2, 3, 11, 21, 4, 5, 31, 41]);
  });

  test('ConvTranspose weight layout and output size', () => {
    const d2 = new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
    assert.deepEqual(d2.weight.shape, [4, 3, 3, 3]);
    assert.deepEqual(d2.forward(randn([1, 4, 5, 5])).shape, [1, 6, 10, 10]);
    const d3 = new nn.ConvTranspose3d(2, 3, [2, 3, 3], { stride: [2, 1, 1], padding: [0, 1, 1] });
    assert.deepEqual(d3.weight.shape, [2, 3, 2, 3, 3]);
    assert.deepEqual(d3.forward(randn([1, 2, 4, 5, 6])).shape, [1, 3, 8, 5, 6]);
  });
});

describe('normalisation', () => {
  // [N=2, C=2, H=1, W=2]: channel 0 holds 1, 2, 3, 6 (mean 3, squared deviations 14);
  // channel 1 holds 0, 0, 4, -4 (mean 0, squared deviations 32).
  const batch = () =>
    tensor([
      [[[1, 2]], [[0, 0]]],
      [[[3, 6]], [[4, -4]]],
    ]);

  test('BatchNorm2d training forward: batch statistics, running stats and counter', () => {
    const bn = new nn.BatchNorm2d(2);
    const y = bn.forward(batch());
    assertClose(bn.runningMean?.toArray() ?? [], [0.1 * 3, 0.1 * 0]);
    assertClose(bn.runningVar?.toArray() ?? [], [0.9 + (0.1 * 14) / 3, 0.9 + (0.1 * 32) / 3]);
    assert.equal(bn.numBatchesTracked?.item(), 1);
    assert.equal(bn.numBatchesTracked?.dtype, 'int64');
    // The output uses the biased batch variance: 14/4 and 32/4.
    const s0 = Math.sqrt(3.5 + 1e-5);
    const s1 = Math.sqrt(8 + 1e-5);
    assertClose(y.toArray(), [-2 / s0, -1 / s0, 0, 0, 0 / s0, 3 / s0, 4 / s1, -4 / s1]);
  });

  test('BatchNorm2d eval forward uses the running statistics and leaves them alone', () => {
    const bn = new nn.BatchNorm2d(2);
    bn.forward(batch());
    setParam(bn.weight, [2, 0.5]);
    setParam(bn.bias, [1, -1]);
    bn.eval();
    const rm = [0.3, 0];
    const rv = [0.9 + 1.4 / 3, 0.9 + 3.2 / 3];
    const w = [2, 0.5];
    const b = [1, -1];
    const x = [1, 2, 0, 0, 3, 6, 4, -4];
    const channelOf = [0, 0, 1, 1, 0, 0, 1, 1];
    const expected = x.map((v, i) => {
      const c = channelOf[i];
      return ((v - rm[c]) / Math.sqrt(rv[c] + 1e-5)) * w[c] + b[c];
    });
    assertClose(bn.forward(batch()).toArray(), expected);
    assertClose(bn.runningMean?.toArray() ?? [], rm);
    assert.equal(bn.numBatchesTracked?.item(), 1);
  });

  test('BatchNorm momentum null keeps a cumulative average', () => {
    const bn = new nn.BatchNorm2d(2, { momentum: null });
    bn.forward(batch());
    bn.forward(batch().add(10));
    assert.equal(bn.numBatchesTracked?.item(), 2);
    // Means 3, 0 then 13, 10; the variance is the same in both batches.
    assertClose(bn.runningMean?.toArray() ?? [], [8, 5]);
    assertClose(bn.runningVar?.toArray() ?? [], [14 / 3, 32 / 3]);
  });

  test('BatchNorm without running stats normalises with batch statistics in eval too', () => {
    const bn = new nn.BatchNorm2d(2, { trackRunningStats: false }).eval();
    const y = bn.forward(batch());
    const s0 = Math.sqrt(3.5 + 1e-5);
    assertClose(y.toArray().slice(0, 2), [-2 / s0, -1 / s0]);
    assert.equal(bn.runningMean, null);
  });

  test('BatchNorm checks the input rank and batch size', () => {
    const bn1 = new nn.BatchNorm1d(3);
    assert.deepEqual(bn1.forward(randn([4, 3])).shape, [4, 3]);
    assert.deepEqual(bn1.forward(randn([4, 3, 7])).shape, [4, 3, 7]);
    assert.throws(() => bn1.forward(randn([4, 3, 2, 2])), /BatchNorm1d: expected 2D or 3D input \(got 4D input\)/);
    assert.throws(() => bn1.forward(randn([1, 3])), /expected more than 1 value per channel when training/);
    assert.doesNotThrow(() => bn1.eval().forward(randn([1, 3])));
    assert.throws(() => new nn.BatchNorm2d(3).forward(randn([3, 4, 4])), /expected 4D input \(got 3D input\)/);
    assert.deepEqual(new nn.BatchNorm3d(2).forward(randn([2, 2, 3, 3, 3])).shape, [2, 2, 3, 3, 3]);
  });

  test('InstanceNorm2d normalises each (sample, channel) with its own biased statistics', () => {
    const inorm = new nn.InstanceNorm2d(2);
    // Channel 0: 1, 2, 3, 4 (mean 2.5, variance 1.25); channel 1: 2, 2, 2, 6 (mean 3, variance 3).
    const y = inorm.forward(
      tensor([
        [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [2, 2],
            [2, 6],
          ],
        ],
      ]),
    );
    const s0 = Math.sqrt(1.25 + 1e-5);
    const s1 = Math.sqrt(3 + 1e-5);
    assertClose(y.toArray(), [-1.5 / s0, -0.5 / s0, 0.5 / s0, 1.5 / s0, -1 / s1, -1 / s1, -1 / s1, 3 / s1]);

    const z = inorm.forward(randn([3, 2, 5, 4]).mul(3).add(7));
    const flat = z.reshape(6, 20);
    assertClose(flat.mean(1).toArray(), new Array(6).fill(0), 1e-5);
    assertClose(flat.var(1, { correction: 0 }).toArray(), new Array(6).fill(1), 1e-3);
    // Unbatched input works the same.
    assertClose(
      inorm
        .forward(
          tensor([
            [
              [1, 2],
              [3, 4],
            ],
            [
              [2, 2],
              [2, 6],
            ],
          ]),
        )
        .toArray(),
      y.toArray(),
    );
  });

  test('InstanceNorm2d with running stats tracks the per-instance means and uses them in eval', () => {
    const inorm = new nn.InstanceNorm2d(1, { trackRunningStats: true, affine: true });
    // Instance means 2.5 and 10; unbiased variances 5/3 and 0: running stats average them over the batch.
    inorm.forward(
      tensor([
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
        [
          [
            [10, 10],
            [10, 10],
          ],
        ],
      ]),
    );
    assertClose(inorm.runningMean?.toArray() ?? [], [0.1 * 6.25]);
    assertClose(inorm.runningVar?.toArray() ?? [], [0.9 + 0.1 * (5 / 3 / 2)]);
    assert.equal(inorm.numBatchesTracked?.item(), 0);
    inorm.eval();
    const rm = 0.625;
    const rv = 0.9 + 1 / 12;
    assertClose(
      inorm
        .forward(
          tensor([
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
          ]),
        )
        .toArray(),
      [1, 2, 3, 4].map((v) => (v - rm) / Math.sqrt(rv + 1e-5)),
    );
    assert.throws(() => inorm.forward(randn([1, 2, 3, 3])), /numFeatures \(1\)/);
  });

  test('GroupNorm normalises groups of channels; LayerNorm the trailing dims', () => {
    const gn = new nn.GroupNorm(2, 4);
    const y = gn.forward(randn([2, 4, 3, 3]).mul(2).sub(1)).reshape(4, 18);
    assertClose(y.mean(1).toArray(), [0, 0, 0, 0], 1e-5);
    assertClose(y.var(1, { correction: 0 }).toArray(), [1, 1, 1, 1], 1e-3);
    assert.throws(() => new nn.GroupNorm(3, 4), /divisible/);
    assert.equal(new nn.GroupNorm(2, 4, { affine: false }).parameterCount(), 0);

    const ln = new nn.LayerNorm(3);
    setParam(ln.weight, [1, 2, 3]);
    const s = Math.sqrt(2 / 3 + 1e-5);
    const s2 = Math.sqrt(8 / 3 + 1e-5);
    assertClose(
      ln
        .forward(
          tensor([
            [1, 2, 3],
            [2, 4, 6],
          ]),
        )
        .toArray(),
      [-1 / s, 0, 3 / s, -2 / s2, 0, 6 / s2],
    );
    assert.deepEqual(new nn.LayerNorm([2, 3]).weight?.shape, [2, 3]);
  });
});

describe('initialisation', () => {
  function absMax(t: Tensor): number {
    return t.abs().max().item();
  }

  test('calculateGain and fan computation follow torch.nn.init', () => {
    assert.equal(init.calculateGain('linear'), 1);
    assert.equal(init.calculateGain('conv2d'), 1);
    assert.equal(init.calculateGain('relu'), Math.sqrt(2));
    assert.equal(init.calculateGain('tanh'), 5 / 3);
    assert.equal(init.calculateGain('selu'), 0.75);
    assertClose([init.calculateGain('leaky_relu')], [Math.sqrt(2 / (1 + 0.0001))]);
    assertClose([init.calculateGain('leaky_relu', Math.sqrt(5))], [Math.sqrt(1 / 3)]);
    assert.deepEqual(init.calculateFanInAndFanOut(zeros([8, 4, 3, 3])), [36, 72]);
    assert.deepEqual(init.calculateFanInAndFanOut(zeros([5, 7])), [7, 5]);
    assert.throws(() => init.calculateFanInAndFanOut(zeros([5])), /fewer than 2 dimensions/);
  });

  test('Conv2d and Linear defaults are U(±1/√fanIn) for weight and bias', () => {
    for (const [layer, fanIn] of [
      [new nn.Conv2d(16, 32, 3), 144],
      [new nn.Linear(100, 50), 100],
      [new nn.Conv1d(8, 64, 5), 40],
    ] as const) {
      const bound = 1 / Math.sqrt(fanIn);
      const w = layer.weight;
      assert.ok(absMax(w) <= bound * (1 + 1e-6), `${layer.typeName} weight within ±${bound}`);
      // Thousands of uniform draws come close to the bound (a narrower init would not).
      assert.ok(absMax(w) >= 0.95 * bound, `${layer.typeName} weight reaches near ±${bound}`);
      assert.ok(Math.abs(w.mean().item()) < 0.05 * bound);
      assertClose([w.var().item()], [bound ** 2 / 3], 0.1 * bound ** 2);
      assert.ok(absMax(layer.bias as Tensor) <= bound * (1 + 1e-6), `${layer.typeName} bias within ±${bound}`);
    }
  });

  test('ConvTranspose2d fanIn is weight.size(1) * k*k, as PyTorch computes it', () => {
    // weight [4, 6, 3, 3]: fanIn = 6 * 9 = 54, bound 0.136 (fanIn from dim 0 would give 1/6 = 0.167).
    const deconv = new nn.ConvTranspose2d(4, 6, 3);
    const bound = 1 / Math.sqrt(54);
    assert.ok(absMax(deconv.weight) <= bound * (1 + 1e-6));
    assert.ok(absMax(deconv.weight) >= 0.9 * bound);
    assert.ok(absMax(deconv.bias as Tensor) <= bound * (1 + 1e-6));
  });

  test('kaimingNormal_, kaimingUniform_ and xavier statistics', () => {
    const t = zeros([1000, 500]);
    init.kaimingNormal_(t, { nonlinearity: 'relu' });
    assertClose([t.std().item()], [Math.sqrt(2 / 500)], 0.02 * Math.sqrt(2 / 500));
    assert.ok(Math.abs(t.mean().item()) < 1e-3);
    init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' });
    assertClose([t.std().item()], [Math.sqrt(2 / 1000)], 0.02 * Math.sqrt(2 / 1000));

    init.kaimingUniform_(t, { nonlinearity: 'relu' });
    const kb = Math.sqrt(6 / 500);
    assert.ok(absMax(t) <= kb * (1 + 1e-6) && absMax(t) > 0.99 * kb);

    const x = zeros([300, 200]);
    init.xavierUniform_(x, { gain: 2 });
    const xb = 2 * Math.sqrt(6 / 500);
    assert.ok(absMax(x) <= xb * (1 + 1e-6) && absMax(x) > 0.99 * xb);
    init.xavierNormal_(x);
    assertClose([x.std().item()], [Math.sqrt(2 / 500)], 0.03 * Math.sqrt(2 / 500));

    assert.deepEqual(init.constant_(zeros([3]), 2.5).toArray(), [2.5, 2.5, 2.5]);
    assert.deepEqual(init.ones_(zeros([2])).toArray(), [1, 1]);
    assert.deepEqual(init.zeros_(ones([2])).toArray(), [0, 0]);
    const u = init.uniform_(zeros([1000]), 2, 3);
    assert.ok(u.min().item() >= 2 && u.max().item() < 3);
    assertClose(
      [
        init
          .normal_(zeros([20000]), 5, 0.5)
          .mean()
          .item(),
      ],
      [5],
      0.02,
    );
  });

  test('initialisers work on parameters that require grad without recording history', () => {
    const p = zeros([4, 4], { requiresGrad: true });
    init.kaimingUniform_(p);
    assert.ok(p.isLeaf);
    assert.equal(p.gradFn, null);
  });

  test('a seeded Generator gives reproducible initialisation', () => {
    const a = init.kaimingUniform_(zeros([8, 8]), { generator: new Generator(42) });
    const b = init.kaimingUniform_(zeros([8, 8]), { generator: new Generator(42) });
    const c = init.kaimingUniform_(zeros([8, 8]), { generator: new Generator(43) });
    assert.ok(a.equal(b));
    assert.ok(!a.equal(c));

    const conv1 = new nn.Conv2d(3, 4, 3, { generator: new Generator(7) });
    const conv2 = new nn.Conv2d(3, 4, 3, { generator: new Generator(7) });
    assert.ok(conv1.weight.equal(conv2.weight) && conv1.bias?.equal(conv2.bias as Tensor));
    const lin1 = new nn.Linear(5, 4, { generator: new Generator(7) });
    const lin2 = new nn.Linear(5, 4, { generator: new Generator(7) });
    assert.ok(lin1.weight.equal(lin2.weight) && lin1.bias?.equal(lin2.bias as Tensor));

    // The global generator does the same through manualSeed.
    manualSeed(5);
    const l1 = new nn.Linear(6, 3);
    manualSeed(5);
    const l2 = new nn.Linear(6, 3);
    assert.ok(l1.weight.equal(l2.weight) && l1.bias?.equal(l2.bias as Tensor));
    assert.ok(!l1.weight.equal(new nn.Linear(6, 3).weight));
  });
});

describe('modes, dropout and placement', () => {
  test('train() and eval() propagate to every descendant', () => {
    const net = new Net();
    const all = () => net.modules().map((m) => m.training);
    assert.ok(all().every((t) => t));
    net.eval();
    assert.ok(all().every((t) => !t));
    assert.equal(all().length, 8);
    net.child('features')?.train();
    assert.equal(net.training, false);
    assert.equal(net.child('features')?.child('1')?.training, true);
    net.train();
    assert.ok(all().every((t) => t));
  });

  test('Dropout zeroes about p of the elements when training and is the identity in eval', () => {
    const drop = new nn.Dropout(0.3);
    const x = ones([100, 100]);
    const values = drop.forward(x).toArray();
    const zeroed = values.filter((v) => v === 0).length / values.length;
    assert.ok(Math.abs(zeroed - 0.3) < 0.03, `zeroed fraction ${zeroed}`);
    assert.ok(
      values.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6),
      'survivors scaled by 1/(1-p)',
    );
    drop.eval();
    assert.ok(drop.forward(x).equal(x));
    assert.throws(() => new nn.Dropout(1.5), /between 0 and 1/);
  });

  test('Dropout2d and Dropout3d zero whole channels', () => {
    const d2 = new nn.Dropout2d(0.5);
    const y = d2
      .forward(ones([4, 50, 3, 3]))
      .reshape(200, 9)
      .toArray();
    const channels = Array.from({ length: 200 }, (_, i) => y.slice(i * 9, i * 9 + 9));
    assert.ok(channels.every((ch) => ch.every((v) => v === 0) || ch.every((v) => v === 2)));
    const dropped = channels.filter((ch) => ch[0] === 0).length;
    assert.ok(dropped > 60 && dropped < 140, `dropped ${dropped} of 200 channels`);

    const d3 = new nn.Dropout3d(0.5);
    const z = d3
      .forward(ones([40, 2, 2, 2]))
      .reshape(40, 8)
      .toArray();
    const maps = Array.from({ length: 40 }, (_, i) => z.slice(i * 8, i * 8 + 8));
    assert.ok(
      maps.every((m) => m.every((v) => v === 0) || m.every((v) => v === 2)),
      'unbatched input: each channel whole',
    );
    assert.ok(
      d3
        .eval()
        .forward(ones([1, 2, 2, 2, 2]))
        .equal(ones([1, 2, 2, 2, 2])),
    );
  });

  test('to(float64) converts parameters and float buffers in place', () => {
    const model = new nn.Sequential(
      new nn.Conv2d(3, 4, 3),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(4 * 4 * 4, 2),
    );
    const before = model.stateDict();
    const values = [...before].map(([k, t]) => [k, t.toArray()] as const);
    const result = model.to('float64');
    assert.equal(result, model);
    const after = model.stateDict();
    for (const [key, t] of before) {
      assert.equal(after.get(key), t, `${key} is the same Tensor object`);
      assert.equal(t.dtype, key.endsWith('num_batches_tracked') ? 'int64' : 'float64', key);
    }
    for (const [key, v] of values) assertClose(after.get(key)?.toArray() ?? [], v, 1e-7, key);
    assert.ok(model.parameters().every((p) => p.requiresGrad && p.isLeaf));
    const y = model.forward(randn([2, 3, 6, 6], { dtype: 'float64' }));
    assert.equal(y.dtype, 'float64');
    assert.deepEqual(y.shape, [2, 2]);
  });

  test('parameters and buffers outlive the scope a model is built in; forward temporaries do not leak out', () => {
    const model = scope(
      () =>
        new nn.Sequential(
          new nn.Conv2d(2, 2, 3, { padding: 1, paddingMode: 'reflect' }),
          new nn.InstanceNorm2d(2, { trackRunningStats: true }),
        ),
    );
    assert.ok([...model.stateDict().values()].every((t) => !t.isDisposed));
    const x = randn([2, 5, 5]);
    const y = scope(() => model.forward(x.unsqueeze(0)).squeeze(0));
    assert.ok(!y.isDisposed && !x.isDisposed);
    assert.deepEqual(y.shape, [2, 5, 5]);
    assert.deepEqual(model.at(1).forward(x).shape, [2, 5, 5]);
  });

  test('parameterCount counts every (or every trainable) parameter element', () => {
    const model = new nn.Sequential(
      new nn.Conv2d(3, 4, 3),
      new nn.BatchNorm2d(4),
      new nn.Linear(4, 2, { bias: false }),
    );
    // 4*3*3*3 + 4, 4 + 4, 2*4; buffers do not count.
    assert.equal(model.parameterCount(), 112 + 8 + 8);
    model.at(0).param('weight').requiresGrad = false;
    assert.equal(model.parameterCount(true), 4 + 8 + 8);
  });
});

describe('containers', () => {
  test('Sequential chains forward and names children by position or key', () => {
    const l1 = new nn.Linear(3, 4);
    const l2 = new nn.Linear(4, 2);
    const seq = new nn.Sequential(l1, new nn.ReLU(), l2);
    const x = randn([5, 3]);
    assert.ok(seq.forward(x).allclose(l2.forward(l1.forward(x).relu())));
    assert.equal(seq.length, 3);
    assert.equal(seq.at(-1), l2);
    assert.deepEqual(
      [...seq].map((m) => m.typeName),
      ['Linear', 'ReLU', 'Linear'],
    );
    assert.deepEqual(
      seq.namedChildren().map(([k]) => k),
      ['0', '1', '2'],
    );
    seq.push(new nn.Sigmoid());
    assert.deepEqual([...seq.stateDict().keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.deepEqual(
      seq.namedChildren().map(([k]) => k),
      ['0', '1', '2', '3'],
    );
    assert.throws(() => seq.at(4), /out of range/);

    const named = new nn.Sequential({ conv: new nn.Conv2d(1, 2, 3), act: new nn.Tanh() });
    assert.deepEqual([...named.stateDict().keys()], ['conv.weight', 'conv.bias']);
    assert.deepEqual(named.forward(randn([1, 1, 5, 5])).shape, [1, 2, 3, 3]);
    assert.throws(() => new nn.Sequential(new nn.ModuleList() as unknown as nn.Layer), /has no forward/);
  });

  test('ModuleList holds modules by position', () => {
    const list = new nn.ModuleList<nn.Module>([new nn.Linear(2, 2)]);
    const pushed = new nn.Linear(2, 3);
    assert.equal(list.push(pushed, new nn.Identity()), list);
    assert.equal(list.length, 3);
    assert.equal(list.at(1), pushed);
    assert.equal(list.at(-2), pushed);
    assert.throws(() => list.at(3), /index 3 is out of range/);
    assert.deepEqual(
      [...list].map((m) => m.typeName),
      ['Linear', 'Linear', 'Identity'],
    );
    assert.deepEqual([...list.stateDict().keys()], ['0.weight', '0.bias', '1.weight', '1.bias']);
    assert.equal(list.parameterCount(), 6 + 9);
  });

  test('ModuleDict holds modules by key in insertion order', () => {
    const dict = new nn.ModuleDict<nn.Module>({
      encoder: new nn.Linear(4, 3),
      decoder: new nn.Linear(3, 4, { bias: false }),
    });
    dict.set('norm', new nn.LayerNorm(4));
    assert.deepEqual([...dict], ['encoder', 'decoder', 'norm']);
    assert.equal(dict.size, 3);
    assert.ok(dict.has('decoder') && !dict.has('x'));
    assert.equal((dict.get('encoder') as nn.Linear).outFeatures, 3);
    assert.throws(() => dict.get('x'), /no key 'x' \(keys: encoder, decoder, norm\)/);
    assert.throws(() => dict.set('norm', new nn.ReLU()), /already present/);
    assert.deepEqual(
      [...dict.stateDict().keys()],
      ['encoder.weight', 'encoder.bias', 'decoder.weight', 'norm.weight', 'norm.bias'],
    );
    assert.deepEqual(
      [
        ...new nn.ModuleDict([
          ['b', new nn.ReLU()],
          ['a', new nn.Tanh()],
        ]).keys(),
      ],
      ['b', 'a'],
    );
  });
});

describe('activations, pooling, resampling', () => {
  test('activation layers compute their functions', () => {
    const xs = [-2, -0.5, 0, 1.5];
    const x = tensor(xs);
    const y = x.clone();
    assert.equal(new nn.ReLU({ inplace: true }).forward(y), y, 'inplace returns its input');
    assert.deepEqual(y.toArray(), [0, 0, 0, 1.5], 'inplace overwrites the input, as in PyTorch');
    const leaky = x.clone();
    new nn.LeakyReLU(0.5, { inplace: true }).forward(leaky);
    assert.deepEqual(
      leaky.toArray(),
      xs.map((v: number) => (v < 0 ? v * 0.5 : v)),
    );
    assertClose(new nn.LeakyReLU(0.1).forward(x).toArray(), [-0.2, -0.05, 0, 1.5]);
    assertClose(new nn.ELU().forward(x).toArray(), [Math.exp(-2) - 1, Math.exp(-0.5) - 1, 0, 1.5]);
    assertClose(
      new nn.Sigmoid().forward(x).toArray(),
      xs.map((v) => 1 / (1 + Math.exp(-v))),
    );
    assertClose(new nn.Tanh().forward(x).toArray(), xs.map(Math.tanh));
    // x·Φ(x) with Φ(-2) = 0.0227501, Φ(-0.5) = 0.3085375, Φ(1.5) = 0.9331928.
    assertClose(new nn.GELU().forward(x).toArray(), [-2 * 0.0227501, -0.5 * 0.3085375, 0, 1.5 * 0.9331928], 1e-5);
    const tanhGelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    assertClose(new nn.GELU({ approximate: 'tanh' }).forward(x).toArray(), xs.map(tanhGelu));
    assert.ok(new nn.Identity(3, 'ignored').forward(x) === x);

    const logits = tensor([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const e = [1, 2, 3].map(Math.exp);
    const z = e.reduce((a, b) => a + b);
    assertClose(new nn.Softmax(1).forward(logits).toArray(), [...e.map((v) => v / z), 1 / 3, 1 / 3, 1 / 3]);
    assertClose(new nn.Softmax(0).forward(logits).toArray().slice(0, 1), [Math.exp(1) / (Math.exp(1) + 1)]);
    assertClose(new nn.LogSoftmax(1).forward(logits).toArray(), [
      ...[1, 2, 3].map((v) => v - Math.log(z)),
      ...new Array(3).fill(-Math.log(3)),
    ]);
  });

  test('pooling layers', () => {
    const x = arange(16, undefined, 1, { dtype: 'float32' }).reshape(1, 1, 4, 4);
    assert.deepEqual(new nn.MaxPool2d(2).forward(x).toArray(), [5, 7, 13, 15]);
    assert.deepEqual(new nn.MaxPool2d(3, { stride: 1, padding: 1 }).forward(x).shape, [1, 1, 4, 4]);
    assert.deepEqual(new nn.AvgPool2d(2).forward(x).toArray(), [2.5, 4.5, 10.5, 12.5]);
    // Padding counts as zeros in the average unless countIncludePad is false.
    assert.deepEqual(new nn.AvgPool2d(2, { padding: 1 }).forward(x).toArray().slice(0, 1), [0 / 4]);
    assert.deepEqual(
      new nn.AvgPool2d(2, { stride: 1, padding: 1, countIncludePad: false }).forward(x).toArray().slice(0, 2),
      [0, 0.5],
    );
    assert.deepEqual(new nn.AdaptiveAvgPool2d(1).forward(x).toArray(), [7.5]);
    assert.deepEqual(new nn.AdaptiveAvgPool2d([2, 1]).forward(x).toArray(), [3.5, 11.5]);
    const colMax = new nn.AdaptiveMaxPool2d([1, null]).forward(x);
    assert.deepEqual(colMax.shape, [1, 1, 1, 4]);
    assert.deepEqual(colMax.toArray(), [12, 13, 14, 15]);

    const v = randn([2, 3, 4, 6, 8]);
    assert.deepEqual(new nn.MaxPool3d(2).forward(v).shape, [2, 3, 2, 3, 4]);
    assert.deepEqual(new nn.AvgPool3d([1, 2, 2]).forward(v).shape, [2, 3, 4, 3, 4]);
    const gap = new nn.AdaptiveAvgPool3d(1).forward(v);
    assert.deepEqual(gap.shape, [2, 3, 1, 1, 1]);
    assertClose(gap.flatten().toArray(), v.mean([2, 3, 4]).flatten().toArray());
  });

  test('Upsample and Flatten', () => {
    const x = tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    assert.deepEqual(
      new nn.Upsample({ scaleFactor: 2 }).forward(x).toArray(),
      [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4],
    );
    const y = new nn.Upsample({ size: 3, mode: 'bilinear', alignCorners: true }).forward(
      tensor([
        [
          [
            [0, 2],
            [4, 6],
          ],
        ],
      ]),
    );
    assertClose(y.toArray(), [0, 1, 2, 2, 3, 4, 4, 5, 6]);
    assert.deepEqual(
      new nn.Upsample({ size: [2, 4, 6], mode: 'trilinear' }).forward(randn([1, 2, 1, 2, 3])).shape,
      [1, 2, 2, 4, 6],
    );
    assert.throws(() => new nn.Upsample({}), /exactly one of size and scaleFactor/);

    const t = randn([2, 3, 4, 5]);
    assert.deepEqual(new nn.Flatten().forward(t).shape, [2, 60]);
    assert.deepEqual(new nn.Flatten(0, 1).forward(t).shape, [6, 4, 5]);
  });
});
