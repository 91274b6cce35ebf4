// The time-to-peak artery/vein baseline (bench/ttp-artery-vein.ts): on sequences whose arteries peak early and
// veins late, at frame times from dataset.json as dias synth records them, the fitted threshold falls between the
// two peaks and the test split is segmented into arteries and veins; pixels without a peak are background.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitTtpThreshold, ttpBaseline, ttpClassMap } from '../src/bench/ttp-artery-vein.js';
import { tempDir, writePng } from './data-fixture.js';

const S = 24;
const TIMES = [0, 400, 900, 1500, 2200, 3000];
/** Opacification of an artery and of a vein at frame k: the artery peaks at frame 1, the vein at frame 4. */
const ARTERY = [0, 120, 60, 20, 5, 0];
const VEIN = [0, 0, 10, 60, 120, 30];

/** Sequence n: an artery in row 4 + n and a vein in column 6 + n (the artery wins where they cross). */
function classAt(n: number, x: number, y: number): number {
  return y === 4 + n ? 1 : x === 6 + n ? 2 : 0;
}

function writeDataset(root: string): void {
  const sequences: { id: number; frameTimesMs: number[] }[] = [];
  let id = 0;
  for (const [split, count] of [
    ['training', 2],
    ['validation', 1],
    ['test', 2],
  ] as const) {
    for (let c = 0; c < count; c++, id++) {
      const n = id;
      for (let k = 0; k < TIMES.length; k++)
        writePng(join(root, split, 'images', `image_s${id}_i${k}.png`), S, S, (x, y) => {
          const cls = classAt(n, x, y);
          return 200 - (cls === 1 ? ARTERY[k] : cls === 2 ? VEIN[k] : 0) + ((x * 7 + y * 3 + k) % 3);
        });
      writePng(join(root, split, 'labels', `label_s${id}.png`), S, S, (x, y) => (classAt(n, x, y) === 1 ? 255 : 0));
      writePng(join(root, split, 'labels_av', `label_s${id}.png`), S, S, (x, y) => classAt(n, x, y));
      sequences.push({ id, frameTimesMs: TIMES });
    }
  }
  writeFileSync(join(root, 'dataset.json'), JSON.stringify({ sequences }));
}

test('the fitted time-to-peak threshold separates early arteries from late veins', () => {
  const { dir, cleanup } = tempDir('dias-av-ttp-');
  try {
    writeDataset(dir);
    const r = ttpBaseline(dir);
    assert.ok(r.thresholdMs > 400 && r.thresholdMs <= 2200, `between the peaks: ${r.thresholdMs} ms`);
    assert.ok(r.classes.artery.mean.DSC > 0.95, `arteries: ${r.classes.artery.mean.DSC}`);
    assert.ok(r.classes.vein.mean.DSC > 0.95, `veins: ${r.classes.vein.mean.DSC}`);
    assert.equal(r.confusion.mean.veinAsArtery, 0);
    assert.equal(r.perCase.length, 2, 'the two test sequences');
    assert.ok(r.coverage > 0.95);
  } finally {
    cleanup();
  }
});

test('classes by threshold, and the threshold that scores the samples best', () => {
  assert.deepEqual([...ttpClassMap(Float32Array.from([NaN, 100, 900, 500]), 500)], [0, 1, 2, 2]);
  const label = Uint8Array.from([1, 1, 2, 2, 0, 0]);
  // Arteries peak at 100-200 ms, veins at 800-900, the background has no peak: any threshold in (200, 800] is best.
  const ttp = Float32Array.from([100, 200, 800, 900, NaN, NaN]);
  const { thresholdMs, dsc } = fitTtpThreshold([{ id: 's0', W: 6, H: 1, label, ttp }]);
  assert.ok(thresholdMs > 200 && thresholdMs <= 800, `${thresholdMs}`);
  assert.equal(dsc, 1);
  assert.throws(
    () => fitTtpThreshold([{ id: 's0', W: 6, H: 1, label, ttp: new Float32Array(6).fill(NaN) }]),
    /no pixel of the fitting sequences has a time to peak/,
  );
});
