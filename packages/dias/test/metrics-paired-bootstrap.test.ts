// The paired two-level bootstrap of bench reports over seeds: the mean difference is the plain mean of the paired
// differences; a constant difference has a zero-width interval; the interval of a noisy difference covers the
// true shift about as often as it claims and excludes 0 for a clear shift, not for none; missing values drop out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../src/data/random.js';
import { pairedBootstrap } from '../src/metrics/paired-bootstrap.js';

/** `seeds` x `cases` values: a case effect shared by both set-ups, noise of `sd`, and a shift of `shift` for a. */
function pair(seeds: number, cases: number, shift: number, sd: number, seed: number) {
  const r = new Random(seed);
  const caseEffect = Array.from({ length: cases }, () => 0.7 + 0.1 * r.normal());
  const b = Array.from({ length: seeds }, () => caseEffect.map((e) => e + sd * r.normal()));
  const a = b.map((row) => row.map((v) => v + shift + sd * r.normal()));
  return { a, b };
}

test('a constant difference: its mean and a zero-width interval', () => {
  const b = [
    [0.5, 0.6, 0.7],
    [0.55, 0.65, 0.75],
  ];
  const a = b.map((row) => row.map((v) => v + 0.02));
  const d = pairedBootstrap(a, b);
  assert.ok(Math.abs(d.mean - 0.02) < 1e-12);
  assert.ok(Math.abs(d.low - 0.02) < 1e-12 && Math.abs(d.high - 0.02) < 1e-12, `${d.low} ${d.high}`);
  assert.deepEqual([d.seeds, d.cases], [2, 3]);
});

test('a clear shift is found, no shift is not; the interval covers the true shift about 95% of the time', () => {
  const clear = pair(3, 6, 0.03, 0.01, 1);
  const found = pairedBootstrap(clear.a, clear.b, { resamples: 1000 });
  assert.ok(found.low > 0, `clear shift: [${found.low}, ${found.high}]`);
  let covered = 0;
  let excludesZero = 0;
  const trials = 60;
  for (let t = 0; t < trials; t++) {
    const { a, b } = pair(4, 8, 0, 0.02, 100 + t);
    const d = pairedBootstrap(a, b, { resamples: 400, seed: t });
    if (d.low <= 0 && d.high >= 0) covered++;
    else excludesZero++;
  }
  // Percentile bootstraps on few seeds run a little narrow; 95% nominal should still cover most of the time.
  assert.ok(covered / trials > 0.8, `covered ${covered}/${trials}`);
  assert.ok(excludesZero < trials * 0.2);
});

test('missing values leave their pair out; mismatched shapes are errors', () => {
  const d = pairedBootstrap(
    [
      [0.8, null, 0.6],
      [NaN, NaN, NaN],
    ],
    [
      [0.7, 0.5, 0.5],
      [0.1, 0.2, 0.3],
    ],
  );
  assert.ok(Math.abs(d.mean - 0.1) < 1e-12);
  assert.equal(d.seeds, 1);
  assert.throws(() => pairedBootstrap([[1]], [[1], [2]]), /1 seeds against 2/);
  assert.throws(() => pairedBootstrap([[1, 2]], [[1]]), /seed 0 has 2 cases against 1/);
});
