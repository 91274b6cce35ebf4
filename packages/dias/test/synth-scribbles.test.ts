// Scribbles from dense labels: the automatic recipe (erode classes over 900 px with a 3x3 square ceil(4 + 6u)
// times, skeletonise) and the annotator-like strokes; both in the DIAS encoding 1 / 0 / 255.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annotatorScribble, chamferDistance, scribbleFromLabel } from '../src/data/scribbles.js';
import { binaryErode, skeletonize } from '../src/image/morphology.js';
import { generateSequence } from '../src/data/synth/generate.js';
import { getPreset } from '../src/data/synth/presets.js';
import { Rng } from '../src/data/synth/rng.js';

/** A 200x120 label: a thick horizontal vessel (rows 40..63) and a thin diagonal one. */
function barLabel(): { label: Uint8Array; W: number; H: number } {
  const W = 200;
  const H = 120;
  const label = new Uint8Array(W * H);
  for (let y = 40; y < 64; y++) for (let x = 10; x < 190; x++) label[y * W + x] = 1;
  for (let t = 0; t < 60; t++) label[(70 + Math.floor(t / 2)) * W + 100 + t] = 1;
  return { label, W, H };
}

function check(scribble: Uint8Array, label: Uint8Array, what: string): { vessel: number; background: number } {
  let vessel = 0;
  let background = 0;
  for (let i = 0; i < scribble.length; i++) {
    const v = scribble[i];
    assert.ok(v === 0 || v === 1 || v === 255, `${what}: value ${v}`);
    if (v === 1) {
      vessel++;
      assert.equal(label[i], 1, `${what}: vessel scribble outside the label at ${i}`);
    } else if (v === 0) {
      background++;
      assert.equal(label[i], 0, `${what}: background scribble on a vessel at ${i}`);
    }
  }
  return { vessel, background };
}

test('automatic scribble follows the recipe: erode ceil(4 + 6u) times with a 3x3 square, then skeletonise', () => {
  const { label, W, H } = barLabel();
  // u = 0 -> 4 erosions; both classes are over 900 pixels.
  const s = scribbleFromLabel(label, W, H, () => 0);
  const vesselMask = Uint8Array.from(label);
  const bgMask = Uint8Array.from(label, (v) => (v ? 0 : 1));
  const expectVessel = skeletonize(binaryErode(vesselMask, W, H, 4, 8), W, H);
  const expectBg = skeletonize(binaryErode(bgMask, W, H, 4, 8), W, H);
  for (let i = 0; i < s.length; i++) {
    const want = expectVessel[i] ? 1 : expectBg[i] ? 0 : 255;
    assert.equal(s[i], want, `pixel ${i}`);
  }
  const counts = check(s, label, 'auto');
  assert.ok(counts.vessel > 100 && counts.background > 100);
  // The thin diagonal vessel (2 px) does not survive erosion: no scribble on it.
  for (let t = 0; t < 60; t++) assert.notEqual(s[(70 + Math.floor(t / 2)) * W + 100 + t], 1);
  // keepClass: erosion stops before erasing a class (6 erosions would erase a 7-px bar; 3 is the last that leaves
  // something); without it the recipe is followed blindly and the vessel class gets no scribble.
  const thin = new Uint8Array(W * H);
  for (let y = 40; y < 47; y++) for (let x = 0; x < 190; x++) thin[y * W + x] = 1; // 7 x 190 = 1330 px
  const kept = scribbleFromLabel(thin, W, H, () => 0.3); // ceil(4 + 1.8) = 6 erosions
  const expectKept = skeletonize(binaryErode(thin, W, H, 3, 8), W, H);
  for (let i = 0; i < kept.length; i++) assert.equal(kept[i] === 1, expectKept[i] === 1);
  assert.ok(kept.some((v) => v === 1));
  assert.ok(!scribbleFromLabel(thin, W, H, () => 0.3, { keepClass: false }).some((v) => v === 1));
  // u close to 1 -> 10 erosions: the 24-px bar survives as a shorter skeleton.
  const s10 = scribbleFromLabel(label, W, H, () => 0.999);
  const expect10 = skeletonize(binaryErode(vesselMask, W, H, 10, 8), W, H);
  for (let i = 0; i < s10.length; i++) assert.equal(s10[i] === 1, expect10[i] === 1);
});

