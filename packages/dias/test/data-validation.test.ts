// The rules every data reader shares, so that `dias data check` and the commands that read data (train, test,
// segment, metrics, data show) never disagree: label values, bit depths within a sequence, which files of a
// folder are frames, and what a resampled sequence reports. Each test fed the readers an input they used to
// take silently.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { encodeNpy } from '../src/data/readers/npy-array.js';
import { checkDataset } from '../src/data/readers/dataset-check.js';
import { frameCountNote, openDiasDataset } from '../src/data/readers/dias-layout.js';
import { readSequence } from '../src/data/readers/read-sequence.js';
import { readGroundTruth, readProbabilityMap } from '../src/eval/read-maps.js';
import { decodeGrayPng, encodeGrayPng } from '../src/image/png.js';
import { encodeGrayTiff } from '../src/image/tiff.js';
import { maxPixels, setMaxPixels } from '../src/image/pixel-limit.js';
import { decodeDicom } from '../src/data/readers/dicom.js';
import { dataCommand } from '../src/cli/data.js';
import { segmentCommand } from '../src/cli/segment.js';
import { UsageError } from '../src/cli/command.js';
import { tempDir, writeDiasSequences, writePng } from './data-fixture.js';
import { writeDicom, type DicomElements } from './dicom-writer.js';

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
      assert.ok(
        report.problems.some((p) => p.path === labelPath && LABEL_RULE.test(p.problem)),
        JSON.stringify(report.problems),
      );
      // What train and test read: the same file is an error naming it, not a mask of the 128s.
      const ds = openDiasDataset(root);
      assert.throws(
        () => ds.load(ds.find(1)!),
        (e: Error) => e.message.startsWith(labelPath) && LABEL_RULE.test(e.message),
      );
      await assert.rejects(
        readSequence(root, { id: 1 }),
        (e: Error) => e.message.startsWith(labelPath) && LABEL_RULE.test(e.message),
      );

      const folder = join(dir, 'folder');
      for (let k = 0; k < 3; k++) writePng(join(folder, `frame_${k}.png`), 6, 4, () => 100);
      writePng(join(folder, 'label.png'), 6, 4, greyLabel);
      await assert.rejects(
        readSequence(folder),
        (e: Error) => e.message.startsWith(join(folder, 'label.png')) && LABEL_RULE.test(e.message),
      );

      const nn = join(dir, 'nnunet');
      for (let c = 0; c < 2; c++)
        writePng(join(nn, 'imagesTr', `case_${String(c).padStart(4, '0')}.png`), 6, 4, () => 9);
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
      assert.throws(
        () => readGroundTruth(labelPath),
        (e: Error) => e.message.startsWith(labelPath) && LABEL_RULE.test(e.message),
      );
      const gtNpy = join(dir, 'gt.npy');
      writeFileSync(gtNpy, encodeNpy([2, 3], Uint8Array.from([0, 1, 128, 0, 0, 0])));
      assert.throws(
        () => readGroundTruth(gtNpy),
        (e: Error) => e.message.startsWith(gtNpy) && LABEL_RULE.test(e.message),
      );
    } finally {
      cleanup();
    }
  });

  test('0/255, 0/1 and all-background labels read as 0/1 by the sequence readers and by metrics', async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const [name, value] of [
        ['a', 255],
        ['b', 1],
        ['c', 0],
      ] as const) {
        writePng(join(dir, name, 'images', 'x.png'), 4, 2, () => 9);
        writePng(join(dir, name, 'labels', 'x.png'), 4, 2, (x) => (x === 0 ? value : 0));
        const seq = await readSequence(join(dir, name, 'images', 'x.png'));
        assert.deepEqual(Array.from(seq.label!), [value ? 1 : 0, 0, 0, 0, value ? 1 : 0, 0, 0, 0], name);
        assert.deepEqual(
          Array.from(readGroundTruth(join(dir, name, 'labels', 'x.png')).data),
          Array.from(seq.label!),
          name,
        );
      }
    } finally {
      cleanup();
    }
  });
});

