import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../src/data/random.js';
import { PatchSampler } from '../src/data/pipeline/patch-sampler.js';
import { gaussianBlur3d } from '../src/data/pipeline/gaussian-blur.js';
import { smoothReflect, warpBilinear, warpNearest } from '../src/data/pipeline/elastic.js';
import {
  randomBlur,
  randomContrast,
  randomCutout,
  randomNoise,
  DEFAULT_BLUR,
  DEFAULT_CONTRAST,
  DEFAULT_CUTOUT,
  DEFAULT_NOISE,
} from '../src/data/pipeline/photometric.js';
import { resolveAugmentOptions } from '../src/data/pipeline/augmentation.js';
import type { DsaSequence } from '../src/data/sequence.js';

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol;

function noise(n: number, rng: Random, scale = 1): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = scale * rng.normal();
  return x;
}

/** Sum of squared differences between neighbours along columns, rows and time: the high-frequency energy. */
function highPassEnergy(x: Float32Array, T: number, P: number): number {
  let e = 0;
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < P; j++) {
        const p = (t * P + i) * P + j;
        if (j + 1 < P) e += (x[p + 1] - x[p]) ** 2;
        if (i + 1 < P) e += (x[p + P] - x[p]) ** 2;
        if (t + 1 < T) e += (x[p + P * P] - x[p]) ** 2;
      }
    }
  }
  return e;
}

test('contrast scales each frame by its own factor in [0.5, 1.5] about 0, then clips the patch to [-1, 1]', () => {
  const rng = new Random(1);
  const T = 4;
  const PP = 36;
  const alphas: number[] = [];
  for (let trial = 0; trial < 200; trial++) {
    const x = noise(T * PP, rng, 2);
    x[0] = 0.25; // a pixel of each frame small enough never to clip, to read the factor from
    for (let t = 1; t < T; t++) x[t * PP] = 0.25;
    const before = Float32Array.from(x);
    assert.equal(randomContrast(x, T, PP, rng, { ...DEFAULT_CONTRAST, probability: 1 }), true);
    for (let t = 0; t < T; t++) {
      const alpha = x[t * PP] / 0.25;
      assert.ok(alpha >= 0.5 && alpha < 1.5, `factor ${alpha}`);
      alphas.push(alpha);
      for (let p = t * PP; p < (t + 1) * PP; p++) {
        const want = Math.min(1, Math.max(-1, alpha * before[p]));
        assert.ok(close(x[p], want, 1e-5), `frame ${t} pixel ${p}: ${x[p]} vs ${want}`);
      }
    }
  }
  assert.ok(Math.min(...alphas) < 0.55 && Math.max(...alphas) > 1.45, 'factors span the range');
  assert.ok(new Set(alphas.slice(0, T)).size === T, 'each frame has its own factor');
  // Without clipping, values beyond 1 stay.
  const x = new Float32Array(10).fill(4);
  randomContrast(x, 1, 10, rng, { ...DEFAULT_CONTRAST, probability: 1, clip: null });
  assert.ok(x.every((v) => v >= 2 && v <= 6 && v === x[0]));
  // Probability: applied about half the time with the official 0.5; never when switched off.
  let applied = 0;
  for (let i = 0; i < 2000; i++) if (randomContrast(new Float32Array(4), 1, 4, rng, DEFAULT_CONTRAST)) applied++;
  assert.ok(Math.abs(applied / 2000 - 0.5) < 0.04, `applied ${applied} / 2000`);
  const y = Float32Array.of(3, -3);
  assert.equal(randomContrast(y, 1, 2, rng, { ...DEFAULT_CONTRAST, probability: 1, enabled: false }), false);
  assert.deepEqual(Array.from(y), [3, -3]);
});

