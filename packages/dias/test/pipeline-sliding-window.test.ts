import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slidingWindow, slidingWindowSync, tileGrid, gaussianImportance } from '../src/data/pipeline/sliding-window.js';
import { Random } from '../src/data/random.js';

function noiseFrames(T: number, H: number, W: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: T * H * W }, () => rng.normal());
}

/** A predictor that acts pixel by pixel: channel 0 the mean over frames, channel 1 one minus it. */
function meanPredictor(T: number, P: number, C: number) {
  let calls = 0;
  const fn = (patches: Float32Array, n: number) => {
    calls++;
    assert.equal(patches.length, n * T * P * P);
    const out = new Float32Array(n * C * P * P);
    for (let k = 0; k < n; k++) {
      for (let p = 0; p < P * P; p++) {
        let s = 0;
        for (let t = 0; t < T; t++) s += patches[(k * T + t) * P * P + p];
        const m = Math.fround(s / T);
        out[k * C * P * P + p] = m;
        if (C > 1) out[(k * C + 1) * P * P + p] = Math.fround(1 - m);
      }
    }
    return out;
  };
  return { fn, calls: () => calls };
}

/** The same per-pixel computation done directly on the whole image. */
function directMean(frames: Float32Array, T: number, H: number, W: number, C: number): Float32Array {
  const out = new Float32Array(C * H * W);
  for (let p = 0; p < H * W; p++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += frames[t * H * W + p];
    const m = Math.fround(s / T);
    out[p] = m;
    if (C > 1) out[H * W + p] = Math.fround(1 - m);
  }
  return out;
}

test('the official tiling: pad by stride - (H - P) % stride, a patch every stride', () => {
  // 100 x 77, P 64, stride 32: (100 - 64) % 32 = 4 -> pad 28 -> 128; (77 - 64) % 32 = 13 -> pad 19 -> 96.
  assert.deepEqual(tileGrid(100, 77, 64, 32), { paddedH: 128, paddedW: 96, ys: [0, 32, 64], xs: [0, 32] });
  // When it divides, the official code still pads a whole stride.
  assert.deepEqual(tileGrid(96, 64, 64, 32), { paddedH: 128, paddedW: 96, ys: [0, 32, 64], xs: [0, 32] });
  // DIAS-sized frames: recompone_overlap's (H' - P) // stride + 1 patches per axis.
  const g = tileGrid(800, 800, 64, 32);
  assert.equal(g.paddedH, 832);
  assert.equal(g.ys.length, (832 - 64) / 32 + 1);
  // Smaller than a patch: one patch (the official formula alone would leave 20 + 12 = 32 < 64).
  assert.deepEqual(tileGrid(20, 30, 64, 32), { paddedH: 64, paddedW: 64, ys: [0], xs: [0] });
  // 'fit': no padding, the last patch flush with the border.
  assert.deepEqual(tileGrid(100, 64, 64, 32, 'fit'), { paddedH: 100, paddedW: 64, ys: [0, 32, 36], xs: [0] });
});

test('average blending of a per-pixel predictor reproduces the direct computation exactly (100 x 77, partial batches)', async () => {
  const [T, H, W, P, C] = [3, 100, 77, 64, 2];
  const frames = noiseFrames(T, H, W, 1);
  const want = directMean(frames, T, H, W, C);
  const pred = meanPredictor(T, P, C);
  // 6 patches in batches of 4: one full batch and one of 2. The async predictor really awaits.
  const got = await slidingWindow(
    frames,
    T,
    H,
    W,
    async (x, n) => {
      await new Promise((r) => setImmediate(r));
      return pred.fn(x, n);
    },
    { batchSize: 4, channels: C },
  );
  assert.equal(pred.calls(), 2);
  assert.equal(got.length, C * H * W);
  assert.deepEqual(Array.from(got), Array.from(want));
  // The synchronous variant and other strides and tilings give the same.
  assert.deepEqual(
    Array.from(slidingWindowSync(frames, T, H, W, meanPredictor(T, P, C).fn, { channels: C })),
    Array.from(want),
  );
  assert.deepEqual(
    Array.from(
      slidingWindowSync(frames, T, H, W, meanPredictor(T, 16, C).fn, {
        channels: C,
        patchSize: 16,
        stride: 5,
        tiling: 'fit',
      }),
    ),
    Array.from(want),
  );
  // Smaller than one patch.
  const small = noiseFrames(2, 20, 30, 2);
  assert.deepEqual(
    Array.from(slidingWindowSync(small, 2, 20, 30, meanPredictor(2, P, 1).fn)),
    Array.from(directMean(small, 2, 20, 30, 1)),
  );
});

