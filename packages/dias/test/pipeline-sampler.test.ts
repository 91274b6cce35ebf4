import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../src/data/random.js';
import { PatchSampler, type PatchBatch } from '../src/data/pipeline/patch-sampler.js';
import { reflectIndex } from '../src/data/pipeline/geometric-transform.js';
import type { DsaSequence } from '../src/data/sequence.js';

/** A sequence of Gaussian noise frames; label = (frame 0 > 0); scribble from frame 1 (1 above 0.5, 0 below -0.5, else 255). */
function noiseSequence(id: string, T: number, H: number, W: number, seed: number): DsaSequence {
  const rng = new Random(seed);
  const frames = new Float32Array(T * H * W);
  for (let i = 0; i < frames.length; i++) frames[i] = rng.normal();
  const label = new Uint8Array(H * W);
  const scribble = new Uint8Array(H * W);
  for (let p = 0; p < H * W; p++) {
    label[p] = frames[p] > 0 ? 1 : 0;
    const v = T > 1 ? frames[H * W + p] : frames[p];
    scribble[p] = v > 0.5 ? 1 : v < -0.5 ? 0 : 255;
  }
  return { id, source: `test:${id}`, frames, T, H, W, label, scribble, meta: {} };
}

function sameBatch(a: PatchBatch, b: PatchBatch): boolean {
  const eq = (x?: ArrayLike<number>, y?: ArrayLike<number>) =>
    x === y ||
    (!!x && !!y && x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => v === y[i]));
  return (
    a.index === b.index &&
    eq(a.images, b.images) &&
    eq(a.labels, b.labels) &&
    eq(a.scribbles, b.scribbles) &&
    eq(a.origin, b.origin)
  );
}

/** np.rot90(m, 1) of a P x P plane: out[i][j] = m[j][P-1-i]. */
function rot90(m: Float64Array, P: number): Float64Array {
  const out = new Float64Array(P * P);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) out[i * P + j] = m[j * P + (P - 1 - i)];
  return out;
}

/** The crop at (y0, x0) of plane t, flipped and rotated as the orientation code says, the slow obvious way. */
function expectedPlane(
  src: ArrayLike<number>,
  t: number,
  H: number,
  W: number,
  P: number,
  y0: number,
  x0: number,
  code: number,
): Float64Array {
  let m: Float64Array = new Float64Array(P * P);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) m[i * P + j] = src[t * H * W + (y0 + i) * W + (x0 + j)];
  if (code & 1) {
    const f = new Float64Array(P * P);
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) f[i * P + j] = m[(P - 1 - i) * P + j];
    m = f;
  }
  if (code & 2) {
    const f = new Float64Array(P * P);
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) f[i * P + j] = m[i * P + (P - 1 - j)];
    m = f;
  }
  for (let k = 0; k < code >> 2; k++) m = rot90(m, P);
  return m;
}

test('Random: reproducible from its seed and its saved state, with the right distributions', () => {
  const a = new Random(42);
  const xs = Array.from({ length: 20000 }, () => a.uniform());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `uniform mean ${mean}`);
  const b = new Random(42);
  assert.deepEqual(
    Array.from({ length: 20 }, () => b.uniform()),
    xs.slice(0, 20),
  );
  assert.notDeepEqual(
    Array.from({ length: 5 }, () => new Random(43).uniform()),
    xs.slice(0, 5),
  );
  assert.notEqual(Random.derive(1, 2).nextUint32(), Random.derive(2, 1).nextUint32());
  // Saving mid-stream (with a spare normal pending) and restoring gives the same continuation.
  const c = new Random(7);
  c.normal();
  const state = c.getState();
  const cont = Array.from({ length: 5 }, () => c.normal());
  const d = new Random(999);
  d.setState(JSON.parse(JSON.stringify(state)));
  assert.deepEqual(
    Array.from({ length: 5 }, () => d.normal()),
    cont,
  );
  const n = Array.from({ length: 20000 }, () => c.normal());
  const m = n.reduce((s, x) => s + x, 0) / n.length;
  const sd = Math.sqrt(n.reduce((s, x) => s + (x - m) ** 2, 0) / n.length);
  assert.ok(Math.abs(m) < 0.03 && Math.abs(sd - 1) < 0.03, `normal mean ${m} sd ${sd}`);
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[c.int(3)]++;
  assert.ok(
    counts.every((k) => k > 900 && k < 1100),
    `int(3) counts ${counts}`,
  );
  assert.throws(() => c.int(0), /n must be an integer/);
  assert.throws(() => d.setState({ s: [0, 0, 0, 0], spare: null }), /all-zero/);
});

