// The viewer page's pure parts, without a browser: the scribble layer's brush, undo/redo by stroke and clear
// (packages/web/src/scribble.ts), the window lookup and the overlay colours (overlays.ts). The browser test
// (serve-browser.test.ts) covers the same code driven through the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKGROUND, ScribbleLayer, UNLABELLED, VESSEL } from '../../web/src/scribble.js';
import { arteryVeinOverlay, COLORS, errorOverlay, windowLut } from '../../web/src/overlays.js';

/** The set pixels of a layer as "x,y" strings. */
function marked(layer: ScribbleLayer, value: number): string[] {
  const out: string[] = [];
  layer.data.forEach((v, i) => v === value && out.push(`${i % layer.width},${Math.floor(i / layer.width)}`));
  return out;
}

test('a brush stamp covers the pixels whose centres lie within the radius', () => {
  const layer = new ScribbleLayer(12, 10);
  layer.begin(5.5, 5.5, VESSEL, 3); // radius 1.5 around pixel (5,5): its 3x3 block (corners at 1.41)
  layer.end();
  assert.deepEqual(marked(layer, VESSEL).sort(), ['4,4', '4,5', '4,6', '5,4', '5,5', '5,6', '6,4', '6,5', '6,6']);
  const dot = new ScribbleLayer(12, 10);
  dot.begin(2.5, 7.5, BACKGROUND, 1);
  dot.end();
  assert.deepEqual(marked(dot, BACKGROUND), ['2,7']);
  assert.equal(marked(dot, UNLABELLED).length, 119);
});

test('a fast stroke leaves no gaps, and stamps outside the image are clipped', () => {
  const layer = new ScribbleLayer(30, 6);
  layer.begin(-3, 2.5, VESSEL, 1);
  layer.extend(40, 2.5, VESSEL, 1); // one pointer move across the whole width and beyond
  layer.end();
  assert.deepEqual(
    marked(layer, VESSEL),
    Array.from({ length: 30 }, (_, x) => `${x},2`),
  );
});

test('undo and redo go stroke by stroke; a new stroke drops the redo history; clear is one step', () => {
  const layer = new ScribbleLayer(8, 8);
  assert.equal(layer.canUndo, false);
  layer.begin(1.5, 1.5, VESSEL, 1);
  layer.extend(5.5, 1.5, VESSEL, 1);
  assert.equal(layer.end(), true);
  layer.begin(3.5, 1.5, BACKGROUND, 1); // over the vessel stroke's middle pixel
  layer.end();
  assert.deepEqual(layer.counts(), { vessel: 4, background: 1 });
  assert.equal(layer.dirty, true);
  layer.undo();
  assert.deepEqual(layer.counts(), { vessel: 5, background: 0 }, 'the vessel pixel under it comes back');
  layer.undo();
  assert.deepEqual(layer.counts(), { vessel: 0, background: 0 });
  assert.equal(layer.undo(), false);
  layer.redo();
  assert.deepEqual(layer.counts(), { vessel: 5, background: 0 });
  layer.begin(0.5, 7.5, BACKGROUND, 1);
  layer.end();
  assert.equal(layer.canRedo, false, 'a new stroke ends the redo history');
  // A stroke that changes nothing is no step.
  layer.begin(0.5, 7.5, BACKGROUND, 1);
  assert.equal(layer.end(), false);
  assert.equal(layer.clear(), true);
  assert.deepEqual(layer.counts(), { vessel: 0, background: 0 });
  layer.undo();
  assert.deepEqual(layer.counts(), { vessel: 5, background: 1 });
  // Loading keeps the given values and starts clean.
  const loaded = new ScribbleLayer(8, 8, layer.data);
  assert.deepEqual(loaded.counts(), { vessel: 5, background: 1 });
  assert.equal(loaded.dirty, false);
});

test('the window lookup: level 128 width 256 shows 8-bit values as stored; 16-bit windows are linear and clamped', () => {
  const identity = windowLut(128, 256);
  assert.deepEqual(
    Array.from(identity),
    Array.from({ length: 256 }, (_, v) => v),
  );
  const wide = windowLut(2000, 1001, 16);
  assert.equal(wide.length, 65536);
  assert.deepEqual(
    [wide[0], wide[1499], wide[1500], wide[2000], wide[2500], wide[2501], wide[65535]],
    [0, 0, 0, 128, 255, 255, 255],
  );
  const threshold = windowLut(100, 1);
  assert.deepEqual([threshold[99], threshold[100]], [0, 255]);
});

test('the error map: true positive white, false positive green, false negative red, true negative clear', () => {
  const prob = Uint8Array.from([200, 200, 10, 10, 128, 127]);
  const label = Uint8Array.from([255, 0, 255, 0, 255, 255]);
  const out = new Uint8ClampedArray(4 * prob.length);
  errorOverlay(prob, label, out);
  const px = (i: number) => Array.from(out.subarray(4 * i, 4 * i + 4));
  assert.deepEqual(
    [px(0), px(1), px(2), px(3)],
    [COLORS.truePositive, COLORS.falsePositive, COLORS.falseNegative, [0, 0, 0, 0]],
  );
  assert.deepEqual([px(4), px(5)], [COLORS.truePositive, COLORS.falseNegative], 'p >= 0.5 (128 of 255) is vessel');
});

test('the artery/vein label: arteries and veins in their two colours, background transparent', () => {
  const out = new Uint8ClampedArray(3 * 4);
  arteryVeinOverlay(Uint8Array.from([0, 1, 2]), out);
  assert.deepEqual(Array.from(out), [0, 0, 0, 0, ...COLORS.artery, ...COLORS.vein]);
});