/** A 16-bit grey PNG of width x height, every pixel `value`. */
function writePng16(path: string, width: number, height: number, value: number): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(
    path,
    encode({ width, height, data: new Uint16Array(width * height).fill(value), channels: 1, depth: 16 }),
  );
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
      assert.ok(
        report.problems.some((p) => p.path === odd && depth.test(`${p.path}: ${p.problem}`)),
        JSON.stringify(report.problems),
      );
      assert.equal(report.ok, false);
      const ds = openDiasDataset(root);
      assert.throws(
        () => ds.load(ds.find(1)!),
        (e: Error) => e.message.startsWith(odd) && depth.test(e.message),
      );
      await assert.rejects(
        readSequence(root, { id: 1 }),
        (e: Error) => e.message.startsWith(odd) && depth.test(e.message),
      );

      const folder = join(dir, 'folder');
      for (let k = 0; k < 3; k++) writePng(join(folder, `frame_${k}.png`), 6, 4, () => 100);
      writePng16(join(folder, 'frame_3.png'), 6, 4, 30000);
      await assert.rejects(readSequence(folder), /frame_3\.png: 16-bit, but .*frame_0\.png is 8-bit/);
    } finally {
      cleanup();
    }
  });
});

/** The data command in this process: exit code, and what it printed to stdout and stderr. */
async function dataCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...parts: unknown[]) => void out.push(parts.join(' '));
  console.error = (...parts: unknown[]) => void err.push(parts.join(' '));
  try {
    const code = await dataCommand.run(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('which files of a folder are frames', () => {
  test('only the numbered series: earlier outputs and other images are left out, and said so', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const folder = join(dir, 'run7');
      for (let k = 0; k < 4; k++) writePng(join(folder, `frame_${k}.png`), 6, 4, () => 10 * k);
      // What `dias segment run7 --out run7` wrote there before, and a stray picture.
      for (const f of ['run7_mask.png', 'run7_prob.png', 'run7_overlay.png', 'notes.png'])
        writePng(join(folder, f), 6, 4, () => 255);
      const seq = await readSequence(folder);
      assert.deepEqual([seq.T, ...[0, 1, 2, 3].map((t) => seq.frames[t * 24])], [4, 0, 10, 20, 30]);
      const warnings = seq.meta.warnings ?? [];
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(
        warnings[0],
        /4 images are not frame_#\.png frames and were left out: notes\.png, run7_mask\.png, run7_overlay\.png, run7_prob\.png/,
      );
      // data show passes the warning on.
      const shown = await dataCli('show', folder, '--out', join(dir, 'sheet.png'));
      assert.equal(shown.code, 0);
      assert.match(shown.stderr, /warning: .*left out: notes\.png/);
    } finally {
      cleanup();
    }
  });

  test('images of several series (patients, views) are not one sequence; frames.txt lists the frames to take', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // As dsa-frames-vepa8: unrelated frames named {patient}{a|b}{f|l}.png.
      for (const name of ['100al', '101al', '102al', '100bl', '102bl', '102af', '103af'])
        writePng(join(dir, `${name}.png`), 6, 4, () => 50);
      await assert.rejects(
        readSequence(dir),
        (e: Error) =>
          e.message.startsWith(dir) &&
          /images of 3 series \(#af\.png: 2, #al\.png: 3, #bl\.png: 2\); put one sequence in a folder, or list its frames in order in frames\.txt/.test(
            e.message,
          ),
      );
      writeFileSync(join(dir, 'frames.txt'), '# the lateral run\n102al.png\n100al.png\n\n101al.png\n');
      const seq = await readSequence(dir);
      assert.equal(seq.T, 3);
      assert.deepEqual(
        (seq.meta.frameFiles as string[]).map((f) => f.slice(dir.length + 1)),
        ['102al.png', '100al.png', '101al.png'],
      );
      writeFileSync(join(dir, 'frames.txt'), '100al.png\nmissing.png\n');
      await assert.rejects(
        readSequence(dir),
        (e: Error) =>
          e.message.startsWith(join(dir, 'frames.txt')) && /line 2: missing\.png: no such file/.test(e.message),
      );
    } finally {
      cleanup();
    }
  });

  test('a lone image is its own sequence; two unnumbered images are an error; duplicate numbers are an error', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writePng(join(dir, 'a', 'angio.png'), 6, 4, () => 50);
      assert.equal((await readSequence(join(dir, 'a'))).T, 1);
      writePng(join(dir, 'a', 'other.png'), 6, 4, () => 50);
      await assert.rejects(readSequence(join(dir, 'a')), /2 images but no numbered series/);
      writePng(join(dir, 'b', 'f1.png'), 6, 4, () => 50);
      writePng(join(dir, 'b', 'f01.png'), 6, 4, () => 50);
      await assert.rejects(readSequence(join(dir, 'b')), /f01\.png and f1\.png are both frame 1/);
    } finally {
      cleanup();
    }
  });

  test('segment and data show refuse --out inside the input folder', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const folder = join(dir, 'frames');
      for (let k = 0; k < 3; k++) writePng(join(folder, `frame_${k}.png`), 6, 4, () => 10 * k);
      const weights = join(dir, 'w.safetensors');
      writeFileSync(weights, 'x');
      for (const out of [folder, join(folder, 'out')]) {
        await assert.rejects(
          segmentCommand.run(['--weights', weights, folder, '--out', out]),
          (e: Error) => e instanceof UsageError && /--out .* is inside the input folder .*frames/.test(e.message),
        );
      }
      await assert.rejects(
        dataCli('show', folder, '--out', join(folder, 'sheet.png')),
        (e: Error) => e instanceof UsageError && /--out .*sheet\.png is inside the input folder/.test(e.message),
      );
    } finally {
      cleanup();
    }
  });

  test('single-frame DICOM files of one series whose headers differ: a warning that says which', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = (instance: number, spacing: string, angle: string): Uint8Array => {
        const words = new Uint8Array(8);
        const elements: DicomElements = {
          '00080016': { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.12.1' },
          '00080060': { vr: 'CS', value: 'XA' },
          '0020000e': { vr: 'UI', value: '1.2.3' },
          '00200013': { vr: 'IS', value: String(instance) },
          '00181164': { vr: 'DS', value: spacing },
          '00181510': { vr: 'DS', value: angle },
          '00280002': { vr: 'US', value: [1] },
          '00280004': { vr: 'CS', value: 'MONOCHROME2' },
          '00280010': { vr: 'US', value: [2] },
          '00280011': { vr: 'US', value: [2] },
          '00280100': { vr: 'US', value: [16] },
          '00280101': { vr: 'US', value: [12] },
          '00280103': { vr: 'US', value: [0] },
          '7fe00010': { vr: 'OW', value: words },
        };
        return writeDicom(elements);
      };
      writeFileSync(join(dir, '1.dcm'), file(1, '0.2\\0.2', '0'));
      writeFileSync(join(dir, '2.dcm'), file(2, '0.2\\0.2', '0'));
      assert.equal((await readSequence(dir)).meta.warnings, undefined);
      writeFileSync(join(dir, '3.dcm'), file(3, '0.3\\0.3', '90'));
      const seq = await readSequence(dir);
      const warnings = seq.meta.warnings ?? [];
      assert.match(warnings.join('\n'), /3\.dcm: pixel spacing 0\.3, 0\.3, but 1\.dcm has 0\.2, 0\.2/);
      assert.match(warnings.join('\n'), /3\.dcm: view LAT, but 1\.dcm has AP/);
    } finally {
      cleanup();
    }
  });
});

