// The whole-image scheme of the Predictor (issue 19) against the official sliding window, on real computations:
// the tile layout covers every pixel once; on a network with a 5 x 5 receptive field the whole-frame map equals
// the sliding window's wherever no patch border is within the receptive field; tiling with margins at least the
// receptive radius changes nothing; a narrowed FR-UNet (the default model's architecture) gives maps close to the
// sliding window's in the interior; models that resize their input are refused.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, nn, scope, type Tensor } from '@dias-ts/torch';
import { Predictor } from '../src/predict/predictor.js';
import { axisWholeTiles, cutTile, wholeImageLayout } from '../src/predict/whole-image.js';
import { createModel, findModel } from '../src/models/registry.js';
import type { ModelSpec, SegmentationModel } from '../src/models/model-spec.js';
import type { DsaSequence } from '../src/data/sequence.js';

/** Two 3x3 convolutions: every output pixel sees the 5 x 5 input pixels around it. */
class TwoConvs extends nn.Module implements SegmentationModel {
  readonly a: nn.Conv2d;
  readonly b: nn.Conv2d;
  constructor(T: number) {
    super();
    this.a = this.registerModule('a', new nn.Conv2d(T, 6, 3, { padding: 1 }));
    this.b = this.registerModule('b', new nn.Conv2d(6, 2, 3, { padding: 1 }));
  }
  forward(x: Tensor): Tensor {
    return scope(() => this.b.forward(this.a.forward(x).relu()).mul(3));
  }
}