test('the same seed gives the same batches, a different seed other ones, and a saved state resumes the run', () => {
  const seqs = [noiseSequence('a', 4, 80, 90, 1), noiseSequence('b', 4, 70, 100, 2)];
  const opts = { patchSize: 32, batchSize: 6, seed: 11, augment: 'ssl-strong' as const };
  const s1 = new PatchSampler(seqs, opts);
  const run = [s1.next(), s1.next(), s1.next()];
  const s2 = new PatchSampler(seqs, opts);
  for (const b of run) assert.ok(sameBatch(s2.next(), b));
  const other = new PatchSampler(seqs, { ...opts, seed: 12 }).next();
  assert.ok(!sameBatch({ ...other, index: 0 }, run[0]));
  assert.ok(!sameBatch({ ...run[1], index: 0 }, run[0]), 'consecutive batches differ');
  // Resume: a fresh sampler set to the state after the first batch continues with the second.
  const s3 = new PatchSampler(seqs, { ...opts, seed: 999 });
  s3.setState({ seed: 11, nextIndex: 1 });
  assert.ok(sameBatch(s3.next(), run[1]));
  assert.deepEqual(s3.getState(), { seed: 11, nextIndex: 2 });
  assert.ok(sameBatch(s1.batchAt(2), run[2]));
  assert.deepEqual(s1.getState(), { seed: 11, nextIndex: 3 });
  assert.throws(() => s3.setState({ seed: 1.5, nextIndex: 0 }), /seed must be a safe integer/);
  assert.throws(() => s3.setState({ seed: 1, nextIndex: -1 }), /nextIndex/);
});

test('without augmentation, patches are exact crops at the reported corner, which stays inside the image and reaches every position', () => {
  const P = 16;
  const seqs = [noiseSequence('a', 3, P + 2, P + 3, 3), noiseSequence('b', 3, 40, 23, 4)];
  const sampler = new PatchSampler(seqs, { patchSize: P, batchSize: 32, seed: 5, augment: 'none' });
  const seenY = [new Set<number>(), new Set<number>()];
  const seenX = [new Set<number>(), new Set<number>()];
  for (let n = 0; n < 20; n++) {
    const batch = sampler.next();
    assert.equal(batch.images.length, batch.B * 3 * P * P);
    assert.equal(batch.labels!.length, batch.B * P * P);
    assert.equal(batch.scribbles!.length, batch.B * P * P);
    for (let b = 0; b < batch.B; b++) {
      const si = batch.sequenceIndex[b];
      const s = seqs[si];
      const [y0, x0] = [batch.origin[2 * b], batch.origin[2 * b + 1]];
      assert.ok(
        y0 >= 0 && y0 + P <= s.H && x0 >= 0 && x0 + P <= s.W,
        `corner (${y0}, ${x0}) of a ${P} patch in ${s.H}x${s.W}`,
      );
      assert.equal(batch.orientation[b], 0);
      seenY[si].add(y0);
      seenX[si].add(x0);
      for (let t = 0; t < 3; t++) {
        for (let i = 0; i < P; i++) {
          for (let j = 0; j < P; j++) {
            const src = t * s.H * s.W + (y0 + i) * s.W + x0 + j;
            assert.equal(batch.images[((b * 3 + t) * P + i) * P + j], s.frames[src]);
            if (t === 0) {
              assert.equal(batch.labels![(b * P + i) * P + j], s.label![src]);
              assert.equal(batch.scribbles![(b * P + i) * P + j], s.scribble![src]);
            }
          }
        }
      }
    }
  }
  // Uniform over all corners, the last one included.
  assert.deepEqual(
    [...seenY[0]].sort((a, b) => a - b),
    [0, 1, 2],
  );
  assert.deepEqual(
    [...seenX[0]].sort((a, b) => a - b),
    [0, 1, 2, 3],
  );
  assert.equal(Math.max(...seenY[1]), 40 - P);
  assert.equal(Math.max(...seenX[1]), 23 - P);
  assert.equal(Math.min(...seenX[1]), 0);
});

test('under flips and rotations the label and the scribble follow the frames, and the patch is the transformed crop', () => {
  const P = 12;
  const T = 2;
  const seqs = [noiseSequence('a', T, 30, 41, 6)];
  const s = seqs[0];
  const codes = new Set<number>();
  const sampler = new PatchSampler(seqs, { patchSize: P, batchSize: 16, seed: 8 });
  for (let n = 0; n < 12; n++) {
    const batch = sampler.next();
    for (let b = 0; b < batch.B; b++) {
      const code = batch.orientation[b];
      codes.add(code);
      const [y0, x0] = [batch.origin[2 * b], batch.origin[2 * b + 1]];
      for (let t = 0; t < T; t++) {
        const want = expectedPlane(s.frames, t, s.H, s.W, P, y0, x0, code);
        const got = batch.images.subarray((b * T + t) * P * P, (b * T + t + 1) * P * P);
        assert.deepEqual(
          Array.from(got),
          Array.from(want, (v) => Math.fround(v)),
        );
      }
      for (let p = 0; p < P * P; p++) {
        const f0 = batch.images[b * T * P * P + p];
        const f1 = batch.images[(b * T + 1) * P * P + p];
        assert.equal(batch.labels![b * P * P + p], f0 > 0 ? 1 : 0);
        assert.equal(batch.scribbles![b * P * P + p], f1 > 0.5 ? 1 : f1 < -0.5 ? 0 : 255);
      }
    }
  }
  // Independent flips and four rotations: every code occurs.
  assert.equal(codes.size, 16);
  // The official coupling: both flips or neither.
  const coupled = new PatchSampler(seqs, {
    patchSize: P,
    batchSize: 64,
    seed: 8,
    augment: { geometric: { coupledFlips: true } },
  }).next();
  const flips = new Set(Array.from(coupled.orientation, (c) => c & 3));
  assert.deepEqual([...flips].sort(), [0, 3]);
});