test('Gaussian blur matches scipy.ndimage.gaussian_filter (nearest borders) over time, rows and columns, and damps high frequencies', () => {
  // scipy.ndimage.gaussian_filter(x, 1.0, mode='nearest') of x = ((i * 7) % 11) - 5 as 2 x 3 x 4.
  const scipy = [
    -1.377352, -0.200017, 0.887598, 1.700361, -0.936354, -0.183245, 0.144194, -0.012564, -0.873346, -0.36054, -0.798747,
    -1.620719, -0.222481, 0.385335, 1.045357, 1.099591, -0.186307, 0.108456, 0.048982, -0.260167, 0.142513, -0.291056,
    -0.917788, -0.934734,
  ];
  const x = Float32Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) - 5);
  gaussianBlur3d(x, 2, 3, 4, 1.0);
  x.forEach((v, i) => assert.ok(close(v, scipy[i], 1e-5), `voxel ${i}: ${v} vs ${scipy[i]}`));

  const rng = new Random(2);
  const T = 8;
  const P = 32;
  const ratios: number[] = [];
  for (let trial = 0; trial < 30; trial++) {
    const v = noise(T * P * P, rng);
    const before = highPassEnergy(v, T, P);
    assert.equal(randomBlur(v, T, P, rng, { ...DEFAULT_BLUR, probability: 1 }), true);
    const ratio = highPassEnergy(v, T, P) / before;
    ratios.push(ratio);
    assert.ok(ratio <= 1 + 1e-9, `high-pass energy grew: ${ratio}`);
  }
  // sigma is drawn from [0.1, 2]: below 0.125 the kernel (radius round(4 sigma)) is a single tap and nothing
  // changes, as in scipy; from sigma ~ 1 on nearly all high-frequency energy is gone.
  ratios.sort((a, b) => a - b);
  assert.ok(ratios[0] < 0.05, `strongest blur kept ${ratios[0]}`);
  assert.ok(ratios[15] < 0.5, `median blur kept ${ratios[15]}`);
});

test('additive noise has a standard deviation drawn from [0, 0.1] and zero mean', () => {
  const rng = new Random(3);
  const sds: number[] = [];
  for (let trial = 0; trial < 40; trial++) {
    const x = new Float32Array(8 * 32 * 32).fill(0.5);
    assert.equal(randomNoise(x, rng, { ...DEFAULT_NOISE, probability: 1 }), true);
    const m = x.reduce((s, v) => s + v, 0) / x.length;
    const sd = Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / x.length);
    assert.ok(Math.abs(m - 0.5) < 0.01, `mean ${m}`);
    assert.ok(sd <= 0.101, `sd ${sd}`);
    sds.push(sd);
  }
  assert.ok(Math.min(...sds) < 0.02 && Math.max(...sds) > 0.08, 'the noise level varies over its range');
  let applied = 0;
  for (let i = 0; i < 3000; i++) if (randomNoise(new Float32Array(1), rng, DEFAULT_NOISE)) applied++;
  assert.ok(Math.abs(applied / 3000 - 0.1) < 0.02, `official probability 0.1, applied ${applied} / 3000`);
});

test('cutout zeroes one 16 x 16 square in every frame (clipped at the border) and nothing else', () => {
  const rng = new Random(4);
  const T = 3;
  const P = 40;
  let full = 0;
  for (let trial = 0; trial < 200; trial++) {
    const x = new Float32Array(T * P * P).fill(1);
    if (!randomCutout(x, T, P, rng, DEFAULT_CUTOUT)) continue;
    let [y1, y2, x1, x2] = [P, -1, P, -1];
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < P; j++) {
        if (x[i * P + j] === 0) [y1, y2, x1, x2] = [Math.min(y1, i), Math.max(y2, i), Math.min(x1, j), Math.max(x2, j)];
      }
    }
    const h = y2 - y1 + 1;
    const w = x2 - x1 + 1;
    assert.ok(h >= 8 && h <= 16 && w >= 8 && w <= 16, `hole ${h}x${w}`);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < P; i++) {
        for (let j = 0; j < P; j++) {
          const inside = i >= y1 && i <= y2 && j >= x1 && j <= x2;
          assert.equal(x[(t * P + i) * P + j], inside ? 0 : 1, `frame ${t} (${i}, ${j})`);
        }
      }
    }
    // Away from the border the square is whole.
    if (y1 > 0 && x1 > 0 && y2 < P - 1 && x2 < P - 1) {
      assert.equal(h, 16);
      assert.equal(w, 16);
      full++;
    }
  }
  assert.ok(full > 50, `whole squares seen ${full}`);
  // The official Cutout(prob=0.2) cuts when uniform() > 0.2, i.e. 80% of the time.
  let applied = 0;
  for (let i = 0; i < 2000; i++) if (randomCutout(new Float32Array(P * P), 1, P, rng, DEFAULT_CUTOUT)) applied++;
  assert.ok(Math.abs(applied / 2000 - 0.8) < 0.03, `applied ${applied} / 2000`);
});