test('Gaussian blending of a per-pixel predictor reproduces the direct computation', async () => {
  const [T, H, W, P] = [2, 100, 77, 64];
  const frames = noiseFrames(T, H, W, 3);
  const want = directMean(frames, T, H, W, 1);
  const got = await slidingWindow(frames, T, H, W, meanPredictor(T, P, 1).fn, { blend: 'gaussian' });
  got.forEach((v, i) =>
    assert.ok(Math.abs(v - want[i]) <= 1e-6 * (1 + Math.abs(want[i])), `pixel ${i}: ${v} vs ${want[i]}`),
  );
  const w = gaussianImportance(64);
  assert.ok(Math.abs(w[31 * 64 + 31] - w[32 * 64 + 32]) < 1e-15, 'symmetric about the patch centre');
  assert.ok(w[0] < 1e-6 && w[31 * 64 + 31] > 0.99);
});

test('overlapping predictions are averaged as recompone_overlap does, or weighted by the Gaussian map', () => {
  const [T, H, W, P, S] = [1, 100, 77, 64, 32];
  const frames = new Float32Array(T * H * W);
  const grid = tileGrid(H, W, P, S);
  // Each patch predicts its own number everywhere, so every pixel shows which patches cover it.
  let next = 0;
  const counting = (_x: Float32Array, n: number) => {
    const out = new Float32Array(n * P * P);
    for (let k = 0; k < n; k++) out.fill(next + k, k * P * P, (k + 1) * P * P);
    next += n;
    return out;
  };
  const avg = slidingWindowSync(frames, T, H, W, counting, { batchSize: 4 });
  next = 0;
  const gauss = slidingWindowSync(frames, T, H, W, counting, { batchSize: 4, blend: 'gaussian' });
  const imp = gaussianImportance(P);
  for (const [y, x] of [
    [0, 0],
    [40, 40],
    [40, 10],
    [70, 50],
    [99, 76],
    [33, 31],
  ]) {
    let sum = 0,
      count = 0,
      wsum = 0,
      wtotal = 0;
    grid.ys.forEach((y0, a) =>
      grid.xs.forEach((x0, b) => {
        if (y >= y0 && y < y0 + P && x >= x0 && x < x0 + P) {
          const k = a * grid.xs.length + b;
          const w = imp[(y - y0) * P + (x - x0)];
          sum += k;
          count++;
          wsum += w * k;
          wtotal += w;
        }
      }),
    );
    assert.ok(
      Math.abs(avg[y * W + x] - sum / count) < 1e-6,
      `average at (${y}, ${x}): ${avg[y * W + x]} vs ${sum / count}`,
    );
    assert.ok(
      Math.abs(gauss[y * W + x] - wsum / wtotal) < 1e-4,
      `gaussian at (${y}, ${x}): ${gauss[y * W + x]} vs ${wsum / wtotal}`,
    );
  }
  // (40, 40) lies in 4 patches, (0, 0) in one.
  assert.equal(avg[0], 0);
  assert.equal(avg[40 * W + 40], (0 + 1 + 2 + 3) / 4);
});

test('bad inputs and a predictor returning the wrong size are refused clearly', async () => {
  const frames = new Float32Array(2 * 10 * 10);
  const ok = (x: Float32Array, n: number) => new Float32Array(n * 64 * 64);
  assert.throws(() => slidingWindowSync(frames, 2, 10, 11, ok), /frames must be a Float32Array of T\*H\*W = 220/);
  assert.throws(
    () => slidingWindowSync(frames, 2, 10, 10, ok, { stride: 65 }),
    /stride \(65\) must not exceed patchSize \(64\)/,
  );
  assert.throws(
    () => slidingWindowSync(frames, 2, 10, 10, ok, { blend: 'max' as 'average' }),
    /blend must be 'average' or 'gaussian'/,
  );
  assert.throws(
    () => slidingWindowSync(frames, 2, 10, 10, ok, { channels: 2 }),
    /must return n\*C\*P\*P = 1\*2\*64\*64 = 8192 values for 1 patches, got 4096/,
  );
  await assert.rejects(
    slidingWindow(frames, 2, 10, 10, async () => new Float32Array(3)),
    /got 3/,
  );
  assert.throws(
    () => slidingWindowSync(frames, 2, 10, 10, (async (x: Float32Array, n: number) => ok(x, n)) as never),
    /needs a synchronous predictor/,
  );
});