test('a sequence smaller than the patch is padded by reflection (numpy "reflect"), centred, labels alike', () => {
  assert.deepEqual(
    Array.from({ length: 14 }, (_, i) => reflectIndex(i - 5, 4)),
    [1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2],
  );
  const P = 16;
  const s = noiseSequence('small', 2, 10, 13, 9);
  const batch = new PatchSampler([s], { patchSize: P, batchSize: 2, augment: 'none' }).next();
  assert.deepEqual(Array.from(batch.origin.subarray(0, 2)), [-3, -1]);
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < P; j++) {
      const y = reflectIndex(i - 3, 10);
      const x = reflectIndex(j - 1, 13);
      assert.equal(batch.images[P * P + i * P + j], s.frames[10 * 13 + y * 13 + x]);
      assert.equal(batch.labels![i * P + j], s.label![y * 13 + x]);
    }
  }
});

test('sequence weights steer which sequence patches come from', () => {
  const seqs = [noiseSequence('a', 1, 20, 20, 1), noiseSequence('b', 1, 20, 20, 2), noiseSequence('c', 1, 20, 20, 3)];
  const only = new PatchSampler(seqs, { patchSize: 8, batchSize: 50, sequenceWeights: [0, 2, 0] }).next();
  assert.ok(only.sequenceIndex.every((i) => i === 1));
  const uniform = new PatchSampler(seqs, { patchSize: 8, batchSize: 3000 }).next();
  const counts = [0, 0, 0];
  for (const i of uniform.sequenceIndex) counts[i]++;
  assert.ok(
    counts.every((c) => c > 900 && c < 1100),
    `uniform counts ${counts}`,
  );
  const skew = new PatchSampler(seqs, { patchSize: 8, batchSize: 4000, sequenceWeights: [3, 1, 0] }).next();
  const share = skew.sequenceIndex.filter((i) => i === 0).length / 4000;
  assert.ok(Math.abs(share - 0.75) < 0.03, `share of the weight-3 sequence ${share}`);
});

test('bad sequences and options are refused with a message naming the problem', () => {
  const a = noiseSequence('a', 3, 20, 20, 1);
  const b = noiseSequence('b', 4, 20, 20, 2);
  assert.throws(() => new PatchSampler([]), /at least one sequence/);
  assert.throws(() => new PatchSampler([a, b]), /'b' has 4 frames but 'a' has 3/);
  assert.throws(
    () => new PatchSampler([{ ...a, frames: new Float32Array(5) }]),
    /frames must be a Float32Array of T\*H\*W = 1200/,
  );
  assert.throws(() => new PatchSampler([a, { ...a, id: 'c', label: undefined }], { targets: 'label' }), /'c' has none/);
  assert.equal(new PatchSampler([a, { ...a, id: 'c', label: undefined }]).next().labels, undefined);
  assert.throws(() => new PatchSampler([a], { patchSize: 0 }), /patchSize must be a positive integer/);
  assert.throws(() => new PatchSampler([a], { views: 3 as 1 }), /views must be 1 or 2/);
  assert.throws(() => new PatchSampler([a], { sequenceWeights: [0] }), /must not all be 0/);
  assert.throws(() => new PatchSampler([a], { augment: 'heavy' as 'fsl' }), /unknown preset 'heavy'/);
  assert.throws(() => new PatchSampler([a], { augment: { blurr: true } as never }), /unknown family 'blurr'/);
  assert.throws(
    () => new PatchSampler([a], { augment: { contrast: { range: [1.5, 0.5] } } }),
    /contrast.range must have lo <= hi/,
  );
  assert.throws(
    () => new PatchSampler([a], { augment: { noise: { probability: 2 } } }),
    /noise.probability must be in \[0, 1\]/,
  );
  assert.throws(
    () => new PatchSampler([a], { patchSize: 8, augment: { cutout: { size: 16 } } }),
    /cutout.size \(16\) must not exceed the patch size \(8\)/,
  );
  assert.throws(
    () => new PatchSampler([a], { augment: { elastic: { sgima: 3 } as never } }),
    /unknown option 'elastic.sgima'/,
  );
});
