// The rules every data reader shares, so that `dias data check` and the commands that read data (train, test,
// segment, metrics, data show) never disagree: label values, bit depths within a sequence, which files of a
// folder are frames, and what a resampled sequence reports. Each test fed the readers an input they used to
// take silently.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { encodeNpy } from '../src/data/npy-array.js';
import { checkDataset } from '../src/data/dataset-check.js';
import { openDiasDataset } from '../src/data/dias-layout.js';
import { readSequence } from '../src/data/read-sequence.js';
import { readGroundTruth } from '../src/eval/read-maps.js';
import { tempDir, writeDiasSequences, writePng } from './data-fixture.js';

/** 0 background, 1 in column 1, 128 in column 2: a label that is neither 0/255 nor 0/1. */
const greyLabel = (x: number) => (x === 1 ? 1 : x === 2 ? 128 : 0);
const LABEL_RULE = /label values must be 0 and 255 \(or 0 and 1\); found 0, 1, 128/;

describe('one label rule for every reader', () => {
  test('a 0/1/128 label is refused by data check, the DIAS loader, frame folders, nnU-Net, NPY, images and metrics', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const root = join(dir, 'dias');
      writeDiasSequences(root, [{ split: 'training', id: 1, frames: 5, label: true }]);
      const labelPath = join(root, 'training', 'labels', 'label_s1.png');
      writePng(labelPath, 6, 4, greyLabel);
      const report = checkDataset(root);
      assert.ok(report.problems.some((p) => p.path === labelPath && LABEL_RULE.test(p.problem)), JSON.stringify(report.problems));
      // What train and test read: the same file is an error naming it, not a mask of the 128s.
      const ds = openDiasDataset(root);
      assert.throws(() => ds.load(ds.find(1)!), (e: Error) => e.message.startsWith(labelPath) && LABEL_RULE.test(e.message));
      await assert.rejects(readSequence(root, { id: 1 }), (e: Error) => e.message.startsWith(labelPath) && LABEL_RULE.test(e.message));

      const folder = join(dir, 'folder');
      for (let k = 0; k < 3; k++) writePng(join(folder, `frame_${k}.png`), 6, 4, () => 100);
      writePng(join(folder, 'label.png'), 6, 4, greyLabel);
      await assert.rejects(readSequence(folder), (e: Error) => e.message.startsWith(join(folder, 'label.png')) && LABEL_RULE.test(e.message));

      const nn = join(dir, 'nnunet');
      for (let c = 0; c < 2; c++) writePng(join(nn, 'imagesTr', `case_${String(c).padStart(4, '0')}.png`), 6, 4, () => 9);
      writePng(join(nn, 'labelsTr', 'case.png'), 6, 4, greyLabel);
      await assert.rejects(readSequence(nn, { id: 'case' }), LABEL_RULE);

      mkdirSync(join(dir, 'npy', 'images'), { recursive: true });
      writeFileSync(join(dir, 'npy', 'images', '5.npy'), encodeNpy([2, 4, 6], new Float32Array(48)));
      writePng(join(dir, 'npy', 'labels', 'label_s5.png'), 6, 4, greyLabel);
      await assert.rejects(readSequence(join(dir, 'npy', 'images', '5.npy')), LABEL_RULE);

      writePng(join(dir, 'single', 'images', 'x.png'), 6, 4, () => 9);
      writePng(join(dir, 'single', 'labels', 'x.png'), 6, 4, greyLabel);
      await assert.rejects(readSequence(join(dir, 'single', 'images', 'x.png')), LABEL_RULE);

      // dias metrics --gt: a PNG is held to the same rule (it was binarised at >= 128); an .npy too.
      assert.throws(() => readGroundTruth(labelPath), (e: Error) => e.message.startsWith(labelPath) && LABEL_RULE.test(e.message));
      const gtNpy = join(dir, 'gt.npy');
      writeFileSync(gtNpy, encodeNpy([2, 3], Uint8Array.from([0, 1, 128, 0, 0, 0])));
      assert.throws(() => readGroundTruth(gtNpy), (e: Error) => e.message.startsWith(gtNpy) && LABEL_RULE.test(e.message));
    } finally {
      cleanup();
    }
  });

  test('0/255, 0/1 and all-background labels read as 0/1 by the sequence readers and by metrics', async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const [name, value] of [['a', 255], ['b', 1], ['c', 0]] as const) {
        writePng(join(dir, name, 'images', 'x.png'), 4, 2, () => 9);
        writePng(join(dir, name, 'labels', 'x.png'), 4, 2, (x) => (x === 0 ? value : 0));
        const seq = await readSequence(join(dir, name, 'images', 'x.png'));
        assert.deepEqual(Array.from(seq.label!), [value ? 1 : 0, 0, 0, 0, value ? 1 : 0, 0, 0, 0], name);
        assert.deepEqual(Array.from(readGroundTruth(join(dir, name, 'labels', 'x.png')).data), Array.from(seq.label!), name);
      }
    } finally {
      cleanup();
    }
  });
});

/** A 16-bit grey PNG of width x height, every pixel `value`. */
function writePng16(path: string, width: number, height: number, value: number): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, encode({ width, height, data: new Uint16Array(width * height).fill(value), channels: 1, depth: 16 }));
}

describe('one bit depth per sequence', () => {
  test('a 16-bit frame among 8-bit ones: data check reports it, the readers refuse it naming the file', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const root = join(dir, 'dias');
      writeDiasSequences(root, [{ split: 'training', id: 1, frames: 5, label: true }]);
      const odd = join(root, 'training', 'images', 'image_s1_i3.png');
      writePng16(odd, 6, 4, 30000);
      const depth = /16-bit, but .*image_s1_i0\.png is 8-bit \(frames of a sequence must share a bit depth\)/;
      const report = checkDataset(root);
      assert.ok(report.problems.some((p) => p.path === odd && depth.test(`${p.path}: ${p.problem}`)), JSON.stringify(report.problems));
      assert.equal(report.ok, false);
      const ds = openDiasDataset(root);
      assert.throws(() => ds.load(ds.find(1)!), (e: Error) => e.message.startsWith(odd) && depth.test(e.message));
      await assert.rejects(readSequence(root, { id: 1 }), (e: Error) => e.message.startsWith(odd) && depth.test(e.message));

      const folder = join(dir, 'folder');
      for (let k = 0; k < 3; k++) writePng(join(folder, `frame_${k}.png`), 6, 4, () => 100);
      writePng16(join(folder, 'frame_3.png'), 6, 4, 30000);
      await assert.rejects(readSequence(folder), /frame_3\.png: 16-bit, but .*frame_0\.png is 8-bit/);
    } finally {
      cleanup();
    }
  });
});
