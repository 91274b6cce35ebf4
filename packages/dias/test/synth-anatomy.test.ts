// The synthetic sequences pose what real DSA poses: labels are arteries only (veins are background), veins fill
// late (dark in the last frame, absent in the first, present in the MinIP), contrast arrives along the tree over
// time, and vessel calibres span from the carotid (> 8 px wide at 800 px) to sub-pixel twigs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildScene, generateSequence, rasteriseScene } from '../src/data/synth/generate.js';
import { getPreset, type SynthOptions } from '../src/data/synth/presets.js';
import { projectVessels } from '../src/data/synth/render.js';
import { arterialConcentration, gammaVariate, randomTiming } from '../src/data/synth/bolus.js';
import { Rng } from '../src/data/synth/rng.js';

function small(size: number): SynthOptions {
  const o = getPreset('small');
  o.width = size;
  o.height = size;
  return o;
}

function median(a: ArrayLike<number>): number {
  const s = Float32Array.from(a).sort();
  return s[s.length >> 1];
}

const SEQUENCES = [0, 1, 2, 3, 4, 5];
const sequences = SEQUENCES.map((id) => generateSequence(21, id, small(128)));

test('the label is arteries only: every label pixel lies in an artery, veins are hardly ever labelled', () => {
  for (const s of sequences) {
    const geo = rasteriseScene(s.scene);
    const artery = new Uint8Array(s.W * s.H);
    for (let k = 0; k < geo.arteryFootprint.count; k++)
      if (geo.arteryFootprint.core[k]) artery[geo.arteryFootprint.index[k]] = 1;
    let labelled = 0;
    let outside = 0;
    let vein = 0;
    let veinLabelled = 0;
    for (let i = 0; i < artery.length; i++) {
      if (s.label[i]) {
        labelled++;
        if (!artery[i]) outside++;
      }
      if (s.veinMask[i]) {
        vein++;
        if (s.label[i]) veinLabelled++;
      }
    }
    assert.ok(labelled > 50, `s${s.scene.id}: ${labelled} label pixels`);
    assert.equal(outside, 0, `s${s.scene.id}: label pixels outside any artery`);
    assert.ok(vein > 100, `s${s.scene.id}: veins render (${vein} px)`);
    // Overlap only where an artery crosses a vein in the projection.
    assert.ok(
      veinLabelled / vein < 0.3,
      `s${s.scene.id}: ${((100 * veinLabelled) / vein).toFixed(1)}% of vein pixels labelled`,
    );
  }
});

test('veins fill late: dark in the last frame and in the MinIP, not yet in the first frame', () => {
  for (const s of sequences) {
    const geo = rasteriseScene(s.scene);
    const artery = new Uint8Array(s.W * s.H);
    for (let k = 0; k < geo.arteryFootprint.count; k++) artery[geo.arteryFootprint.index[k]] = 1;
    const first = s.frames[0];
    const last = s.frames[s.frames.length - 1];
    const minip = new Float32Array(s.W * s.H).fill(255);
    for (const f of s.frames) for (let i = 0; i < f.length; i++) minip[i] = Math.min(minip[i], f[i]);
    let n = 0;
    let sumFirst = 0;
    let sumLast = 0;
    let sumMin = 0;
    for (let i = 0; i < artery.length; i++) {
      if (!s.veinMask[i] || artery[i]) continue; // vein-only pixels
      n++;
      sumFirst += first[i];
      sumLast += last[i];
      sumMin += minip[i];
    }
    assert.ok(n > 50, `s${s.scene.id}: ${n} vein-only pixels`);
    const bgFirst = median(first);
    const bgLast = median(last);
    const darkLast = bgLast - sumLast / n;
    const darkFirst = bgFirst - sumFirst / n;
    assert.ok(
      darkLast > 20,
      `s${s.scene.id}: veins only ${darkLast.toFixed(1)} grey below background in the last frame`,
    );
    assert.ok(
      darkFirst < darkLast / 3,
      `s${s.scene.id}: veins already ${darkFirst.toFixed(1)} grey dark in the first frame`,
    );
    assert.ok(bgLast - sumMin / n >= darkLast - 1, `s${s.scene.id}: MinIP shows the veins`);
  }
});

