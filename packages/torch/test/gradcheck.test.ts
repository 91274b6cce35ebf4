// Gradients of every differentiable op against central finite differences, in float64.
import { test, describe } from 'node:test';
import { Tensor, F, tensor, cat, stack, where } from '../src/index.js';
import { gradcheck, uniform, awayFromZero } from './gradcheck.js';

const u = uniform;
const positive = (shape: number[]) => uniform(shape, 0.5, 2);
const long = (values: number[], shape?: number[]) => tensor(values, { dtype: 'int64', shape });

describe('elementwise', () => {
  test('add, with broadcasting and alpha', () => {
    gradcheck((a, b) => a.add(b), [u([3, 4]), u([1, 4])]);
    gradcheck((a, b) => a.add(b, -2.5), [u([2, 3]), u([3])]);
    gradcheck((a) => a.add(3), [u([4])]);
  });
  test('sub, with broadcasting and alpha; rsub', () => {
    gradcheck((a, b) => a.sub(b), [u([3, 1]), u([1, 4])]);
    gradcheck((a, b) => a.sub(b, 0.5), [u([2, 3]), u([2, 3])]);
    gradcheck((a) => a.rsub(2), [u([5])]);
  });
  test('mul', () => {
    gradcheck((a, b) => a.mul(b), [u([2, 3, 4]), u([3, 1])]);
    gradcheck((a) => a.mul(-1.5), [u([4])]);
  });
  test('div, rdiv', () => {
    gradcheck((a, b) => a.div(b), [u([3, 4]), positive([3, 4])]);
    gradcheck((a, b) => a.div(b.neg()), [u([2, 4]), positive([4])]);
    gradcheck((a) => a.rdiv(3), [positive([5])]);
  });
  test('pow: tensor exponent, scalar exponents', () => {
    gradcheck((a, b) => a.pow(b), [positive([3, 3]), u([3, 3], -1, 2)]);
    gradcheck((a) => a.pow(3), [u([6])]);
    gradcheck((a) => a.pow(0.5), [positive([6])]);
    gradcheck((a) => a.pow(-2), [positive([6])]);
  });
  test('exp, log, sqrt', () => {
    gradcheck((a) => a.exp(), [u([3, 4])]);
    gradcheck((a) => a.log(), [positive([3, 4])]);
    gradcheck((a) => a.sqrt(), [positive([3, 4])]);
  });
  test('abs away from 0', () => {
    gradcheck((a) => a.abs(), [awayFromZero([3, 4])]);
  });
  test('sigmoid, tanh', () => {
    gradcheck((a) => a.sigmoid(), [u([3, 4], -3, 3)]);
    gradcheck((a) => a.tanh(), [u([3, 4], -3, 3)]);
    gradcheck((a) => F.sigmoid(a).mul(F.tanh(a)), [u([5])]);
  });
  test('relu away from 0', () => {
    gradcheck((a) => a.relu(), [awayFromZero([3, 4])]);
    gradcheck((a) => F.relu(a), [awayFromZero([6])]);
  });
  test('leakyRelu, elu away from 0', () => {
    gradcheck((a) => F.leakyRelu(a, 0.1), [awayFromZero([3, 4])]);
    gradcheck((a) => F.leakyRelu(a), [awayFromZero([6])]);
    gradcheck((a) => F.elu(a), [awayFromZero([3, 4])]);
    gradcheck((a) => F.elu(a, 1.7), [awayFromZero([6])]);
  });
  test('gelu, exact and tanh approximation', () => {
    gradcheck((a) => F.gelu(a), [u([3, 4], -3, 3)]);
    gradcheck((a) => F.gelu(a, 'tanh'), [u([3, 4], -3, 3)]);
  });
  test('silu, softplus', () => {
    gradcheck((a) => F.silu(a), [u([8], -3, 3)]);
    gradcheck((a) => F.softplus(a), [u([8], -3, 3)]);
  });
  test('clamp away from the bounds', () => {
    // Values within 0.05 of a bound are moved off it, so that ±eps never crosses one.
    const x = u([4, 5], -1, 1);
    const safe = x.toArray().map((v) => (Math.abs(Math.abs(v) - 0.5) < 0.05 ? v * 1.2 : v));
    gradcheck((a) => a.clamp(-0.5, 0.5), [tensor(new Float64Array(safe), { shape: [4, 5] })]);
    gradcheck((a) => a.clampMin(0.2), [tensor(new Float64Array(safe), { shape: [4, 5] })]);
  });
});

