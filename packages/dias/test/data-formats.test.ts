// The other sequence sources: .npy stacks (the official code's), nnU-Net 2D folders, plain frame folders and
// TIFF (multi-page = frames, 8 and 16 bit), all through readSequence, and the errors for broken files.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy, parseNpy } from '../src/data/readers/npy-array.js';
import { encodeNpyHeader } from '@dias-ts/torch';
import { openNnunetFolder } from '../src/data/readers/nnunet-folder.js';
import { checkDataset } from '../src/data/readers/dataset-check.js';
import { detectFormat, readSequence } from '../src/data/readers/read-sequence.js';
import { decodeTiff, encodeGrayTiff, writeGrayTiff } from '../src/image/tiff.js';
import { encode } from 'fast-png';
import { tempDir, writePng } from './data-fixture.js';

describe('.npy stacks', () => {
  test('(T, H, W) float32 with the official label naming images/{n}.npy <-> labels/label_s{n}.png', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const [T, H, W] = [3, 2, 4];
      const data = Float32Array.from({ length: T * H * W }, (_, i) => i * 0.5 - 3);
      mkdirSync(join(dir, 'images'));
      writeFileSync(join(dir, 'images', '17.npy'), encodeNpy([T, H, W], data));
      writePng(join(dir, 'labels', 'label_s17.png'), W, H, (x, y) => (x === y ? 255 : 0));
      const seq = await readSequence(join(dir, 'images', '17.npy'));
      assert.deepEqual([seq.id, seq.T, seq.H, seq.W], ['17', 3, 2, 4]);
      assert.deepEqual(Array.from(seq.frames), Array.from(data));
      assert.deepEqual(Array.from(seq.label!), [1, 0, 0, 0, 0, 1, 0, 0]);
      assert.equal(seq.meta.dtype, '<f4');
    } finally {
      cleanup();
    }
  });

  test('uint8 (H, W) is one frame; Fortran order is reordered; bad files are named', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'one.npy');
      writeFileSync(path, encodeNpy([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6])));
      const seq = await readSequence(path);
      assert.deepEqual([seq.T, seq.H, seq.W], [1, 2, 3]);
      assert.deepEqual(Array.from(seq.frames), [1, 2, 3, 4, 5, 6]);
      // Fortran-ordered (2, 3): memory holds columns; element [r][c] at r + 2 c.
      const bytes = encodeNpy([2, 3], Uint8Array.from([1, 4, 2, 5, 3, 6]));
      const text = new TextDecoder()
        .decode(bytes.subarray(10, 80))
        .replace("'fortran_order': False", "'fortran_order': True ");
      const fortran = bytes.slice();
      fortran.set(new TextEncoder().encode(text), 10);
      assert.deepEqual(Array.from(parseNpy(fortran).data), [1, 2, 3, 4, 5, 6]);
      const truncated = join(dir, 'cut.npy');
      writeFileSync(truncated, encodeNpy([4, 4], new Float32Array(16)).subarray(0, 100));
      await assert.rejects(
        readSequence(truncated),
        (e: Error) => e.message.startsWith(truncated) && /truncated/.test(e.message),
      );
      const junk = join(dir, 'junk.npy');
      writeFileSync(junk, 'hello');
      await assert.rejects(readSequence(junk), (e: Error) => e.message.startsWith(junk) && /bad magic/.test(e.message));
    } finally {
      cleanup();
    }
  });
});

