// Report pictures: probability and mask PNGs, the error map colours, contour overlays and panels, written to disk
// and read back.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { readGrayPng } from '../src/image/png.js';
import {
  contourOverlay,
  errorMap,
  grayToRgb,
  maskContour,
  probabilityImage,
  tilePanel,
  writeErrorMapPng,
  writeMaskPng,
  writeOverlayPng,
  writePanelPng,
  writeProbabilityPng,
} from '../src/eval/pictures.js';
import { sharedPath } from '../../../test-support/shared-data.js';

const DATA = sharedPath('data/xca-cimat40');
const dir = mkdtempSync(join(tmpdir(), 'dias-pictures-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rgbAt(png: { width: number; data: ArrayLike<number>; channels: number }, x: number, y: number): number[] {
  const o = (y * png.width + x) * png.channels;
  return [png.data[o], png.data[o + 1], png.data[o + 2]];
}

describe('pictures', () => {
  test('probability and mask PNGs: floor(p*255) as the official tester, masks 0/255', () => {
    const prob = Float32Array.from([0, 0.5, 0.999, 1, 1.2, -0.1]);
    assert.deepEqual([...probabilityImage(prob, 3, 2)], [0, 127, 254, 255, 255, 0]);
    writeProbabilityPng(join(dir, 'prob.png'), prob, 3, 2);
    writeMaskPng(join(dir, 'mask.png'), [0, 1, 0, 2, 0, 0], 3, 2);
    assert.deepEqual([...readGrayPng(join(dir, 'prob.png')).data], [0, 127, 254, 255, 255, 0]);
    assert.deepEqual([...readGrayPng(join(dir, 'mask.png')).data], [0, 255, 0, 255, 0, 0]);
  });

  test('error map: TP white, FP green, FN red, TN black', () => {
    const prediction = [1, 1, 0, 0];
    const truth = [1, 0, 1, 0];
    writeErrorMapPng(join(dir, 'errors.png'), prediction, truth, 2, 2);
    const png = decode(readFileSync(join(dir, 'errors.png')));
    assert.equal(png.channels, 3);
    assert.deepEqual(rgbAt(png, 0, 0), [255, 255, 255]);
    assert.deepEqual(rgbAt(png, 1, 0), [0, 255, 0]);
    assert.deepEqual(rgbAt(png, 0, 1), [255, 0, 0]);
    assert.deepEqual(rgbAt(png, 1, 1), [0, 0, 0]);
    assert.throws(() => errorMap([1, 0], truth, 2, 2), /error map prediction: 2 pixels, but 2x2 needs 4/);
  });

  test('contours: the boundary ring of a square, drawn in the chosen colours over a stretched background', () => {
    const w = 7,
      h = 7;
    const square = new Uint8Array(w * h);
    for (let y = 1; y <= 5; y++) for (let x = 1; x <= 5; x++) square[y * w + x] = 1;
    const ring = maskContour(square, w, h);
    assert.equal(
      ring.reduce((s, v) => s + v, 0),
      16,
    ); // 5x5 minus its 3x3 inside
    assert.equal(ring[3 * w + 3], 0);
    const background = Float32Array.from({ length: w * h }, (_, i) => 100 + i); // 100..148 -> 0..255
    const shifted = new Uint8Array(w * h);
    for (let y = 1; y <= 5; y++) for (let x = 2; x <= 6; x++) shifted[y * w + x] = 1;
    const img = contourOverlay(background, w, h, { prediction: shifted, label: square });
    const at = (x: number, y: number) => [...img.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3)];
    assert.deepEqual(at(1, 3), [255, 0, 0]); // label only
    assert.deepEqual(at(6, 3), [0, 255, 0]); // prediction only
    assert.deepEqual(at(3, 1), [255, 255, 0]); // both top edges
    assert.deepEqual(at(0, 0), [0, 0, 0]); // background minimum
    assert.deepEqual(at(6, 6), [255, 255, 255]); // background maximum
    assert.deepEqual(at(3, 3), [Math.round((24 * 255) / 48), Math.round((24 * 255) / 48), Math.round((24 * 255) / 48)]);
  });

  test('overlay of a real label on its angiogram', { skip: !existsSync(DATA) && 'no shared data' }, () => {
    const image = readGrayPng(`${DATA}/images/training__05.png`);
    const label = readGrayPng(`${DATA}/labels/training__05.png`);
    const mask = Uint8Array.from(label.data, (v) => (v >= 128 ? 1 : 0));
    const path = join(dir, 'overlay.png');
    writeOverlayPng(path, image.data, image.width, image.height, { label: mask });
    const png = decode(readFileSync(path));
    assert.equal(png.width, image.width);
    const ring = maskContour(mask, image.width, image.height);
    let red = 0,
      ringCount = 0,
      grey = 0;
    for (let i = 0; i < mask.length; i++) {
      const [r, g, b] = rgbAt(png, i % png.width, Math.floor(i / png.width));
      if (ring[i]) {
        ringCount++;
        if (r === 255 && g === 0 && b === 0) red++;
      } else if (r === g && g === b) grey++;
    }
    assert.ok(ringCount > 500, `ring of ${ringCount} pixels`);
    assert.equal(red, ringCount);
    assert.equal(grey, mask.length - ringCount);
  });

  test('panel: pictures in a grid with margins, cells sized by their row and column', () => {
    const a = grayToRgb(new Uint8Array(6).fill(10), 3, 2);
    const b = errorMap([1, 1, 1, 1], [0, 0, 0, 0], 2, 2); // green
    const c = grayToRgb(new Uint8Array(4).fill(200), 1, 4);
    const panel = tilePanel([a, b, c], { columns: 2, margin: 2, background: [9, 8, 7] });
    // Columns: max(3, 1) = 3 and 2 wide; rows: 2 and 4 tall.
    assert.equal(panel.width, 2 + 3 + 2 + 2 + 2);
    assert.equal(panel.height, 2 + 2 + 2 + 4 + 2);
    const at = (x: number, y: number) => [
      ...panel.data.subarray((y * panel.width + x) * 3, (y * panel.width + x) * 3 + 3),
    ];
    assert.deepEqual(at(0, 0), [9, 8, 7]);
    assert.deepEqual(at(2, 2), [10, 10, 10]);
    assert.deepEqual(at(7, 3), [0, 255, 0]);
    assert.deepEqual(at(2, 6), [200, 200, 200]);
    assert.deepEqual(at(3, 6), [9, 8, 7]); // beside the narrow picture
    writePanelPng(join(dir, 'panel.png'), [a, b, c], { columns: 2 });
    assert.ok(readdirSync(dir).includes('panel.png'));
    assert.ok(!readdirSync(dir).some((f) => f.includes('.tmp-')));
    assert.throws(() => tilePanel([]), /no pictures/);
  });
});