describe('reductions', () => {
  test('sum: all, dims, keepdim', () => {
    gradcheck((a) => a.sum(), [u([3, 4])]);
    gradcheck((a) => a.sum(1), [u([3, 4])]);
    gradcheck((a) => a.sum([0, 2], true), [u([2, 3, 4])]);
  });
  test('mean: all, dims, keepdim', () => {
    gradcheck((a) => a.mean(), [u([3, 4])]);
    gradcheck((a) => a.mean(-1, true), [u([3, 4])]);
    gradcheck((a) => a.mean([0, 2]), [u([2, 3, 4])]);
  });
  test('amax, max(dim), min(dim) (no ties)', () => {
    gradcheck((a) => a.amax(), [u([3, 4])]);
    gradcheck((a) => a.amax(1), [u([3, 4])]);
    gradcheck((a) => a.amax([0, 2], true), [u([2, 3, 4])]);
    gradcheck((a) => a.max(1).values, [u([3, 4])]);
    gradcheck((a) => a.min(0, true).values, [u([3, 4])]);
  });
  test('std and var with corrections', () => {
    gradcheck((a) => a.std(), [u([3, 4])]);
    gradcheck((a) => a.std(1), [u([3, 4])]);
    gradcheck((a) => a.std([0, 2], { keepdim: true, correction: 0 }), [u([2, 3, 4])]);
    gradcheck((a) => a.var(), [u([3, 4])]);
    gradcheck((a) => a.var(0, { correction: 0 }), [u([3, 4])]);
  });
  test('logsumexp', () => {
    gradcheck((a) => a.logsumexp(1), [u([3, 4], -3, 3)]);
    gradcheck((a) => a.logsumexp([0, 1], true), [u([3, 4], -3, 3)]);
  });
  test('norm: p = 2, 1, 3, over dims', () => {
    gradcheck((a) => a.norm(), [u([3, 4])]);
    gradcheck((a) => a.norm(2, 1), [u([3, 4])]);
    gradcheck((a) => a.norm(1, 0, true), [awayFromZero([3, 4])]);
    gradcheck((a) => a.norm(3), [awayFromZero([3, 4])]);
  });
  test('prod, cumsum', () => {
    gradcheck((a) => a.prod(1), [awayFromZero([3, 4])]);
    gradcheck((a) => a.cumsum(1), [u([3, 4])]);
  });
});

describe('linear algebra', () => {
  test('matmul: 2-D, batched with broadcasting, vector', () => {
    gradcheck((a, b) => a.matmul(b), [u([3, 4]), u([4, 2])]);
    gradcheck((a, b) => a.matmul(b), [u([2, 3, 4]), u([4, 5])]);
    gradcheck((a, b) => a.matmul(b), [u([4]), u([4, 3])]);
  });
  test('bmm, mm', () => {
    gradcheck((a, b) => a.bmm(b), [u([2, 3, 4]), u([2, 4, 2])]);
    gradcheck((a, b) => a.mm(b), [u([2, 3]), u([3, 3])]);
  });
  test('linear', () => {
    gradcheck((x, w, b) => F.linear(x, w, b), [u([2, 3, 4]), u([5, 4]), u([5])]);
  });
});