test('contrast travels along the tree: arrival grows with delay, and the first frame shows less artery than the arterial phase', () => {
  const timing = randomTiming(new Rng(4), 6);
  // At the bolus front, a proximal point is already opacified while a distal one is not yet.
  const t = timing.arterial.t0 + 0.3;
  assert.ok(arterialConcentration(timing, 0, t) > arterialConcentration(timing, 0.5, t));
  assert.equal(arterialConcentration(timing, 0.5, t), 0);
  // The gamma variate peaks at 1 at t0 + alpha beta and is 0 before t0.
  const c = { t0: 1, alpha: 3, beta: 0.5 };
  assert.equal(gammaVariate(0.99, c), 0);
  assert.ok(Math.abs(gammaVariate(2.5, c) - 1) < 1e-12);
  assert.ok(gammaVariate(2.3, c) < 1 && gammaVariate(2.7, c) < 1);
  // Frames cover the early arterial to the early venous phase, in order.
  assert.ok(timing.frameTimes[0] < 1.2 && timing.frameTimes.at(-1)! > 4.9);
  for (let k = 1; k < timing.frameTimes.length; k++) assert.ok(timing.frameTimes[k] > timing.frameTimes[k - 1]);
  for (const s of sequences) {
    const dark = (f: Uint8Array): number => {
      const m = median(f);
      let n = 0;
      for (let i = 0; i < f.length; i++) if (s.label[i] && f[i] < m - 15) n++;
      return n;
    };
    assert.ok(
      dark(s.frames[0]) < dark(s.frames[s.arterialPhaseFrame]),
      `s${s.scene.id}: first frame as opacified as the arterial phase`,
    );
  }
});

test('dias preset: vessel calibres span from > 8 px wide (carotid) to below a pixel', () => {
  const o = getPreset('dias');
  for (const id of [0, 1, 2]) {
    const scene = buildScene(2, id, o);
    const pv = projectVessels(scene.arteries, scene.projection);
    const diameters = Array.from(pv.rPx, (r) => 2 * r);
    const max = Math.max(...diameters);
    const subPixel = diameters.filter((d) => d < 1).length / diameters.length;
    const mid = diameters.filter((d) => d >= 2 && d <= 8).length / diameters.length;
    assert.ok(max > 16, `s${id}: widest artery ${max.toFixed(1)} px`);
    assert.ok(
      diameters.some((d) => d > 8 && d < 14),
      `s${id}: a range of large calibres`,
    );
    assert.ok(subPixel > 0.05, `s${id}: ${(100 * subPixel).toFixed(1)}% of centreline below 1 px wide`);
    assert.ok(mid > 0.05, `s${id}: ${(100 * mid).toFixed(1)}% between 2 and 8 px wide`);
    // Radii in millimetres: the internal carotid about 2.5 mm (a common carotid, when injected, a little more),
    // twigs well below 0.25 mm.
    const radiiMm = scene.arteries.flatMap((b) => Array.from(b.radius));
    const root = scene.arteries.find((b) => b.name === 'ICA' || b.name === 'VA')!;
    assert.ok(root.radius[0] > 1.6 && root.radius[0] < 3.3, `root radius ${root.radius[0]}`);
    assert.ok(Math.max(...radiiMm) < 4.5);
    assert.ok(Math.min(...radiiMm) < 0.1);
  }
});

test('views and injections vary: AP and lateral, ICA and vertebral trees, left and right', () => {
  const o = getPreset('dias');
  const scenes = Array.from({ length: 24 }, (_, id) => buildScene(8, id, o));
  const views = new Set(scenes.map((s) => s.view));
  const injections = new Set(scenes.map((s) => s.injection));
  const sides = new Set(scenes.map((s) => s.side));
  assert.deepEqual([...views].sort(), ['AP', 'LAT']);
  assert.ok(injections.has('ICA') && injections.size >= 2, [...injections].join(','));
  assert.equal(sides.size, 2);
  // The carotid enters from below: its first point projects below the image (rows beyond H).
  const ica = scenes.find((s) => s.injection === 'ICA')!;
  const pv = projectVessels(ica.arteries, ica.projection);
  assert.ok(pv.v[0] > ica.projection.H, `carotid starts at row ${pv.v[0].toFixed(0)}`);
});
