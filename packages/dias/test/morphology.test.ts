// Binary morphology: erosion with scipy's border semantics, skimage-style skeletons, connected components.
// (The exact skimage skeleton is checked through the golden clDice values in metrics.test.ts.)
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { binaryErode, labelComponents, skeletonize } from '../src/image/morphology.js';
import { readGrayPng } from '../src/image/png.js';
import { sharedPath } from '../../../test-support/shared-data.js';

const LABELS = sharedPath('data/xca-cimat40/labels');

/** A mask from rows of '#' (foreground) and '.' (background). */
function parse(rows: string[]): { mask: Uint8Array; w: number; h: number } {
  const w = rows[0].length,
    h = rows.length;
  const mask = new Uint8Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * w + x] = c === '#' ? 1 : 0)));
  return { mask, w, h };
}

function show(mask: Uint8Array, w: number): string[] {
  const rows: string[] = [];
  for (let i = 0; i < mask.length; i += w) rows.push([...mask.subarray(i, i + w)].map((v) => (v ? '#' : '.')).join(''));
  return rows;
}

function sum(a: Uint8Array): number {
  return a.reduce((s, v) => s + v, 0);
}

describe('binaryErode', () => {
  test('a 7x7 square shrinks by one ring per iteration, down to nothing', () => {
    const w = 11,
      h = 11;
    const mask = new Uint8Array(w * h);
    for (let y = 2; y <= 8; y++) for (let x = 2; x <= 8; x++) mask[y * w + x] = 1;
    assert.equal(sum(binaryErode(mask, w, h, 1)), 25);
    assert.equal(sum(binaryErode(mask, w, h, 2)), 9);
    const three = binaryErode(mask, w, h, 3);
    assert.equal(sum(three), 1);
    assert.equal(three[5 * w + 5], 1);
    assert.equal(sum(binaryErode(mask, w, h, 4)), 0);
    assert.deepEqual(binaryErode(mask, w, h, 0), mask);
  });

  test('pixels outside the image are background (scipy border_value=0)', () => {
    const full = new Uint8Array(5 * 4).fill(1);
    assert.deepEqual(show(binaryErode(full, 5, 4, 1), 5), ['.....', '.###.', '.###.', '.....']);
  });

  test('the square removes what the cross keeps', () => {
    const { mask, w, h } = parse(['.....', '..#..', '.###.', '..#..', '.....']);
    assert.deepEqual(show(binaryErode(mask, w, h, 1, 4), w), ['.....', '.....', '..#..', '.....', '.....']);
    assert.equal(sum(binaryErode(mask, w, h, 1, 8)), 0);
  });

  test('bad arguments are errors', () => {
    assert.throws(() => binaryErode(new Uint8Array(5), 2, 3), /5 pixels, 2x3 needs 6/);
    assert.throws(() => binaryErode(new Uint8Array(6), 2, 3, -1), /iterations/);
  });
});

describe('skeletonize', () => {
  test('a thick bar thins to a one-pixel, connected line inside it', () => {
    const w = 40,
      h = 12;
    const mask = new Uint8Array(w * h);
    for (let y = 3; y <= 7; y++) for (let x = 4; x <= 35; x++) mask[y * w + x] = 1;
    const skel = skeletonize(mask, w, h);
    assert.ok(sum(skel) > 20, 'skeleton runs along the bar');
    for (let i = 0; i < skel.length; i++) if (skel[i]) assert.equal(mask[i], 1, 'skeleton inside the mask');
    // One pixel wide: at most one skeleton pixel per column, and no 2x2 block anywhere.
    for (let x = 0; x < w; x++) {
      let n = 0;
      for (let y = 0; y < h; y++) n += skel[y * w + x];
      assert.ok(n <= 1, `column ${x} has ${n} skeleton pixels`);
    }
    assert.equal(labelComponents(skel, w, h, 8).count, 1);
  });

  test('one-pixel lines and isolated pixels are already skeletons', () => {
    const { mask, w, h } = parse(['#.......', '........', '.######.', '.......#', '......#.']);
    assert.deepEqual(skeletonize(mask, w, h), mask);
  });

  test('an empty mask stays empty; the input is not modified', () => {
    assert.equal(sum(skeletonize(new Uint8Array(30), 6, 5)), 0);
    const { mask, w, h } = parse(['####', '####', '####']);
    const copy = mask.slice();
    skeletonize(mask, w, h);
    assert.deepEqual(mask, copy);
  });

  test(
    'real vessel trees: skeleton inside the label, same components, thinning it again changes nothing',
    { skip: !existsSync(LABELS) && 'no shared data' },
    () => {
      for (const name of ['training__01.png', 'training__17.png']) {
        const png = readGrayPng(`${LABELS}/${name}`);
        const { width: w, height: h } = png;
        const mask = Uint8Array.from(png.data, (v) => (v >= 128 ? 1 : 0));
        const skel = skeletonize(mask, w, h);
        assert.ok(sum(skel) > 0 && sum(skel) < sum(mask) / 2, `${name}: skeleton much thinner than the tree`);
        for (let i = 0; i < skel.length; i++)
          if (skel[i]) assert.equal(mask[i], 1, `${name}: skeleton inside the label`);
        assert.equal(
          labelComponents(skel, w, h, 8).count,
          labelComponents(mask, w, h, 8).count,
          `${name}: topology kept`,
        );
        assert.deepEqual(skeletonize(skel, w, h), skel, `${name}: skeleton is a fixed point`);
      }
    },
  );
});

describe('labelComponents', () => {
  test('diagonal chains join with 8-connectivity and split with 4', () => {
    const { mask, w, h } = parse(['#...#', '.#.#.', '..#..', '.....', '##..#']);
    const eight = labelComponents(mask, w, h, 8);
    const four = labelComponents(mask, w, h, 4);
    assert.equal(eight.count, 3); // the V, the pair at the bottom left, the lone pixel
    assert.equal(four.count, 7);
    assert.equal(eight.labels[0], eight.labels[2 * w + 2]);
    assert.equal(eight.labels[0], eight.labels[4]);
    // Raster order of first pixels: the V is 1, the bottom-left pair 2, the bottom-right pixel 3.
    assert.equal(eight.labels[0], 1);
    assert.equal(eight.labels[4 * w], 2);
    assert.equal(eight.labels[4 * w + 1], 2);
    assert.equal(eight.labels[4 * w + 4], 3);
    assert.equal(eight.labels[3 * w], 0);
    assert.equal(four.labels[4], 2);
  });

  test('defaults to 8-connectivity; an empty mask has no components', () => {
    const { mask, w, h } = parse(['#.', '.#']);
    assert.equal(labelComponents(mask, w, h).count, 1);
    assert.equal(labelComponents(new Uint8Array(12), 4, 3).count, 0);
  });
});
