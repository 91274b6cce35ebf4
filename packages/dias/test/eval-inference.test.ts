// predictSequence against models whose output is known: a per-pixel linear model (its probability can be
// computed by hand, whatever the tiling, blending or flips), and flip equivariance of the TTA on a model with
// lopsided 3x3 kernels.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fromTypedArray, manualSeed, nn, scope, type Tensor } from '@dias-ts/torch';
import { Predictor, predictSequence, prepareSequence } from '../src/predict/predictor.js';
import { resampleFrames } from '../src/data/pipeline/temporal-resample.js';
import { zscoreFrames } from '../src/data/pipeline/preprocess.js';
import type { ModelSpec, SegmentationModel } from '../src/models/model-spec.js';
import type { DsaSequence } from '../src/data/sequence.js';

/** class-0 logit 0, class-1 logit b + sum_t w_t x_t: the softmax's class 1 is sigmoid(b + w . x). */
class PixelLinear2d extends nn.Module implements SegmentationModel {
  readonly conv: nn.Conv2d;
  constructor(w: number[], b: number) {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d(w.length, 2, 1));
    const weight = new Float32Array(2 * w.length);
    weight.set(w, w.length);
    this.loadStateDict({
      'conv.weight': fromTypedArray(weight, [2, w.length, 1, 1]),
      'conv.bias': fromTypedArray(new Float32Array([0, b]), [2]),
    });
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

/** The same function for a sequence input [B, 1, T, H, W] (a T x 1 x 1 Conv3d collapsing time). */
class PixelLinear3d extends nn.Module implements SegmentationModel {
  readonly conv: nn.Conv3d;
  constructor(w: number[], b: number) {
    super();
    const T = w.length;
    this.conv = this.registerModule('conv', new nn.Conv3d(1, 2, [T, 1, 1]));
    const weight = new Float32Array(2 * T);
    weight.set(w, T);
    this.loadStateDict({
      'conv.weight': fromTypedArray(weight, [2, 1, T, 1, 1]),
      'conv.bias': fromTypedArray(new Float32Array([0, b]), [2]),
    });
  }
  forward(x: Tensor): Tensor {
    return scope(() => this.conv.forward(x).squeeze(2));
  }
}

/** Two lopsided 3x3 convolutions: its output changes when the input is mirrored. */
class Lopsided extends nn.Module implements SegmentationModel {
  readonly a: nn.Conv2d;
  readonly b: nn.Conv2d;
  constructor(T: number) {
    super();
    manualSeed(7);
    this.a = this.registerModule('a', new nn.Conv2d(T, 4, 3, { padding: 1 }));
    this.b = this.registerModule('b', new nn.Conv2d(4, 2, 3, { padding: 1 }));
  }
  forward(x: Tensor): Tensor {
    return scope(() => this.b.forward(this.a.forward(x).relu()).mul(3));
  }
}

const spec = (kind: '2d' | '3d->2d', T: number): ModelSpec => ({
  name: `test-${kind}`,
  kind,
  aliases: [],
  summary: '',
  frames: () => T,
  sizeMultiple: 1,
  defaults: {},
  officialDefaults: {},
  build: () => {
    throw new Error('not used');
  },
});

function sequence(T: number, H: number, W: number, seed = 1): DsaSequence {
  const frames = new Float32Array(T * H * W);
  let s = seed;
  for (let i = 0; i < frames.length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    frames[i] = 100 + 50 * Math.sin(i * 0.37) + (s / 2 ** 31) * 40;
  }
  return { id: 'x', source: 'test', frames, T, H, W, meta: {} };
}

/** sigmoid(b + sum_t w_t z_t) per pixel of the z-scored frames. */
function expected(frames: Float32Array, T: number, H: number, W: number, w: number[], b: number): Float64Array {
  const z = zscoreFrames(frames);
  const out = new Float64Array(H * W);
  for (let p = 0; p < H * W; p++) {
    let v = b;
    for (let t = 0; t < T; t++) v += w[t] * z[t * H * W + p];
    out[p] = 1 / (1 + Math.exp(-v));
  }
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function flipLR(x: Float32Array, planes: number, H: number, W: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < H; y++) for (let c = 0; c < W; c++) out[(p * H + y) * W + c] = x[(p * H + y) * W + (W - 1 - c)];
  return out;
}

describe('predictSequence', () => {
  const w = [0.8, -0.5, 0.3, 1.1, -0.2, 0.6, -0.9, 0.4];
  const b = -0.3;

  test('a per-pixel model gives its own function everywhere: any stride, blend, TTA, 2D or 3D input, odd sizes', () => {
    const [T, H, W] = [8, 70, 101];
    const seq = sequence(T, H, W);
    const want = expected(seq.frames, T, H, W, w, b);
    const m2 = new PixelLinear2d(w, b),
      m3 = new PixelLinear3d(w, b);
    for (const [model, kind] of [
      [m2, '2d'],
      [m3, '3d->2d'],
    ] as const) {
      for (const o of [
        {},
        { tta: false },
        { stride: 64, tta: false },
        { blend: 'gaussian' as const, stride: 16 },
        { tiling: 'fit' as const, batchSize: 3 },
      ]) {
        const prob = predictSequence(model, spec(kind, T), seq, o);
        assert.equal(prob.length, H * W);
        assert.ok(maxDiff(prob, want) < 2e-6, `${kind} ${JSON.stringify(o)}: ${maxDiff(prob, want)}`);
      }
    }
    m2.dispose();
    m3.dispose();
  });

  test("a sequence with another frame count is resampled to the model's along time, then z-scored", () => {
    const [H, W] = [40, 33];
    const seq = sequence(5, H, W, 3);
    const model = new PixelLinear2d(w, b);
    const prob = predictSequence(model, spec('2d', 8), seq, { frames: 8, tta: false });
    const want = expected(resampleFrames(seq.frames, 5, H, W, 8), 8, H, W, w, b);
    assert.ok(maxDiff(prob, want) < 2e-6, String(maxDiff(prob, want)));
    // Without the frame count the 5-frame input reaches the 8-channel model, which refuses it.
    assert.throws(() => predictSequence(model, spec('2d', 8), seq, { tta: false }), /5/);
    model.dispose();
  });

  test('z-scoring is done once: an already normalised sequence gives the same map', () => {
    const seq = sequence(8, 64, 64, 5);
    const model = new PixelLinear2d(w, b);
    const prepared = prepareSequence(seq);
    assert.equal(prepared.meta.normalised, 'zscore');
    assert.equal(prepareSequence(prepared), prepared);
    assert.ok(
      maxDiff(
        predictSequence(model, spec('2d', 8), prepared, { tta: false }),
        predictSequence(model, spec('2d', 8), seq, { tta: false }),
      ) < 1e-6,
    );
    model.dispose();
  });

  test('flip TTA makes the prediction mirror with the input; without it a lopsided model does not', () => {
    // 96 x 96 with 'fit' tiling puts patches at 0 and 32 on each axis: a tiling that is its own mirror image.
    const [T, H, W] = [8, 96, 96];
    const seq = sequence(T, H, W, 11);
    const mirrored: DsaSequence = { ...seq, frames: flipLR(seq.frames, T, H, W) };
    const model = new Lopsided(T);
    const s = spec('2d', T);
    const o = { tiling: 'fit' as const };
    const withTta = maxDiff(flipLR(predictSequence(model, s, mirrored, o), 1, H, W), predictSequence(model, s, seq, o));
    const without = maxDiff(
      flipLR(predictSequence(model, s, mirrored, { ...o, tta: false }), 1, H, W),
      predictSequence(model, s, seq, { ...o, tta: false }),
    );
    assert.ok(withTta < 1e-5, `TTA: ${withTta}`);
    assert.ok(without > 1e-2, `no TTA: ${without}`);
    model.dispose();
  });

  test('progress counts every patch; wrong logits shapes and patch sizes are named', () => {
    const model = new PixelLinear2d(w, b);
    const seen: number[] = [];
    predictSequence(model, spec('2d', 8), sequence(8, 70, 101), {
      tta: false,
      batchSize: 5,
      onProgress: (d, t) => seen.push(d, t),
    });
    const total = new Predictor(model, spec('2d', 8)).patchCount(70, 101);
    assert.equal(total, 2 * 3); // padded to 96 x 128 (official: stride - (n - 64) % stride), corners every 32
    assert.deepEqual(seen.slice(-2), [total, total]);
    const bad = new (class extends nn.Module implements SegmentationModel {
      forward(x: Tensor): Tensor {
        return x.narrow(1, 0, 2).narrow(2, 0, 10);
      }
    })();
    assert.throws(
      () => predictSequence(bad, spec('2d', 8), sequence(8, 64, 64)),
      /expected logits \[\d+, classes, 64, 64\], got/,
    );
    assert.throws(
      () => predictSequence(model, { ...spec('2d', 8), sizeMultiple: 16 }, sequence(8, 64, 64), { patchSize: 40 }),
      /multiple of 16/,
    );
    model.dispose();
  });
});