describe('--subtract on an input that is already DSA', () => {
  test('a DIAS sequence and a DICOM marked SUBTRACTED are refused; a .npy stack is subtracted with a warning', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const root = join(dir, 'dias');
      writeDiasSequences(root, [{ split: 'test', id: 4, frames: 4, label: true }]);
      await assert.rejects(readSequence(root, { id: 4, subtract: 'auto' }), (e: Error) =>
        /s4: a DIAS sequence, already subtracted \(DSA\); --subtract is for unsubtracted cines/.test(e.message),
      );
      await assert.rejects(
        readSequence(join(root, 'test', 'images', 'image_s4_i0.png'), { subtract: 0 }),
        /already subtracted/,
      );
      const dcm = join(dir, 'dsa.dcm');
      writeFileSync(
        dcm,
        writeDicom({
          '00080008': { vr: 'CS', value: 'DERIVED\\PRIMARY\\SINGLE PLANE\\SUBTRACTED' },
          '00080060': { vr: 'CS', value: 'XA' },
          '00280002': { vr: 'US', value: [1] },
          '00280004': { vr: 'CS', value: 'MONOCHROME2' },
          '00280008': { vr: 'IS', value: '2' },
          '00280010': { vr: 'US', value: [2] },
          '00280011': { vr: 'US', value: [2] },
          '00280100': { vr: 'US', value: [8] },
          '00280101': { vr: 'US', value: [8] },
          '00280103': { vr: 'US', value: [0] },
          '7fe00010': { vr: 'OB', value: Uint8Array.from([9, 9, 9, 9, 5, 5, 5, 5]) },
        }),
      );
      await assert.rejects(
        readSequence(dcm, { subtract: 'auto' }),
        (e: Error) => e.message.startsWith(dcm) && /marked SUBTRACTED \(ImageType\), already DSA/.test(e.message),
      );
      assert.equal((await readSequence(dcm)).T, 2);
      const npy = join(dir, 'stack.npy');
      writeFileSync(npy, encodeNpy([2, 2, 2], Float32Array.from([9, 9, 9, 9, 5, 5, 5, 5])));
      const seq = await readSequence(npy, { subtract: 'auto' });
      assert.match(
        (seq.meta.warnings ?? []).join('\n'),
        /stack\.npy: nothing says whether it is subtracted; subtracted mask frame 0 as --subtract asked \(if it is DSA already, as the \.npy stacks of the DIAS release are, drop --subtract\)/,
      );
    } finally {
      cleanup();
    }
  });
});

