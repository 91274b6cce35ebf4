// Realism is measured, not assumed: the statistics behave as defined on constructed frames, and synthetic frames
// land near the real DSA frames of shared/data/dsa-frames-vepa8 (skipped when that folder is absent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  compareStats,
  frameStats,
  readRealFrames,
  formatRealismTable,
  type GrayFrame,
} from '../src/data/synth/realism.js';
import { generateSequence } from '../src/data/synth/generate.js';
import { getPreset } from '../src/data/synth/presets.js';
import { Rng, hashSeed } from '../src/data/synth/rng.js';
import { sharedPath } from '../../../test-support/shared-data.js';

const REAL = sharedPath('data/dsa-frames-vepa8');

test('frame statistics: background, contrast and high-pass noise measure what they say', () => {
  const W = 256;
  const H = 256;
  const rng = new Rng(7);
  const f = new Float32Array(W * H);
  for (let i = 0; i < f.length; i++) f[i] = 180 + rng.normal(0, 3);
  // A dark vessel, 6 px wide, 3% of the frame.
  for (let y = 0; y < H; y++) for (let x = 120; x < 128; x++) f[y * W + x] = 60;
  const s = frameStats(f, W, H);
  assert.ok(Math.abs(s.background - 180) < 0.5, `background ${s.background}`);
  assert.ok(Math.abs(s.contrast - 120) < 2, `contrast ${s.contrast}`);
  assert.ok(Math.abs(s.darkFraction - 8 / 256) < 0.002, `dark fraction ${s.darkFraction}`);
  // White noise of std 3 minus its sigma-2 blur keeps about 3 * sqrt(1 - 1/(4 pi 4)) of it.
  assert.ok(s.noise > 2.6 && s.noise < 3.1, `noise ${s.noise}`);
  assert.ok(s.p99 > s.p50 && s.p1 < s.p5);
});

test('RNG: deterministic, forks independent of position, sensible moments', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  for (let i = 0; i < 100; i++) assert.equal(a.nextUint32(), b.nextUint32());
  const c = new Rng(42);
  c.next();
  assert.equal(
    c.fork('x').nextUint32(),
    new Rng(42).fork('x').nextUint32(),
    'a fork depends on the seed, not the position',
  );
  assert.notEqual(new Rng(42).fork('x').nextUint32(), new Rng(42).fork('y').nextUint32());
  assert.notEqual(hashSeed(1, 'sequence', 2), hashSeed(1, 'sequence', 3));
  assert.notEqual(hashSeed(1.5), hashSeed(1));
  const r = new Rng(1);
  let m = 0;
  let v = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    m += x;
    v += x * x;
  }
  assert.ok(Math.abs(m / n) < 0.03 && Math.abs(v / n - 1) < 0.05);
  const noise = r.fillImageNoise(new Float32Array(n));
  let s2 = 0;
  for (const x of noise) s2 += x * x;
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
});

test('synthetic frames are close to real DSA frames', { skip: !existsSync(REAL) && `${REAL} not present` }, () => {
  const size = 256;
  const options = { ...getPreset('small'), width: size, height: size };
  const synthetic: GrayFrame[] = [];
  for (let id = 0; id < 8; id++) {
    const s = generateSequence(1, id, options);
    synthetic.push({ name: `s${id}`, W: size, H: size, data: Float32Array.from(s.frames[s.arterialPhaseFrame]) });
  }
  const report = compareStats(readRealFrames(REAL, size), synthetic);
  const table = formatRealismTable(report);
  const r = report.real;
  const y = report.synthetic;
  // Within about one real standard deviation on the level and the contrast, the same order on the rest.
  assert.ok(Math.abs(y.background.mean - r.background.mean) < 15, table);
  assert.ok(Math.abs(y.contrast.mean - r.contrast.mean) < 30, table);
  assert.ok(Math.abs(y.p5.mean - r.p5.mean) < 30, table);
  assert.ok(y.darkFraction.mean > r.darkFraction.mean / 2 && y.darkFraction.mean < r.darkFraction.mean * 2, table);
  assert.ok(y.noise.mean > r.noise.mean / 2.5 && y.noise.mean < r.noise.mean * 2.5, table);
});
