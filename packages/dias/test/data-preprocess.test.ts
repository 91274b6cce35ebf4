// Per-sequence preprocessing: z-score over the whole sequence (as the official readers), MinIP (the authors'
// "MIP" is a minimum), mean projection and frame selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  meanProjection,
  maxIntensityProjection,
  minIntensityProjection,
  parseFrameList,
  selectFrames,
  zscoreSequence,
} from '../src/data/pipeline/preprocess.js';
import type { DsaSequence } from '../src/data/sequence.js';

function seq(frames: number[][], meta = {}): DsaSequence {
  const T = frames.length;
  const n = frames[0].length;
  return { id: 't', source: 'test', frames: Float32Array.from(frames.flat()), T, H: 1, W: n, meta };
}

test('z-score uses the mean and population std of all frames together', () => {
  // values 1..8: mean 4.5, population variance 5.25
  const s = zscoreSequence(
    seq([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]),
  );
  const std = Math.sqrt(5.25);
  Array.from(s.frames).forEach((v, i) => assert.ok(Math.abs(v - (i + 1 - 4.5) / (std + 1e-8)) < 1e-6));
  assert.equal(s.meta.normalised, 'zscore');
  // a constant sequence becomes zeros, not NaN (the + 1e-8)
  assert.deepEqual(
    Array.from(
      zscoreSequence(
        seq([
          [3, 3],
          [3, 3],
        ]),
      ).frames,
    ),
    [0, 0, 0, 0],
  );
});

test('MinIP keeps the darkest value over time (contrast is dark), MaxIP the brightest, mean the average', () => {
  const s = seq([
    [9, 2, 5],
    [4, 8, 5],
    [7, 6, 1],
  ]);
  assert.deepEqual(Array.from(minIntensityProjection(s)), [4, 2, 1]);
  assert.deepEqual(Array.from(maxIntensityProjection(s)), [9, 8, 5]);
  assert.deepEqual(Array.from(meanProjection(s)), [20 / 3, 16 / 3, 11 / 3].map(Math.fround));
});

test('frame selection in the given order, negative from the end, times follow', () => {
  const s = seq([[0], [1], [2], [3]], { frameTimes: [0, 10, 20, 30] });
  const picked = selectFrames(s, [3, 0, -2]);
  assert.deepEqual(Array.from(picked.frames), [3, 0, 2]);
  assert.deepEqual(picked.meta.frameTimes, [30, 0, 20]);
  assert.throws(() => selectFrames(s, [4]), /frame 4 out of range \(T = 4\)/);
  assert.deepEqual(parseFrameList('0,2,4-6'), [0, 2, 4, 5, 6]);
  assert.throws(() => parseFrameList('3-1'), /backwards/);
  assert.throws(() => parseFrameList('a'), /not a frame index/);
});