describe('resampling a sequence says what it started from', () => {
  test('a 1-frame or 11-frame DIAS sequence loaded at 8 frames carries resampledFrom and a warning; 5 frames only resampledFrom', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeDiasSequences(dir, [
        { split: 'training', id: 1, frames: 1, label: true },
        { split: 'training', id: 2, frames: 11, label: true },
        { split: 'training', id: 3, frames: 5, label: true },
        { split: 'training', id: 4, frames: 8, label: true },
      ]);
      const ds = openDiasDataset(dir);
      const [one, eleven, five, eight] = [1, 2, 3, 4].map((id) => ds.load(ds.find(id)!, { frames: 8 }));
      assert.deepEqual(
        [one, eleven, five, eight].map((s) => [s.T, s.meta.resampledFrom]),
        [
          [8, 1],
          [8, 11],
          [8, 5],
          [8, undefined],
        ],
      );
      assert.deepEqual(one.meta.warnings, [
        's1 (training): 1 frame resampled to 8; DIAS sequences have 4 to 9 (dias data check flags it)',
      ]);
      assert.deepEqual(eleven.meta.warnings, [
        's2 (training): 11 frames resampled to 8; DIAS sequences have 4 to 9 (dias data check flags it)',
      ]);
      assert.equal(five.meta.warnings, undefined);
      // The one line a training run prints for all of them.
      const note = frameCountNote([one, eleven, five, eight], 8);
      assert.equal(
        note,
        "2 sequences resampled to 8 frames from counts outside DIAS's 4 to 9: s1 (1 frame), s2 (11 frames); dias data check flags them",
      );
      assert.equal(frameCountNote([five, eight], 8), undefined);
    } finally {
      cleanup();
    }
  });
});