test('every numeric dtype reads the values written, whether its data is aligned in memory or not', () => {
  // One array per dtype, little-endian as numpy writes them, with values at each type's edges; each parsed from
  // its own buffer (data aligned) and from a copy at an odd offset (unaligned: the fast path must copy first).
  const cases: [string, number, (v: DataView, o: number, x: number) => void, number[]][] = [
    ['<f4', 4, (v, o, x) => v.setFloat32(o, x, true), [-1.5, 0, 3.25, 1e30]],
    ['<f8', 8, (v, o, x) => v.setFloat64(o, x, true), [-2.5, 1 / 3, 1e300, 7]],
    ['|u1', 1, (v, o, x) => v.setUint8(o, x), [0, 1, 128, 255]],
    ['|i1', 1, (v, o, x) => v.setInt8(o, x), [-128, -1, 0, 127]],
    ['|b1', 1, (v, o, x) => v.setUint8(o, x), [0, 1, 1, 0]],
    ['<u2', 2, (v, o, x) => v.setUint16(o, x, true), [0, 258, 40000, 65535]],
    ['<i2', 2, (v, o, x) => v.setInt16(o, x, true), [-32768, -2, 513, 32767]],
    ['<u4', 4, (v, o, x) => v.setUint32(o, x, true), [0, 65536, 3e9, 4294967295]],
    ['<i4', 4, (v, o, x) => v.setInt32(o, x, true), [-2147483648, -7, 70000, 2147483647]],
    ['<i8', 8, (v, o, x) => v.setBigInt64(o, BigInt(x), true), [-(2 ** 40), -1, 0, 2 ** 40]],
  ];
  for (const [descr, size, write, values] of cases) {
    const header = encodeNpyHeader(descr, [2, 2]);
    const bytes = new Uint8Array(header.length + values.length * size);
    bytes.set(header);
    const view = new DataView(bytes.buffer);
    values.forEach((x, i) => write(view, header.length + i * size, x));
    const want = Array.from(Float32Array.from(values));
    assert.deepEqual(Array.from(parseNpy(bytes).data), want, descr);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    assert.deepEqual(Array.from(parseNpy(shifted.subarray(1)).data), want, `${descr} at an odd offset`);
  }
});

describe('nnU-Net folder', () => {
  test('frames are the channels {case}_{XXXX}.png in order, 0/1 labels, problems for missing channels and labels', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(
        join(dir, 'dataset.json'),
        JSON.stringify({
          channel_names: { 0: 'f0', 1: 'f1', 2: 'f2' },
          labels: { background: 0, vessel: 1 },
          file_ending: '.png',
        }),
      );
      for (let c = 0; c < 3; c++)
        writePng(join(dir, 'imagesTr', `dsa_001_${String(c).padStart(4, '0')}.png`), 5, 3, () => 100 + c);
      writePng(join(dir, 'labelsTr', 'dsa_001.png'), 5, 3, (x) => (x === 1 ? 1 : 0));
      for (const c of [0, 2])
        writePng(join(dir, 'imagesTr', `dsa_002_${String(c).padStart(4, '0')}.png`), 5, 3, () => 7);
      writePng(join(dir, 'labelsTr', 'dsa_003.png'), 5, 3, () => 0);
      assert.equal(detectFormat(dir), 'nnunet');
      const seq = await readSequence(dir, { id: 'dsa_001' });
      assert.deepEqual([seq.T, seq.H, seq.W], [3, 3, 5]);
      assert.deepEqual(
        [0, 1, 2].map((t) => seq.frames[t * 15]),
        [100, 101, 102],
      );
      assert.deepEqual(Array.from(seq.label!.subarray(0, 5)), [0, 1, 0, 0, 0]);
      const folder = openNnunetFolder(dir);
      const text = folder.problems.map((p) => `${p.path}: ${p.problem}`).join('\n');
      assert.match(text, /channel 0001 of case dsa_002 is missing/);
      assert.match(text, /case dsa_002 has 2 frames; dataset.json declares 3 channels/);
      assert.match(text, /case dsa_002 has no label/);
      assert.match(text, /dsa_003\.png: label without images/);
      await assert.rejects(readSequence(dir), /an nnU-Net folder; say which case/);
      const report = checkDataset(dir);
      assert.equal(report.format, 'nnunet');
      assert.equal(report.ok, false);
      assert.deepEqual(report.splits.train.frameCounts, { 2: 1, 3: 1 });
      assert.deepEqual(report.splits.train.labelValues, [0, 1]);
    } finally {
      cleanup();
    }
  });
});