describe('shape ops', () => {
  test('permute, transpose, reshape, view, flatten, squeeze, unsqueeze', () => {
    gradcheck((a) => a.permute(2, 0, 1), [u([2, 3, 4])]);
    gradcheck((a) => a.transpose(0, 2).reshape(4, 6), [u([2, 3, 4])]);
    gradcheck((a) => a.view(6, 4).flatten(), [u([2, 3, 4])]);
    gradcheck((a) => a.unsqueeze(1).squeeze(1).mul(a), [u([3, 4])]);
  });
  test('cat, stack', () => {
    gradcheck((a, b, c) => cat([a, b, c], 1), [u([2, 1]), u([2, 3]), u([2, 2])]);
    gradcheck((a, b) => stack([a, b], 1), [u([3, 2]), u([3, 2])]);
  });
  test('narrow, slice with step, select', () => {
    gradcheck((a) => a.narrow(1, 1, 2), [u([3, 4])]);
    gradcheck((a) => a.slice(0, 1, null, 2), [u([6, 2])]);
    gradcheck((a) => a.slice(1, -3, -1), [u([2, 5])]);
    gradcheck((a) => a.select(1, 2), [u([3, 4])]);
  });
  test('split, chunk, unbind', () => {
    gradcheck(
      (a) => {
        const [x, y] = a.split([1, 3], 1);
        return x.mul(y.sum(1, true));
      },
      [u([2, 4])],
    );
    gradcheck(
      (a) => {
        const [x, y, z] = a.chunk(3, 0);
        return x.add(y.mul(2)).sub(z);
      },
      [u([6, 2])],
    );
    gradcheck(
      (a) => {
        const [x, y] = a.unbind(0);
        return x.mul(y);
      },
      [u([2, 3])],
    );
  });
  test('gather, indexSelect, index', () => {
    gradcheck((a) => a.gather(1, long([0, 2, 2, 1, 0, 0], [3, 2])), [u([3, 4])]);
    gradcheck((a) => a.indexSelect(0, long([2, 0, 2])), [u([3, 4])]);
    gradcheck((a) => a.index([long([1, 1, 0]), long([3, 0, 2])]), [u([3, 4])]);
  });
  test('flip, roll, rot90', () => {
    gradcheck((a) => a.flip([0, 2]), [u([2, 3, 4])]);
    gradcheck((a) => a.roll(1, 0), [u([3, 4])]);
    gradcheck((a) => a.rot90(1, [0, 1]), [u([3, 4])]);
  });
  test('pad: constant, reflect, replicate, circular', () => {
    gradcheck((a) => F.pad(a, [1, 2, 2, 1], 'constant', 0.5), [u([1, 2, 4, 5])]);
    gradcheck((a) => F.pad(a, [1, 2, 2, 1], 'reflect'), [u([1, 2, 4, 5])]);
    gradcheck((a) => F.pad(a, [1, 2, 2, 1], 'replicate'), [u([1, 2, 4, 5])]);
    gradcheck((a) => F.pad(a, [2, 1], 'reflect'), [u([2, 3, 4])]);
    gradcheck((a) => F.pad(a, [1, 0, 0, 2, 1, 1], 'replicate'), [u([1, 1, 2, 3, 3])]);
    gradcheck((a) => F.pad(a, [1, 2], 'circular'), [u([1, 2, 4])]);
  });
  test('expand, repeat, repeatInterleave', () => {
    gradcheck((a) => a.expand(2, 3, 4), [u([3, 1])]);
    gradcheck((a) => a.repeat(2, 1, 3), [u([3, 2])]);
    gradcheck((a) => a.repeatInterleave(2, 1), [u([2, 3])]);
  });
  test('where, maskedFill', () => {
    const cond = tensor([
      [true, false, true, false],
      [false, false, true, true],
      [true, true, false, false],
    ]);
    gradcheck((a, b) => where(cond, a, b), [u([3, 4]), u([3, 4])]);
    gradcheck((a, b) => where(cond, a, b), [u([3, 1]), u([4])]);
    gradcheck((a) => where(cond, a, 0.25), [u([3, 4])]);
    gradcheck((a) => a.maskedFill(cond, -1), [u([3, 4])]);
    gradcheck((a) => a.maskedFill(tensor([true, false, false, true]), 2), [u([3, 4])]);
  });
});