describe('a pixel-count limit for every decoder', () => {
  /** A PNG whose header claims width x height (the rest of the file is a 1x1 image: the claim is all it takes). */
  function pngClaiming(width: number, height: number): Uint8Array {
    const bytes = encodeGrayPng(1, 1, [0]).slice();
    const view = new DataView(bytes.buffer);
    view.setUint32(16, width); // IHDR data starts at 8 (signature) + 8 (length, type)
    view.setUint32(20, height);
    return bytes;
  }
  const over = (name: string, what: string, limit: number) =>
    new RegExp(
      `${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${what} is \\d+ pixels, more than the limit of ${limit}; --max-pixels N \\(or DIAS_MAX_PIXELS=N\\) raises it`,
    );

  test('a PNG header claiming 100000x100000 is refused before anything is allocated', () => {
    assert.throws(
      () => decodeGrayPng(pngClaiming(100000, 100000), 'huge.png'),
      over('huge.png', '100000x100000', maxPixels()),
    );
    assert.throws(
      () => decodeGrayPng(pngClaiming(20000, 20000), 'big.png'),
      over('big.png', '20000x20000', maxPixels()),
    );
  });

  test('PNG, TIFF, NPY (sequences and maps) and DICOM all stop at a lowered limit, and read below it', async () => {
    const { dir, cleanup } = tempDir();
    const before = maxPixels();
    try {
      setMaxPixels(100);
      assert.throws(
        () => decodeGrayPng(encodeGrayPng(20, 20, new Float32Array(400)), 'a.png'),
        over('a.png', '20x20', 100),
      );
      assert.equal(decodeGrayPng(encodeGrayPng(10, 10, new Float32Array(100)), 'ok.png').width, 10);
      const tiff = join(dir, 't.tif');
      writeFileSync(tiff, encodeGrayTiff(8, 8, [new Float32Array(64), new Float32Array(64)]));
      await assert.rejects(readSequence(tiff), over(tiff, '8x8 x 2 pages', 100));
      const npy = join(dir, 'stack.npy');
      writeFileSync(npy, encodeNpy([2, 8, 8], new Float32Array(128)));
      await assert.rejects(readSequence(npy), over(npy, 'shape \\(2, 8, 8\\)', 100));
      const map = join(dir, 'map.npy');
      writeFileSync(map, encodeNpy([11, 11], new Float32Array(121)));
      assert.throws(() => readProbabilityMap(map), over(map, 'shape \\(11, 11\\)', 100));
      const dicom = writeDicom({
        '00080060': { vr: 'CS', value: 'XA' },
        '00280002': { vr: 'US', value: [1] },
        '00280004': { vr: 'CS', value: 'MONOCHROME2' },
        '00280008': { vr: 'IS', value: '2' },
        '00280010': { vr: 'US', value: [8] },
        '00280011': { vr: 'US', value: [8] },
        '00280100': { vr: 'US', value: [8] },
        '00280101': { vr: 'US', value: [8] },
        '00280103': { vr: 'US', value: [0] },
        '7fe00010': { vr: 'OB', value: new Uint8Array(128) },
      });
      await assert.rejects(decodeDicom(dicom, 'cine.dcm'), over('cine.dcm', '8x8 x 2 frames', 100));
      setMaxPixels(128);
      assert.equal((await decodeDicom(dicom, 'cine.dcm')).T, 2);
      assert.equal((await readSequence(npy)).T, 2);
    } finally {
      setMaxPixels(before);
      cleanup();
    }
  });
});

describe('DICOM errors say what is wrong', () => {
  const cine = (pixels: Uint8Array) =>
    writeDicom({
      '00080060': { vr: 'CS', value: 'XA' },
      '00280002': { vr: 'US', value: [1] },
      '00280004': { vr: 'CS', value: 'MONOCHROME2' },
      '00280008': { vr: 'IS', value: '2' },
      '00280010': { vr: 'US', value: [4] },
      '00280011': { vr: 'US', value: [4] },
      '00280100': { vr: 'US', value: [8] },
      '00280101': { vr: 'US', value: [8] },
      '00280103': { vr: 'US', value: [0] },
      '7fe00010': { vr: 'OB', value: pixels },
    });

  test("cut inside the pixel data, or an element longer than the file: the parser's reason, not [object Object]", async () => {
    const whole = cine(new Uint8Array(32).fill(7));
    const cut = whole.subarray(0, whole.length - 10);
    await assert.rejects(
      decodeDicom(cut, 'cut.dcm'),
      (e: Error) =>
        e.message.startsWith('cut.dcm: ') &&
        !/object Object/.test(e.message) &&
        /truncated or corrupt DICOM: an element runs past the end of the file/.test(e.message),
    );
    const impossible = whole.slice();
    // The pixel data element's 4-byte length (after tag, VR and 2 reserved bytes) claims 4 GB.
    const at = impossible.length - 32 - 4;
    new DataView(impossible.buffer).setUint32(at, 0xfffffff0, true);
    await assert.rejects(
      decodeDicom(impossible, 'long.dcm'),
      (e: Error) =>
        e.message.startsWith('long.dcm: ') &&
        !/object Object/.test(e.message) &&
        /truncated or corrupt DICOM: an element runs past the end of the file/.test(e.message),
    );
  });
});