const spec = (T: number, sizeMultiple = 1): ModelSpec => ({
  name: 'two-convs',
  kind: '2d',
  aliases: [],
  summary: '',
  frames: () => T,
  sizeMultiple,
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

function maxDiff(a: Float32Array, b: Float32Array, keep: (i: number) => boolean = () => true): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (keep(i)) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('whole-image tile layout', () => {
  test('every pixel is kept by exactly one tile, inside the tile and away from inner tile borders', () => {
    for (const [n, tile, margin, multiple] of [
      [800, 1024, 32, 8],
      [800, 256, 32, 8],
      [1000, 256, 32, 16],
      [77, 64, 8, 1],
      [130, 64, 16, 8],
      [5, 1024, 32, 8],
    ]) {
      const { size, tiles } = axisWholeTiles(n, tile, margin, multiple);
      assert.equal(size % multiple, 0);
      assert.ok(size <= Math.max(tile, Math.ceil(n / multiple) * multiple));
      const hits = new Uint8Array(n);
      for (const t of tiles) {
        assert.ok(t.start >= 0 && t.start % 1 === 0);
        assert.ok(t.start <= t.keepFrom && t.keepTo <= t.start + size, JSON.stringify({ n, tile, t }));
        // Kept pixels stay `margin` away from a tile border that lies inside the image.
        if (t.start > 0) assert.ok(t.keepFrom - t.start >= margin);
        if (t.start + size < n) assert.ok(t.start + size - t.keepTo >= margin);
        for (let i = t.keepFrom; i < t.keepTo; i++) hits[i]++;
      }
      assert.ok(
        hits.every((h) => h === 1),
        `n ${n} tile ${tile}`,
      );
      if (Math.ceil(n / multiple) * multiple <= tile) assert.equal(tiles.length, 1);
    }
    assert.throws(() => axisWholeTiles(300, 64, 32, 8), /leaves nothing inside margins/);
  });

  test('cutTile copies the frames and pads with zeros', () => {
    const [T, H, W] = [2, 3, 4];
    const f = Float32Array.from({ length: T * H * W }, (_, i) => i + 1);
    const t = cutTile(f, T, H, W, 1, 2, 4, 4);
    assert.deepEqual([...t.subarray(0, 4)], [7, 8, 0, 0]);
    assert.deepEqual([...t.subarray(4, 8)], [11, 12, 0, 0]);
    assert.deepEqual([...t.subarray(8, 16)], [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...t.subarray(16, 20)], [19, 20, 0, 0]);
    const l = wholeImageLayout(800, 800, 1024, 32, 8);
    assert.deepEqual([l.tileH, l.tileW, l.ys.length, l.xs.length], [800, 800, 1, 1]);
  });
});

describe('Predictor, scheme whole', () => {
  const [T, H, W] = [4, 150, 133];
  const seq = sequence(T, H, W);

  test('equals the sliding window away from patch borders (5 x 5 receptive field), with and without TTA', () => {
    manualSeed(3);
    const model = new TwoConvs(T);
    for (const tta of [false, true]) {
      const sliding = new Predictor(model, spec(T), { tta }).predict(seq);
      const whole = new Predictor(model, spec(T), { scheme: 'whole', tta }).predict(seq);
      // Patches start every 32 px: a pixel within 2 px of a patch border inside the image sees zeros there. At
      // the bottom and right the official window pads the input with zeros (the hidden layer's values there are
      // not zero), where one forward pass pads each layer: the last 2 rows and columns differ too.
      const far = (v: number, n: number) => v % 32 >= 2 && v % 32 <= 29 && v < n - 2;
      const interior = (i: number) => far(Math.floor(i / W), H) && far(i % W, W);
      assert.ok(maxDiff(whole, sliding, interior) < 1e-5, `tta ${tta}: ${maxDiff(whole, sliding, interior)}`);
      // ... and near the patch borders they differ (what the whole scheme removes).
      assert.ok(maxDiff(whole, sliding) > 1e-4);
    }
    model.dispose();
  });

  test('tiles with margins at least the receptive radius give the single-tile map; with no margin they do not', () => {
    manualSeed(4);
    const model = new TwoConvs(T);
    const once = new Predictor(model, spec(T, 8), { scheme: 'whole', tta: false });
    assert.equal(once.patchCount(H, W), 1);
    const single = once.predict(seq);
    const tiled = new Predictor(model, spec(T, 8), { scheme: 'whole', tileSize: 64, margin: 8, tta: false });
    assert.ok(tiled.patchCount(H, W) >= 9);
    assert.ok(maxDiff(tiled.predict(seq), single) < 1e-5);
    const seams = new Predictor(model, spec(T, 8), { scheme: 'whole', tileSize: 64, margin: 0, tta: false });
    assert.ok(maxDiff(seams.predict(seq), single) > 1e-4);
    model.dispose();
  });

  test('FR-UNet (feature_scale 16): whole-image and sliding-window maps agree in most pixels', () => {
    manualSeed(5);
    const fr = findModel('FR_UNet');
    const model = createModel('FR_UNet', { feature_scale: 16 });
    const s = sequence(8, 128, 128, 7);
    const sliding = new Predictor(model, fr, { tta: false }).predict(s);
    const whole = new Predictor(model, fr, { scheme: 'whole', tta: false }).predict(s);
    let close = 0;
    for (let i = 0; i < whole.length; i++) if (Math.abs(whole[i] - sliding[i]) < 0.05) close++;
    assert.ok(Number.isFinite(maxDiff(whole, sliding)));
    assert.ok(close / whole.length > 0.9, `${close} of ${whole.length} within 0.05`);
    model.dispose();
  });

  test('bfloat16 forward passes (autocast): the map within 0.02 of float32, masks agree', () => {
    manualSeed(6);
    const model = new TwoConvs(T);
    const f32 = new Predictor(model, spec(T), { scheme: 'whole', tta: false }).predict(seq);
    const bf16 = new Predictor(model, spec(T), { scheme: 'whole', tta: false, precision: 'bfloat16' }).predict(seq);
    assert.ok(maxDiff(bf16, f32) < 0.02, `${maxDiff(bf16, f32)}`);
    assert.ok(maxDiff(bf16, f32) > 0, 'bfloat16 rounds');
    assert.throws(
      () => new Predictor(model, spec(T), { precision: 'int8' as 'float32' }),
      /precision must be float32 or bfloat16/,
    );
    model.dispose();
  });

  test('a model with a fixed input size (IPN) is refused; bad settings are named', () => {
    const model = new TwoConvs(T);
    assert.throws(
      () => new Predictor(model, { ...spec(T), fixedSize: [32, 64, 64] }, { scheme: 'whole' }),
      /fixed size: predict it with the sliding window/,
    );
    assert.throws(() => new Predictor(model, spec(T), { scheme: 'whole', margin: -1 }), /margin/);
    assert.throws(
      () => new Predictor(model, spec(T), { scheme: 'whole' }).predict(seq, { onTiles: () => {} }),
      /onTiles/,
    );
    model.dispose();
  });
});