describe('convolution', () => {
  test('conv1d with stride, padding, dilation, groups, bias', () => {
    gradcheck(
      (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2, groups: 2 }),
      [u([2, 4, 9]), u([6, 2, 3]), u([6])],
    );
    gradcheck((x, w) => F.conv1d(x, w), [u([1, 2, 5]), u([3, 2, 2])]);
  });
  test('conv2d with stride, padding, dilation, groups, bias; same padding', () => {
    gradcheck(
      (x, w, b) => F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }),
      [u([1, 4, 7, 6]), u([4, 2, 3, 2]), u([4])],
    );
    gradcheck((x, w) => F.conv2d(x, w, null, { padding: 'same', dilation: 2 }), [u([2, 2, 5, 5]), u([3, 2, 3, 3])]);
    gradcheck((x, w) => F.conv2d(x, w, null, { padding: 'valid' }), [u([1, 1, 4, 4]), u([2, 1, 2, 3])]);
  });
  test('conv3d with stride, padding, dilation, groups, bias', () => {
    gradcheck(
      (x, w, b) => F.conv3d(x, w, b, { stride: [1, 2, 1], padding: 1, dilation: [2, 1, 1], groups: 2 }),
      [u([1, 2, 5, 4, 4]), u([2, 1, 3, 2, 2]), u([2])],
    );
  });
  test('convTranspose2d with stride, padding, outputPadding, groups, dilation', () => {
    gradcheck(
      (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
      [u([1, 4, 3, 3]), u([4, 3, 3, 3]), u([6])],
    );
    gradcheck(
      (x, w) => F.convTranspose2d(x, w, null, { stride: [1, 2], dilation: [2, 1], outputPadding: [1, 0] }),
      [u([2, 2, 3, 2]), u([2, 1, 2, 2])],
    );
  });
  test('convTranspose3d with outputPadding', () => {
    gradcheck(
      (x, w, b) => F.convTranspose3d(x, w, b, { stride: [2, 1, 2], padding: [0, 1, 1], outputPadding: [1, 0, 1] }),
      [u([1, 2, 2, 3, 2]), u([2, 2, 2, 2, 2]), u([2])],
    );
  });
  test('convTranspose1d', () => {
    gradcheck(
      (x, w) => F.convTranspose1d(x, w, null, { stride: 3, padding: 1, outputPadding: 2 }),
      [u([1, 2, 4]), u([2, 3, 3])],
    );
  });
});

describe('pooling', () => {
  test('maxPool2d: stride, padding, dilation, ceilMode', () => {
    gradcheck((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }), [u([1, 2, 6, 5])]);
    gradcheck((x) => F.maxPool2d(x, 2, { dilation: 2, ceilMode: true }), [u([1, 1, 7, 6])]);
    gradcheck((x) => F.maxPool2d(x, [2, 3], { stride: [1, 2] }), [u([2, 1, 4, 7])]);
  });
  test('maxPool3d, maxPool1d', () => {
    gradcheck((x) => F.maxPool3d(x, 2, { stride: [2, 1, 2] }), [u([1, 1, 4, 5, 4])]);
    gradcheck((x) => F.maxPool3d(x, 3, { stride: 2, padding: 1 }), [u([1, 2, 3, 4, 3])]);
    gradcheck((x) => F.maxPool1d(x, 3, { stride: 2 }), [u([2, 2, 7])]);
  });
  test('avgPool2d: padding, countIncludePad, ceilMode, divisorOverride', () => {
    gradcheck((x) => F.avgPool2d(x, 3, { stride: 2, padding: 1 }), [u([1, 2, 5, 6])]);
    gradcheck(
      (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }),
      [u([1, 2, 5, 6])],
    );
    gradcheck((x) => F.avgPool2d(x, 2, { divisorOverride: 3 }), [u([1, 1, 4, 4])]);
  });
  test('avgPool3d, avgPool1d', () => {
    gradcheck((x) => F.avgPool3d(x, [2, 3, 2], { stride: 1, padding: [1, 1, 0] }), [u([1, 1, 3, 4, 3])]);
    gradcheck((x) => F.avgPool3d(x, 2, { countIncludePad: false, padding: 1 }), [u([1, 2, 3, 3, 2])]);
    gradcheck((x) => F.avgPool1d(x, 2, { stride: 1 }), [u([1, 2, 5])]);
  });
  test('adaptive average pools (non-divisible sizes)', () => {
    gradcheck((x) => F.adaptiveAvgPool1d(x, 3), [u([1, 2, 7])]);
    gradcheck((x) => F.adaptiveAvgPool2d(x, [3, 2]), [u([1, 2, 7, 5])]);
    gradcheck((x) => F.adaptiveAvgPool3d(x, [2, 3, 2]), [u([1, 1, 3, 5, 4])]);
  });
  test('adaptive max pools', () => {
    gradcheck((x) => F.adaptiveMaxPool1d(x, 3), [u([1, 2, 7])]);
    gradcheck((x) => F.adaptiveMaxPool2d(x, [3, 4]), [u([1, 2, 7, 5])]);
    gradcheck((x) => F.adaptiveMaxPool3d(x, 2), [u([1, 1, 3, 5, 4])]);
  });
});

