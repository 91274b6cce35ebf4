// The DIAS release layout reader: discovery across splits, numeric frame order, ids that do not restart,
// the unlabelled pool, scribble sets, resampling 5 raw frames to 8, and the problems and errors it reports.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDiasDataset, loadDiasSequence } from '../src/data/readers/dias-layout.js';
import { readSequence } from '../src/data/readers/read-sequence.js';
import { checkDataset } from '../src/data/readers/dataset-check.js';
import { encode } from 'fast-png';
import { frameOf } from '../src/data/sequence.js';
import { tempDir, writeDiasSequences, writePng } from './data-fixture.js';

describe('DIAS layout', () => {
  const { dir, cleanup } = tempDir();
  before(() => {
    writeDiasSequences(dir, [
      { split: 'training', id: 3, frames: 5, label: true, scribbleSet: 'scribbles' },
      { split: 'training', id: 4, frames: 11, label: true, scribbleSet: 'wsl/label_luo' },
      { split: 'validation', id: 7, frames: 8, label: true },
      { split: 'test', id: 12, frames: 9, label: true },
      { split: 'unlabeled', id: 20, frames: 6 },
      { split: 'training/unlabel', id: 21, frames: 4, flat: true },
    ]);
  });
  after(cleanup);

  test('finds every split, ids as written (not restarting per split), scribble sets by pattern', () => {
    const ds = openDiasDataset(dir);
    assert.deepEqual(
      ds.splits.training.map((r) => r.id),
      [3, 4],
    );
    assert.deepEqual(
      ds.splits.validation.map((r) => r.id),
      [7],
    );
    assert.deepEqual(
      ds.splits.test.map((r) => r.id),
      [12],
    );
    assert.deepEqual(ds.splits.unlabelled.map((r) => r.id).sort(), [20, 21]);
    assert.deepEqual(ds.scribbleSets, ['scribbles', 'wsl/label_luo']);
    assert.deepEqual(Object.keys(ds.find(3)!.scribbles), ['scribbles']);
    assert.deepEqual(Object.keys(ds.find(4)!.scribbles), ['wsl/label_luo']);
    assert.equal(ds.find(12)!.split, 'test');
    assert.equal(ds.find(12, 'training'), undefined);
  });

  test('orders frames numerically: i10 after i9, and reports the 11-frame sequence as out of range', () => {
    const ds = openDiasDataset(dir);
    const ref = ds.find(4)!;
    assert.deepEqual(
      ref.frames.map((f) => f.index),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.match(ref.frames[10].path, /image_s4_i10\.png$/);
    const seq = ds.load(ref, { frames: 'native' });
    // frame k holds 10 k + 4 away from the vessel column
    assert.deepEqual(
      Array.from({ length: 11 }, (_, k) => frameOf(seq, k)[0]),
      Array.from({ length: 11 }, (_, k) => 10 * k + 4),
    );
    assert.equal(ds.problems.length, 1, JSON.stringify(ds.problems));
    assert.match(ds.problems[0].problem, /11 frames; DIAS sequences have 4 to 9/);
  });

  test('load: 5 raw frames -> 8 by the cubic B-spline of skimage resize(order=3, mode=edge); label 0/1, scribble 0/1/255', () => {
    const ds = openDiasDataset(dir);
    const seq = ds.load(ds.find(3)!);
    assert.equal(seq.T, 8);
    assert.equal(seq.id, '3');
    assert.equal(seq.meta.sourceFrameCount, 5);
    // Background pixel: raw 3, 13, 23, 33, 43 (a ramp). scipy.ndimage.zoom(ramp 0..4, 8/5, order=3, mode='nearest',
    // grid_mode=True) clipped to the input range gives these (times 10, plus 3):
    const ref = [
      0, 0.35246920655920344, 1.070650756328586, 1.7077454270097137, 2.292254572990287, 2.929349243671415,
      3.6475307934407977, 4,
    ];
    ref.forEach((r, t) =>
      assert.ok(
        Math.abs(frameOf(seq, t)[0] - (3 + 10 * r)) < 1e-4,
        `frame ${t}: ${frameOf(seq, t)[0]} vs ${3 + 10 * r}`,
      ),
    );
    // The vessel column is 5 in every frame and stays exactly 5.
    for (let t = 0; t < 8; t++) assert.ok(Math.abs(frameOf(seq, t)[2] - 5) < 1e-5);
    assert.deepEqual(Array.from(seq.label!.subarray(0, 6)), [0, 0, 1, 0, 0, 0]);
    assert.deepEqual(Array.from(seq.scribble!.subarray(0, 6)), [0, 255, 1, 255, 255, 255]);
    assert.equal(seq.meta.scribbleSet, 'scribbles');
    const native = ds.load(ds.find(3)!, { frames: 'native', scribble: false, label: false });
    assert.equal(native.T, 5);
    assert.equal(native.label, undefined);
    assert.equal(native.scribble, undefined);
  });

  test('the flat unlabelled pool inside training/ and readSequence on a frame file or the root with an id', async () => {
    const ds = openDiasDataset(dir);
    const pool = ds.load(ds.find(21)!, { frames: 'native' });
    assert.equal(pool.T, 4);
    assert.equal(pool.label, undefined);
    const viaFrame = await readSequence(join(dir, 'validation', 'images', 'image_s7_i3.png'));
    assert.equal(viaFrame.id, '7');
    assert.equal(viaFrame.T, 8);
    assert.ok(viaFrame.label);
    const viaRoot = await readSequence(dir, { id: 's12', frames: 8 });
    assert.equal(viaRoot.T, 8);
    assert.equal(viaRoot.meta.sourceFrameCount, 9);
    await assert.rejects(readSequence(dir), /a DIAS dataset; say which sequence/);
    await assert.rejects(readSequence(dir, { id: 99 }), /no sequence s99/);
  });
});

describe('DIAS layout problems', () => {
  test('label without images, missing label, gaps, bad names, duplicate ids, scribble without images', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeDiasSequences(dir, [
        { split: 'training', id: 1, frames: 4, label: true },
        { split: 'training', id: 2, frames: 4 },
        { split: 'test', id: 1, frames: 4, label: true },
      ]);
      writePng(join(dir, 'training', 'labels', 'label_s50.png'), 6, 4, () => 0);
      writePng(join(dir, 'training', 'images', 'image_s5_i0.png'), 6, 4, () => 9);
      writePng(join(dir, 'training', 'images', 'image_s5_i2.png'), 6, 4, () => 9);
      writePng(join(dir, 'training', 'images', 'frame7.png'), 6, 4, () => 9);
      writePng(join(dir, 'training', 'scribbles', 'label_s60.png'), 6, 4, () => 255);
      const ds = openDiasDataset(dir);
      const text = ds.problems.map((p) => `${p.path}: ${p.problem}`).join('\n');
      assert.match(text, /label_s50\.png: label without images/);
      assert.match(text, /sequence s2 has no label/);
      assert.match(text, /frames i1 missing/);
      assert.match(text, /frame7\.png: not a frame name/);
      assert.match(text, /sequence id s1 is also in training/);
      assert.match(text, /label_s60\.png: scribble without training images/);
    } finally {
      cleanup();
    }
  });

  test('corrupt PNG and frames of different sizes are errors naming the file', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeDiasSequences(dir, [
        { split: 'training', id: 1, frames: 4, label: true },
        { split: 'training', id: 2, frames: 4, label: true },
      ]);
      const corrupt = join(dir, 'training', 'images', 'image_s1_i2.png');
      writeFileSync(corrupt, 'not a png at all');
      const ds = openDiasDataset(dir);
      assert.throws(
        () => loadDiasSequence(ds.find(1)!),
        (e: Error) => e.message.includes(corrupt) && /not a readable PNG/.test(e.message),
      );
      const odd = join(dir, 'training', 'images', 'image_s2_i3.png');
      writePng(odd, 7, 4, () => 1);
      assert.throws(
        () => loadDiasSequence(ds.find(2)!),
        (e: Error) => e.message.startsWith(odd) && /7x4, but .*image_s2_i0\.png is 6x4/.test(e.message),
      );
    } finally {
      cleanup();
    }
  });

  test('not a DIAS folder, or no such folder', () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, 'stuff'));
      assert.throws(() => openDiasDataset(dir), /not a DIAS dataset/);
      assert.throws(() => openDiasDataset(join(dir, 'nope')), /no such folder/);
    } finally {
      cleanup();
    }
  });
});