test('elastic deformation: smoothing and resampling as scipy, labels stay 0/1 and move with the frames', () => {
  // scipy.ndimage.gaussian_filter(n, 3.0, mode='reflect') of n = ((i * 5) % 13) - 6 as 4 x 5.
  const scipySmooth = [
    0.00339645, -0.05426944, -0.14756771, -0.24073072, -0.29826262, 0.03597351, -0.02354059, -0.11979883, -0.21587553,
    -0.27517954, 0.08207914, 0.01995699, -0.0804781, -0.18066626, -0.24247079, 0.11463055, 0.05067007, -0.05270912,
    -0.15579523, -0.21936221,
  ];
  const n = Float64Array.from({ length: 20 }, (_, i) => ((i * 5) % 13) - 6);
  smoothReflect(n, 4, 5, 3).forEach((v, i) =>
    assert.ok(close(v, scipySmooth[i], 1e-7), `smooth ${i}: ${v} vs ${scipySmooth[i]}`),
  );
  // scipy.ndimage.map_coordinates(m, (y - 1.25, x + 2.5), order=1, mode='reflect') of m = arange(20).reshape(4, 5) ** 1.5.
  const scipyWarp = [
    8.152677, 11.151984, 12.75, 11.151984, 8.152677, 4.01229, 6.598076, 8.0, 6.598076, 4.01229, 16.433451, 20.2598,
    22.25, 20.2598, 16.433451, 38.308979, 43.424191, 46.037403, 43.424191, 38.308979,
  ];
  const m = Float32Array.from({ length: 20 }, (_, i) => i ** 1.5);
  warpBilinear(m, 1, 4, 5, new Float64Array(20).fill(-1.25), new Float64Array(20).fill(2.5));
  m.forEach((v, i) => assert.ok(close(v, scipyWarp[i], 1e-4), `warp ${i}: ${v} vs ${scipyWarp[i]}`));
  // A whole-pixel field moves a label plane and an image plane identically.
  const rng = new Random(5);
  const img = noise(6 * 7, rng);
  const lab = Uint8Array.from(img, (v) => (v > 0 ? 1 : 0));
  const dy = Float64Array.from({ length: 42 }, (_, i) => (i % 3) - 1);
  const dx = Float64Array.from({ length: 42 }, (_, i) => (i % 4) - 2);
  warpBilinear(img, 1, 6, 7, dy, dx);
  warpNearest(lab, 6, 7, dy, dx);
  lab.forEach((v, i) => assert.equal(v, img[i] > 0 ? 1 : 0));

  // Through the sampler: with the official parameters and probability 1 the patches are deformed, labels
  // stay 0/1, scribbles 0/1/255, and labels agree with the deformed frame they came from wherever the frame is
  // clearly inside or outside (bilinear and nearest resampling may only disagree at the zero crossing).
  const T = 2;
  const H = 96;
  const W = 96;
  const frames = new Float32Array(T * H * W);
  // Smooth blobs so that bilinear and nearest resampling agree away from the edges.
  for (let t = 0; t < T; t++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) frames[(t * H + y) * W + x] = Math.sin(y / 5) * Math.cos(x / 7) + 0.1 * t;
  const label = Uint8Array.from(frames.subarray(0, H * W), (v) => (v > 0 ? 1 : 0));
  const scribble = Uint8Array.from(frames.subarray(0, H * W), (v) => (v > 0.5 ? 1 : v < -0.5 ? 0 : 255));
  const seq: DsaSequence = { id: 'blobs', source: 'test', frames, T, H, W, label, scribble, meta: {} };
  const opts = { patchSize: 32, batchSize: 16, seed: 3 } as const;
  const plain = new PatchSampler([seq], { ...opts, augment: 'none' }).next();
  const warped = new PatchSampler([seq], { ...opts, augment: { preset: 'none', elastic: { probability: 1 } } }).next();
  // The first patch's crop is drawn before any elastic draw, so it is the same crop, deformed.
  assert.deepEqual(Array.from(warped.origin.subarray(0, 2)), Array.from(plain.origin.subarray(0, 2)));
  assert.notDeepEqual(Array.from(warped.images.subarray(0, T * 1024)), Array.from(plain.images.subarray(0, T * 1024)));
  assert.ok(warped.labels!.every((v) => v === 0 || v === 1));
  assert.ok(warped.scribbles!.every((v) => v === 0 || v === 1 || v === 255));
  let clear = 0;
  for (let b = 0; b < warped.B; b++) {
    for (let p = 0; p < 32 * 32; p++) {
      const v = warped.images[b * 2 * 1024 + p];
      if (Math.abs(v) < 0.1) continue;
      clear++;
      assert.equal(warped.labels![b * 1024 + p], v > 0 ? 1 : 0, `patch ${b} pixel ${p} (frame value ${v})`);
    }
  }
  assert.ok(clear > 0.7 * warped.B * 1024, `${clear} clear pixels`);
});