describe('normalisation', () => {
  test('batchNorm in training, with and without affine parameters and running stats', () => {
    gradcheck(
      (x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }),
      [u([4, 3, 2, 2]), u([3]), u([3])],
    );
    const runningMean = tensor(new Float64Array(3));
    const runningVar = tensor(new Float64Array([1, 1, 1]));
    gradcheck(
      (x) => F.batchNorm(x, runningMean, runningVar, { training: true, momentum: 0.2, eps: 1e-3 }),
      [u([5, 3])],
    );
    gradcheck((x, w) => F.batchNorm(x, null, null, { weight: w, training: true }), [u([3, 2, 4]), u([2])]);
  });
  test('instanceNorm', () => {
    gradcheck((x, w, b) => F.instanceNorm(x, { weight: w, bias: b }), [u([2, 3, 4, 4]), u([3]), u([3])]);
    gradcheck((x) => F.instanceNorm(x), [u([2, 2, 5])]);
  });
  test('groupNorm', () => {
    gradcheck((x, w, b) => F.groupNorm(x, 2, w, b), [u([2, 4, 3, 3]), u([4]), u([4])]);
    gradcheck((x) => F.groupNorm(x, 1), [u([2, 3, 4])]);
  });
  test('layerNorm', () => {
    gradcheck((x, w, b) => F.layerNorm(x, [3, 4], w, b), [u([2, 3, 4]), u([3, 4]), u([3, 4])]);
    gradcheck((x) => F.layerNorm(x, [5]), [u([3, 5])]);
  });
  test('softmax, logSoftmax', () => {
    gradcheck((x) => F.softmax(x, 1), [u([3, 4, 2], -2, 2)]);
    gradcheck((x) => F.softmax(x, -1), [u([3, 4], -2, 2)]);
    gradcheck((x) => F.logSoftmax(x, -1), [u([3, 4], -2, 2)]);
    gradcheck((x) => F.logSoftmax(x, 0), [u([3, 4], -2, 2)]);
  });
});

describe('resampling', () => {
  test('interpolate nearest, by scale factor and by size', () => {
    gradcheck((x) => F.interpolate(x, { scaleFactor: 2 }), [u([1, 2, 3, 3])]);
    gradcheck((x) => F.interpolate(x, { size: [5, 2], mode: 'nearest' }), [u([1, 1, 3, 4])]);
    gradcheck((x) => F.interpolate(x, { scaleFactor: 1.5, mode: 'nearest' }), [u([1, 1, 4])]);
    gradcheck((x) => F.interpolate(x, { size: [3, 4, 2], mode: 'nearest' }), [u([1, 1, 2, 3, 4])]);
  });
  test('interpolate bilinear with and without alignCorners', () => {
    gradcheck((x) => F.interpolate(x, { size: [5, 7], mode: 'bilinear' }), [u([1, 2, 3, 4])]);
    gradcheck((x) => F.interpolate(x, { size: [5, 7], mode: 'bilinear', alignCorners: true }), [u([1, 2, 3, 4])]);
    gradcheck((x) => F.interpolate(x, { scaleFactor: [2, 0.5], mode: 'bilinear' }), [u([1, 1, 3, 4])]);
    gradcheck((x) => F.interpolate(x, { size: [2, 2], mode: 'bilinear', alignCorners: true }), [u([1, 1, 5, 4])]);
  });
  test('interpolate trilinear, linear, bicubic', () => {
    gradcheck((x) => F.interpolate(x, { size: [3, 4, 5], mode: 'trilinear' }), [u([1, 1, 2, 3, 2])]);
    gradcheck((x) => F.interpolate(x, { scaleFactor: 2, mode: 'trilinear', alignCorners: true }), [u([1, 1, 2, 2, 3])]);
    gradcheck((x) => F.interpolate(x, { size: 7, mode: 'linear' }), [u([1, 2, 4])]);
    gradcheck((x) => F.interpolate(x, { size: [4, 5], mode: 'bicubic' }), [u([1, 1, 3, 3])]);
  });
});