test('a 1-bit scribble PNG (0 background, 1 vessel) is read by its levels, by the loader and by data check', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeDiasSequences(dir, [{ split: 'training', id: 1, frames: 4, label: true, size: [6, 4] }]);
    // Column 2 vessel, the rest background: 0b001000 per row, one byte per row in the file.
    const packed = new Uint8Array([0b00100000, 0b00100000, 0b00100000, 0b00100000]);
    const scribble = join(dir, 'training', 'scribbles', 'label_s1.png');
    mkdirSync(join(dir, 'training', 'scribbles'), { recursive: true });
    writeFileSync(scribble, encode({ width: 6, height: 4, data: packed, channels: 1, depth: 1 }));
    const ds = openDiasDataset(dir);
    const seq = ds.load(ds.find(1)!);
    assert.deepEqual(Array.from(seq.scribble!.subarray(0, 6)), [0, 0, 1, 0, 0, 0]);
    assert.deepEqual(checkDataset(dir).problems, []);
    // A 2-bit file's level 3 is neither 0 nor 1 (nor 255, which it cannot hold): named as the level it is.
    const levels = new Uint8Array(8); // 12 bits a row: 2 bytes
    levels[0] = 0b00110000;
    writeFileSync(scribble, encode({ width: 6, height: 4, data: levels, channels: 1, depth: 2 }));
    assert.throws(
      () => openDiasDataset(dir).load(ds.find(1)!),
      /label_s1\.png: scribble values must be .*; found 0, 3$/,
    );
  } finally {
    cleanup();
  }
});
