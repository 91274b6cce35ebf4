// `dias test` and `dias segment` with a model trained on the artery/vein labels (issue 20): the per-class reports
// and the artery/vein confusion against labels_av/, recomputed here from the files the commands write, and the
// class map (0 background, 1 artery, 2 vein) with its red/blue overlay and class probabilities.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNpy } from '@dias-ts/torch';
import { decode } from 'fast-png';
import { readGrayPng } from '../src/image/png.js';
import { trainRun } from '../src/train/index.js';
import { openDiasDataset } from '../src/data/readers/dias-layout.js';
import { evaluateClasses, arteryVeinConfusion } from '../src/metrics/class-metrics.js';
import { AV_VESSEL_CLASSES } from '../src/data/label-set.js';
import { CLASS_COLOURS } from '../src/eval/class-outputs.js';
import { testCommand } from '../src/cli/test.js';
import { segmentCommand } from '../src/cli/segment.js';
import { tempDir } from './data-fixture.js';
import { tinyConfig, writeLineDataset } from './train-fixture.js';

let dir: string, cleanup: () => void, data: string, run: string;

before(async () => {
  ({ dir, cleanup } = tempDir('dias-av-eval-'));
  data = join(dir, 'data');
  run = join(dir, 'run');
  writeLineDataset(data, { arteryVein: true, frames: 6 });
  await trainRun({
    config: tinyConfig(data, (c) => {
      c.data.labels = 'av';
      c.data.frames = 6;
      c.train.epochs = 3;
    }),
    runDir: run,
    events: { log: () => {} },
  });
});
after(() => cleanup());

/** Runs a command quietly; returns its exit code and what it printed. */
async function quietly(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    return { code: await run(), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

test('dias test: per-class reports and the confusion, as recomputed from the class maps it writes', async () => {
  const { code, out } = await quietly(() =>
    testCommand.run(['--run', run, '--split', 'validation', '--no-progress', '--no-tta']),
  );
  assert.equal(code, 0);
  assert.match(out, /per class:/);
  assert.match(out, /confusion: vein predicted as artery/);
  const folder = join(run, 'test_validation');
  const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
  assert.equal(summary.labels, 'av');
  const ds = openDiasDataset(data);
  const dsc: Record<string, number[]> = { artery: [], vein: [] };
  const veinAsArtery: number[] = [];
  for (const ref of ds.splits.validation) {
    const seq = ds.load(ref, { frames: 'native', labels: 'av' });
    const classMap = Uint8Array.from(readGrayPng(join(folder, `s${ref.id}_classes.png`)).data);
    const prob = loadNpy(join(folder, `s${ref.id}_classes_prob.npy`));
    assert.deepEqual(prob.shape, [3, seq.H, seq.W]);
    const probabilities = prob.toTypedArray() as Float32Array;
    prob.dispose();
    const perClass = evaluateClasses(probabilities, classMap, seq.label!, seq.W, seq.H, AV_VESSEL_CLASSES);
    for (const c of ['artery', 'vein']) dsc[c].push(perClass[c].metrics.DSC);
    veinAsArtery.push(arteryVeinConfusion(classMap, seq.label!).veinAsArtery);
    // The vessel mask is the class map's non-background pixels.
    const mask = readGrayPng(join(folder, `s${ref.id}_mask.png`)).data;
    for (let i = 0; i < mask.length; i++) assert.equal(mask[i] ? 1 : 0, classMap[i] ? 1 : 0);
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  for (const c of ['artery', 'vein']) {
    assert.ok(Math.abs(summary.classes[c].mean.DSC - mean(dsc[c])) < 1e-9, `${c} DSC from the class maps`);
    const classReport = JSON.parse(readFileSync(join(folder, c, 'summary.json'), 'utf8'));
    assert.ok(Math.abs(classReport.mean.DSC - mean(dsc[c])) < 1e-9, `${c}/summary.json`);
  }
  assert.ok(Math.abs(summary.confusion.mean.vein_as_artery - mean(veinAsArtery)) < 1e-9);
  assert.ok(
    summary.classes.artery.mean.DSC > 0.3,
    `a trained model finds arteries: ${summary.classes.artery.mean.DSC}`,
  );
});

test('dias segment: the class map PNG, its two-colour overlay and the class probabilities', async () => {
  const out = join(dir, 'segment');
  const { code } = await quietly(() =>
    segmentCommand.run(['--run', run, data, '--id', '3', '--out', out, '--no-progress', '--json']),
  );
  assert.equal(code, 0);
  const classMap = readGrayPng(join(out, 's3_classes.png'));
  assert.ok(
    classMap.data.every((v) => v === 0 || v === 1 || v === 2),
    'class numbers 0/1/2',
  );
  const prob = loadNpy(join(out, 's3_classes_prob.npy'));
  const p = prob.toTypedArray() as Float32Array;
  prob.dispose();
  const HW = classMap.width * classMap.height;
  for (let i = 0; i < HW; i++) {
    const best = [0, 1, 2].reduce((b, c) => (p[c * HW + i] > p[b * HW + i] ? c : b), 0);
    assert.equal(classMap.data[i], best, 'the class map is the argmax of the probabilities');
  }
  const overlay = decode(readFileSync(join(out, 's3_classes_overlay.png')));
  assert.equal(overlay.channels, 3);
  const redder = (i: number) => overlay.data[3 * i] > overlay.data[3 * i + 2];
  for (let i = 0; i < HW; i++) {
    if (classMap.data[i] === 1) assert.ok(redder(i), 'arteries are red');
    if (classMap.data[i] === 2) assert.ok(!redder(i), 'veins are blue');
  }
  assert.deepEqual(CLASS_COLOURS[0], null, 'the background is not painted');
});