describe('losses', () => {
  const logits = () => u([5, 4], -2, 2);
  const target = long([0, 3, 2, 1, 2]);
  const classWeight = tensor(new Float64Array([0.5, 2, 1, 1.5]));

  test('crossEntropy: plain, weights, ignoreIndex, labelSmoothing, reductions', () => {
    gradcheck((x) => F.crossEntropy(x, target), [logits()]);
    gradcheck((x) => F.crossEntropy(x, target, { weight: classWeight }), [logits()]);
    gradcheck((x) => F.crossEntropy(x, target, { ignoreIndex: 2 }), [logits()]);
    gradcheck((x) => F.crossEntropy(x, target, { labelSmoothing: 0.1 }), [logits()]);
    gradcheck(
      (x) => F.crossEntropy(x, target, { weight: classWeight, ignoreIndex: 2, labelSmoothing: 0.2 }),
      [logits()],
    );
    gradcheck((x) => F.crossEntropy(x, target, { weight: classWeight, reduction: 'sum' }), [logits()]);
    gradcheck((x) => F.crossEntropy(x, target, { labelSmoothing: 0.3, reduction: 'none' }), [logits()]);
  });
  test('crossEntropy over spatial dimensions and with probability targets', () => {
    const spatialTarget = long([0, 2, 1, 1, 2, 0, 0, 1], [2, 2, 2]);
    gradcheck(
      (x) => F.crossEntropy(x, spatialTarget, { weight: tensor(new Float64Array([1, 2, 0.5])) }),
      [u([2, 3, 2, 2], -2, 2)],
    );
    gradcheck((x, p) => F.crossEntropy(x, F.softmax(p, 1)), [logits(), u([5, 4])]);
    gradcheck((x, p) => F.crossEntropy(x, F.softmax(p, 1), { labelSmoothing: 0.1 }), [logits(), u([5, 4])]);
  });
  test('nllLoss with weights and ignoreIndex', () => {
    gradcheck((x) => F.nllLoss(F.logSoftmax(x, 1), target), [logits()]);
    gradcheck((x) => F.nllLoss(F.logSoftmax(x, 1), target, { weight: classWeight, ignoreIndex: 0 }), [logits()]);
    gradcheck((x) => F.nllLoss(x, target, { reduction: 'sum' }), [logits()]);
  });
  test('mseLoss, l1Loss, smoothL1Loss', () => {
    gradcheck((x, y) => F.mseLoss(x, y), [u([3, 4]), u([3, 4])]);
    gradcheck((x, y) => F.mseLoss(x, y, 'sum'), [u([3, 4]), u([3, 4])]);
    gradcheck((x, y) => F.mseLoss(x, y, 'none'), [u([3, 4]), u([3, 4])]);
    gradcheck((x) => F.l1Loss(x, tensor(new Float64Array(6), { shape: [2, 3] })), [awayFromZero([2, 3])]);
    gradcheck(
      (x) => F.smoothL1Loss(x, tensor(new Float64Array(6), { shape: [2, 3] }), 'mean', 0.5),
      [awayFromZero([2, 3], 0.02)],
    );
  });
  test('binaryCrossEntropyWithLogits with weight and posWeight; binaryCrossEntropy', () => {
    gradcheck((x, y) => F.binaryCrossEntropyWithLogits(x, y), [u([3, 4], -3, 3), u([3, 4], 0, 1)]);
    // Constants are made once, outside the function: gradcheck calls it many times.
    const [y34, weight, posWeight, y23] = [u([3, 4], 0, 1), u([4], 0.5, 2), u([4], 0.5, 3), u([2, 3], 0, 1)];
    gradcheck((x) => F.binaryCrossEntropyWithLogits(x, y34, { weight, posWeight }), [u([3, 4], -3, 3)]);
    gradcheck((x) => F.binaryCrossEntropyWithLogits(x, y23, { reduction: 'sum' }), [u([2, 3], -3, 3)]);
    gradcheck((x) => F.binaryCrossEntropy(x.sigmoid(), y23), [u([2, 3], -3, 3)]);
  });
});

test('gradcheck catches a wrong gradient', async () => {
  // A sanity check of the checker itself: a function whose backward is wrong (detach drops a term) must fail.
  const { default: assert } = await import('node:assert/strict');
  assert.throws(() => gradcheck((a: Tensor) => a.mul(a.detach()), [u([4])]), /gradcheck failed/);
});