describe('frame folders and TIFF', () => {
  test('a folder of frame PNGs in numeric order (frame_10 after frame_9), label.png as the label', async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const k of [10, 9, 1, 0]) writePng(join(dir, `frame_${k}.png`), 4, 4, () => k * 10);
      writePng(join(dir, 'label.png'), 4, 4, (x) => (x === 0 ? 255 : 0));
      const seq = await readSequence(dir);
      assert.deepEqual(
        [0, 1, 2, 3].map((t) => seq.frames[t * 16]),
        [0, 10, 90, 100],
      );
      assert.equal(
        seq.label!.reduce((a, b) => a + b, 0),
        4,
      );
      writePng(join(dir, 'frame_11.png'), 5, 4, () => 1);
      await assert.rejects(readSequence(dir), (e: Error) =>
        /frame_11\.png: 5x4, but .*frame_0\.png is 4x4/.test(e.message),
      );
    } finally {
      cleanup();
    }
  });

  test('multi-page TIFF: pages are frames, 8 and 16 bit round trip, label from labels/', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const frames16 = [0, 1, 2].map((k) => Float32Array.from({ length: 12 }, (_, i) => k * 20000 + i * 100));
      mkdirSync(join(dir, 'images'));
      writeGrayTiff(join(dir, 'images', 'cine.tif'), 4, 3, frames16, 16);
      writePng(join(dir, 'labels', 'cine.png'), 4, 3, (x) => (x === 3 ? 255 : 0));
      const seq = await readSequence(join(dir, 'images', 'cine.tif'));
      assert.deepEqual([seq.T, seq.H, seq.W], [3, 3, 4]);
      assert.deepEqual(
        Array.from(seq.frames),
        frames16.flatMap((f) => Array.from(f)),
      );
      assert.equal(seq.meta.bitDepth, 16);
      assert.equal(
        seq.label!.reduce((a, b) => a + b, 0),
        3,
      );
      const eight = decodeTiff(encodeGrayTiff(2, 2, [[0, 64, 128, 255]], 8));
      assert.deepEqual([eight.frames.length, eight.bitDepth, ...eight.frames[0]], [1, 8, 0, 64, 128, 255]);
      const bad = join(dir, 'bad.tif');
      writeFileSync(bad, 'II*\0garbage');
      await assert.rejects(readSequence(bad), (e: Error) => e.message.startsWith(bad));
      const notTiff = join(dir, 'x.tiff');
      writeFileSync(notTiff, 'plain text');
      await assert.rejects(readSequence(notTiff), /not a TIFF file \(bad header\)/);
    } finally {
      cleanup();
    }
  });

  test('16-bit PNG keeps its 0..65535 values; a 0/65535 label is binary', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const png16 = (values: number[]) =>
        encode({ width: 3, height: 1, data: Uint16Array.from(values), channels: 1, depth: 16 });
      mkdirSync(join(dir, 'images'));
      mkdirSync(join(dir, 'labels'));
      writeFileSync(join(dir, 'images', 'x.png'), png16([0, 1000, 65535]));
      writeFileSync(join(dir, 'labels', 'x.png'), png16([65535, 0, 0]));
      const seq = await readSequence(join(dir, 'images', 'x.png'));
      assert.deepEqual(Array.from(seq.frames), [0, 1000, 65535]);
      assert.equal(seq.meta.bitDepth, 16);
      assert.deepEqual(Array.from(seq.label!), [1, 0, 0]);
    } finally {
      cleanup();
    }
  });

  test('unknown files and missing paths are clear errors', async () => {
    await assert.rejects(readSequence('/nonexistent/x.png'), /no such file or folder/);
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'notes.txt'), 'x');
      await assert.rejects(readSequence(join(dir, 'notes.txt')), /unknown sequence format/);
    } finally {
      cleanup();
    }
  });
});
