// Temporal resampling against scipy.ndimage reference values (the chain skimage.transform.resize(order=3,
// mode='edge') runs along time), and the properties a cubic B-spline resampler must have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resampleFrames, resampleMatrix, resampleSequence } from '../src/data/pipeline/temporal-resample.js';
import type { DsaSequence } from '../src/data/sequence.js';

function resample1d(values: number[], tOut: number): number[] {
  return Array.from(resampleFrames(Float32Array.from(values), values.length, 1, 1, tOut));
}

function close(actual: number[], expected: number[], tol: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol, `index ${i}: ${a} vs ${expected[i]}`));
}

// References: np.clip(ndi.zoom(ndi.gaussian_filter(s, sigma, mode='nearest') if shrinking else s, 8/len(s),
// order=3, mode='nearest', grid_mode=True), s.min(), s.max()), sigma = (len/8 - 1)/2, scipy 1.17.
test('9 -> 8 frames matches scipy (the anti-aliasing Gaussian has radius 0 here)', () => {
  const s = [10, 200, 40, 90, 250, 0, 130, 60, 180];
  close(
    resample1d(s, 8),
    [
      20.13072181529698, 191.94994353925662, 15.873856800229955, 196.30712158427605, 101.93534423497682,
      84.64254915339869, 68.7650497027238, 173.29164730279444,
    ],
    2e-4,
  );
});

test('6 -> 8 frames matches scipy, including the clip to the input range', () => {
  close(
    resample1d([3, 1, 4, 1, 5, 9], 8),
    [
      3.1937481122612534, 1.274397812409504, 2.150119655733789, 3.8648379700268913, 1.1885910916017384,
      2.8364165649853215, 6.95942226567287, 9.0,
    ],
    1e-5,
  );
});

test('24 -> 8 frames (a long cine) matches scipy with the anti-aliasing Gaussian (sigma 1)', () => {
  const s = [
    120, 184, 218, 206, 153, 84, 32, 21, 56, 121, 185, 218, 205, 151, 83, 32, 22, 58, 123, 186, 219, 204, 150, 81,
  ];
  close(
    resample1d(s, 8),
    [
      174.03025420229264, 145.6399377291119, 42.29419460791055, 170.7022168857457, 144.36737311420043,
      43.22664023438053, 171.88079815824307, 146.21132914172696,
    ],
    2e-4,
  );
});

test('constants stay constant, the same count is the identity, and every row of the map sums to 1', () => {
  close(resample1d([7, 7, 7, 7, 7], 8), new Array(8).fill(7), 1e-5);
  close(resample1d([1, 5, 2, 8], 4), [1, 5, 2, 8], 0);
  for (const [a, b] of [
    [4, 8],
    [9, 8],
    [96, 8],
    [1, 8],
    [8, 3],
  ]) {
    const m = resampleMatrix(a, b);
    for (let j = 0; j < b; j++) {
      let sum = 0;
      for (let i = 0; i < a; i++) sum += m[j * a + i];
      assert.ok(Math.abs(sum - 1) < 1e-12, `${a}->${b} row ${j} sums to ${sum}`);
    }
  }
});

test('a linear ramp is reproduced exactly away from the replicated edges (cubic B-splines reproduce lines)', () => {
  const n = 40;
  const ramp = Array.from({ length: n }, (_, i) => 3 * i + 1);
  const out = resample1d(ramp, 80);
  for (let j = 16; j < 64; j++) {
    const x = ((j + 0.5) * n) / 80 - 0.5;
    assert.ok(Math.abs(out[j] - (3 * x + 1)) < 1e-3, `j=${j}: ${out[j]} vs ${3 * x + 1}`);
  }
});

test('pixels are resampled independently and frame times follow the same coordinate map', () => {
  const T = 5;
  const H = 2;
  const W = 3;
  const frames = new Float32Array(T * H * W);
  for (let t = 0; t < T; t++) for (let p = 0; p < H * W; p++) frames[t * H * W + p] = p === 4 ? 50 : t * 10 + p;
  const seq: DsaSequence = { id: 'x', source: 'test', frames, T, H, W, meta: { frameTimes: [0, 100, 200, 300, 400] } };
  const out = resampleSequence(seq, 8);
  assert.equal(out.T, 8);
  for (let t = 0; t < 8; t++) assert.ok(Math.abs(out.frames[t * 6 + 4] - 50) < 1e-4);
  // skimage clips to the range of the whole input (0..50 here), not per pixel: pixel 1's ramp 1..41 keeps its
  // cubic undershoot at the start.
  const ramp = Array.from(resampleFrames(Float32Array.from([1, 11, 21, 31, 41]), 5, 1, 1, 8, { clip: false }));
  assert.ok(ramp[0] < 1);
  for (let t = 0; t < 8; t++) assert.ok(Math.abs(out.frames[t * 6 + 1] - ramp[t]) < 1e-4, `t=${t}`);
  // times at the clamped coordinates (j + 0.5) * 5/8 - 0.5
  close(out.meta.frameTimes!, [0, 43.75, 106.25, 168.75, 231.25, 293.75, 356.25, 400], 1e-9);
  assert.throws(() => resampleMatrix(0, 8), /whole frame counts/);
});