test('automatic scribble: a class of at most 900 pixels is skeletonised without erosion', () => {
  const W = 100;
  const H = 100;
  const label = new Uint8Array(W * H);
  for (let y = 45; y < 52; y++) for (let x = 10; x < 90; x++) label[y * W + x] = 1; // 560 px
  const s = scribbleFromLabel(label, W, H, () => 0.5);
  const sk = skeletonize(label, W, H);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    assert.equal(s[i] === 1, sk[i] === 1);
    if (s[i] === 1) n++;
  }
  assert.ok(n > 50, 'the small vessel keeps its skeleton');
  assert.throws(() => scribbleFromLabel(label, W, H + 1, () => 0), /needs/);
});

test('annotator-like scribble: thick strokes inside the main vessels, background strokes away from vessels', () => {
  const { label, W, H } = barLabel();
  const rng = new Rng(3);
  const s = annotatorScribble(label, W, H, () => rng.next());
  const counts = check(s, label, 'annotator');
  assert.ok(counts.vessel > 20, `${counts.vessel} vessel scribble pixels`);
  assert.ok(counts.background > 20, `${counts.background} background scribble pixels`);
  // Strokes stay on the wide vessel (not the thin diagonal one) and background strokes keep a margin.
  for (let t = 0; t < 60; t++) assert.notEqual(s[(70 + Math.floor(t / 2)) * W + 100 + t], 1);
  const outside = chamferDistance(
    Uint8Array.from(label, (v) => (v ? 0 : 1)),
    W,
    H,
  );
  for (let i = 0; i < s.length; i++)
    if (s[i] === 0) assert.ok(outside[i] >= 4, `background stroke ${outside[i].toFixed(1)} px from a vessel`);
  // Thick: some vessel scribble pixel has a vessel-scribble neighbour across the stroke (not a 1-px line).
  let thick = false;
  for (let y = 1; y < H - 1 && !thick; y++)
    for (let x = 0; x < W; x++)
      if (s[y * W + x] === 1 && s[(y - 1) * W + x] === 1 && s[(y + 1) * W + x] === 1) thick = true;
  assert.ok(thick, 'strokes are thicker than one pixel');
  // Deterministic given the same random stream.
  const rng2 = new Rng(3);
  assert.deepEqual(
    annotatorScribble(label, W, H, () => rng2.next()),
    s,
  );
});

test('scribbles from a synthetic label keep the rules', () => {
  const seq = generateSequence(4, 0, { ...getPreset('small'), width: 192, height: 192 });
  const rng = new Rng(1);
  const auto = scribbleFromLabel(seq.label, 192, 192, () => rng.next(), { iterations: [4, 10] });
  const human = annotatorScribble(seq.label, 192, 192, () => rng.next());
  const a = check(auto, seq.label, 'auto');
  const h = check(human, seq.label, 'annotator');
  assert.ok(a.vessel > 0 && a.background > 0 && h.vessel > 0 && h.background > 0, JSON.stringify({ a, h }));
});

test('chamfer distance: 0 on background, grows inside a bar up to its half-width', () => {
  const W = 20;
  const H = 11;
  const m = new Uint8Array(W * H);
  for (let y = 2; y < 9; y++) for (let x = 0; x < W; x++) m[y * W + x] = 1; // 7 rows thick
  const d = chamferDistance(m, W, H);
  assert.equal(d[0], 0);
  assert.equal(d[2 * W + 10], 1);
  assert.equal(d[5 * W + 10], 4);
});