test('two views share the crop and differ only by their own photometric draws; presets switch the right families', () => {
  const rng = new Random(6);
  const T = 2;
  const frames = noise(T * 40 * 40, rng, 0.3);
  const seq: DsaSequence = { id: 's', source: 'test', frames, T, H: 40, W: 40, meta: {} };
  const batch = new PatchSampler([seq], {
    patchSize: 16,
    batchSize: 8,
    views: 2,
    augment: { contrast: { probability: 1, clip: null } },
  }).next();
  assert.ok(batch.images2);
  for (let b = 0; b < batch.B; b++) {
    for (let t = 0; t < T; t++) {
      // Both views are the same crop scaled by different factors: their ratio is one constant per frame.
      const o = (b * T + t) * 256;
      const ratio = batch.images2[o] / batch.images[o];
      for (let p = 1; p < 256; p++) assert.ok(close(batch.images2[o + p], ratio * batch.images[o + p], 1e-5));
      assert.ok(ratio > 1 / 3 && ratio < 3);
    }
  }
  assert.notDeepEqual(Array.from(batch.images2), Array.from(batch.images));

  const on = (o: ReturnType<typeof resolveAugmentOptions>) =>
    Object.entries(o)
      .filter(([, v]) => v.enabled)
      .map(([k]) => k)
      .sort();
  assert.deepEqual(on(resolveAugmentOptions(undefined, 64)), ['geometric']);
  assert.deepEqual(on(resolveAugmentOptions('wsl-plc', 64)), ['blur', 'contrast', 'geometric', 'noise']);
  assert.deepEqual(on(resolveAugmentOptions('ssl-strong', 64)), [
    'blur',
    'contrast',
    'cutout',
    'elastic',
    'geometric',
    'noise',
  ]);
  assert.deepEqual(
    on(resolveAugmentOptions({ preset: 'ssl-strong', cutout: false, geometric: { enabled: false } }, 64)),
    ['blur', 'contrast', 'elastic', 'noise'],
  );
  const r = resolveAugmentOptions({ blur: { sigma: [1, 1] } }, 64);
  assert.equal(r.blur.enabled, true);
  assert.deepEqual(r.blur.sigma, [1, 1]);
  assert.deepEqual(resolveAugmentOptions('fsl', 64).blur.sigma, [0.1, 2], 'the defaults are not changed by a caller');
  assert.deepEqual(resolveAugmentOptions('fsl', 64).contrast.clip, [-1, 1]);
});
