// Real angiography images from shared/data through the same API as DIAS sequences: XCA image + label pairs
// (T = 1, 0/255 labels; the one mask with stray grey pixels is refused by the label rule) and unlabelled
// cerebral DSA frames (one file, or listed in frames.txt: the folder mixes patients and views).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSequence } from '../src/data/readers/read-sequence.js';
import { minIntensityProjection, zscoreSequence } from '../src/data/pipeline/preprocess.js';
import { sharedPath } from '../../../test-support/shared-data.js';
import { tempDir } from './data-fixture.js';

const DATA = sharedPath('data');
const XCA = join(DATA, 'xca-cimat40');
const VEPA = join(DATA, 'dsa-frames-vepa8');

describe('real data', { skip: !existsSync(XCA) || !existsSync(VEPA) ? `no ${DATA}` : false }, () => {
  test('xca-cimat40: 39 images load as T = 1 with their labels, vessels darker than the rest; the grey mask is refused', async () => {
    const names = readdirSync(join(XCA, 'images'))
      .filter((n) => n.endsWith('.png'))
      .sort();
    assert.equal(names.length, 40);
    // training__29's mask has 18 stray grey pixels: every reader refuses it (as dias data check does) rather than
    // guess a threshold.
    await assert.rejects(
      readSequence(join(XCA, 'images', 'training__29.png')),
      /labels\/training__29\.png: label values must be 0 and 255 \(or 0 and 1\); found 0, 1, 2, .*18 of 90000 pixels/,
    );
    for (const name of names.filter((n) => n !== 'training__29.png')) {
      const seq = await readSequence(join(XCA, 'images', name));
      assert.deepEqual([seq.T, seq.H, seq.W], [1, 300, 300], name);
      assert.ok(seq.label, `${name} has its label from labels/`);
      // Vessels against the background right around them (within 4 pixels): the field is not flat, so a local
      // comparison is the fair one.
      const { W, H } = seq;
      const label = seq.label;
      let vessel = 0;
      let inside = 0;
      let ring = 0;
      let around = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const p = y * W + x;
          assert.ok(label[p] === 0 || label[p] === 1);
          if (label[p]) {
            vessel++;
            inside += seq.frames[p];
            continue;
          }
          let near = false;
          for (let dy = -4; dy <= 4 && !near; dy++)
            for (let dx = -4; dx <= 4 && !near; dx++)
              near = label[Math.min(H - 1, Math.max(0, y + dy)) * W + Math.min(W - 1, Math.max(0, x + dx))] === 1;
          if (near) {
            ring++;
            around += seq.frames[p];
          }
        }
      }
      const fraction = vessel / label.length;
      assert.ok(fraction > 0.01 && fraction < 0.3, `${name}: vessel fraction ${fraction}`);
      assert.ok(
        inside / vessel < around / ring - 3,
        `${name}: vessels (${inside / vessel}) darker than around them (${around / ring})`,
      );
    }
  });

  test('dsa-frames-vepa8: single frames; the folder (several patients and views) is no sequence unless listed', async () => {
    const one = await readSequence(join(VEPA, '100al.png'));
    assert.deepEqual([one.T, one.H, one.W, one.label], [1, 1024, 1024, undefined]);
    await assert.rejects(
      readSequence(VEPA),
      /dsa-frames-vepa8: images of \d+ series .*list its frames in order in frames\.txt/,
    );
    // Listed in a frames.txt, the 8 frames are a sequence (MinIP and z-score on real pixels).
    const { dir, cleanup } = tempDir();
    const names = readdirSync(VEPA)
      .filter((n) => n.endsWith('.png'))
      .sort();
    writeFileSync(join(dir, 'frames.txt'), names.map((n) => join(VEPA, n)).join('\n'));
    const all = await readSequence(dir);
    cleanup();
    assert.deepEqual([all.T, all.H, all.W], [8, 1024, 1024]);
    const minip = minIntensityProjection(all);
    const n = all.H * all.W;
    for (let p = 0; p < n; p += 9973) for (let t = 0; t < all.T; t++) assert.ok(minip[p] <= all.frames[t * n + p]);
    const z = zscoreSequence(all);
    let sum = 0;
    let sq = 0;
    for (const v of z.frames) {
      sum += v;
      sq += v * v;
    }
    assert.ok(Math.abs(sum / z.frames.length) < 1e-3);
    assert.ok(Math.abs(Math.sqrt(sq / z.frames.length) - 1) < 1e-3);
  });
});
