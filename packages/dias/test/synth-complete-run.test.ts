// dias synth beyond the DIAS layout: the artery/vein label (--classes av), complete runs (--complete-run: frame
// folders with frame times, from the mask phase to the late venous phase) and the timing truth maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPreset, type SynthOptions } from '../src/data/synth/presets.js';
import { writeDataset } from '../src/data/synth/write-dataset.js';
import { openDiasDataset } from '../src/data/readers/dias-layout.js';
import { readNpy } from '../src/data/readers/npy-array.js';
import { readSequence } from '../src/data/readers/read-sequence.js';
import { readGrayPng, writeGrayPng } from '../src/image/png.js';
import { checkDataset } from '../src/data/readers/dataset-check.js';
import { synthCommand } from '../src/cli/synth.js';
import { UsageError } from '../src/cli/command.js';

const root = mkdtempSync(join(tmpdir(), 'dias-synth-run-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

function tiny(): SynthOptions {
  const o = getPreset('small');
  o.width = 64;
  o.height = 64;
  o.frames = [4, 5];
  o.counts = { training: 1, validation: 0, test: 1, unlabeled: 0 };
  return o;
}

test('--classes av: labels_av beside labels (0/1/2, arteries as in the 0/255 label), the rest unchanged', async () => {
  const plain = join(root, 'plain');
  const av = join(root, 'av');
  await writeDataset({ out: plain, seed: 3, preset: 'tiny', options: tiny(), workers: 1 });
  await writeDataset({
    out: av,
    seed: 3,
    preset: 'tiny',
    options: { ...tiny(), classes: 'av', timingMaps: true },
    workers: 1,
  });
  for (const f of ['training/images/image_s0_i0.png', 'training/labels/label_s0.png', 'test/labels/label_s1.png'])
    assert.deepEqual(readFileSync(join(av, f)), readFileSync(join(plain, f)), f);
  const dataset = openDiasDataset(av);
  assert.deepEqual(dataset.problems, []);
  assert.ok(!dataset.scribbleSets.includes('labels_av'), 'labels_av is not a scribble set');
  const ref = dataset.find(0)!;
  assert.equal(ref.labelAv, join(av, 'training', 'labels_av', 'label_s0.png'));
  const label = readGrayPng(join(av, 'training/labels/label_s0.png')).data;
  const labelAv = readGrayPng(ref.labelAv).data;
  let veins = 0;
  for (let i = 0; i < label.length; i++) {
    assert.ok([0, 1, 2].includes(labelAv[i]));
    assert.equal(labelAv[i] === 1, label[i] === 255, `pixel ${i}`);
    if (labelAv[i] === 2) veins++;
  }
  assert.ok(veins > 0, 'some vein pixels');
  assert.deepEqual(checkDataset(av).problems, []);
  const broken = join(av, 'test', 'labels_av', 'label_s1.png');
  writeGrayPng(broken, 64, 64, new Uint8Array(64 * 64).fill(7));
  assert.deepEqual(
    checkDataset(av).problems.map((p) => [p.path, p.problem]),
    [[broken, 'artery/vein label values must be 0 (background), 1 (artery) or 2 (vein); found 7']],
  );
  const ttp = readNpy(join(av, 'training/timing/s0_ttp_ms.npy'));
  assert.deepEqual(ttp.shape, [64, 64]);
  for (let i = 0; i < ttp.data.length; i++) if (!labelAv[i]) assert.ok(Number.isNaN(ttp.data[i]));
});

test('--complete-run: frame folders with frame times, label, av label and timing truth, read back as sequences', async () => {
  const out = join(root, 'runs');
  const logs: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void logs.push(a.join(' '));
  try {
    const args = ['--out', out, '--complete-run', '--runs', '1', '--size', '64', '--frames', '20', '--classes', 'av'];
    assert.equal(await synthCommand.run([...args, '--workers', '1', '--no-progress', '--json']), 0);
  } finally {
    console.log = log;
  }
  const summary = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8'));
  const seq = await readSequence(join(out, 's0'));
  assert.equal(seq.T, 20);
  assert.deepEqual(seq.meta.frameTimes, summary.sequences[0].frameTimesMs);
  const times = seq.meta.frameTimes!;
  assert.ok(times[19] >= 9000, `the run lasts into the venous phase (${times[19]} ms)`);
  assert.ok(seq.label && seq.label.some((v) => v === 1));
  const labelAv = readGrayPng(join(out, 's0/truth/label_av.png')).data;
  const arrival = readNpy(join(out, 's0/truth/arrival_ms.npy')).data;
  const ttp = readNpy(join(out, 's0/truth/ttp_ms.npy')).data;
  let known = 0;
  for (let i = 0; i < arrival.length; i++) {
    if (Number.isNaN(ttp[i])) continue;
    known++;
    assert.ok(labelAv[i] > 0);
    // The first frame is before the contrast arrives; the peak follows the arrival.
    assert.ok(arrival[i] > 0 && ttp[i] > arrival[i], `pixel ${i}: arrival ${arrival[i]}, ttp ${ttp[i]}`);
  }
  assert.ok(known > 50, `${known} pixels with timing truth`);
  assert.ok(!existsSync(join(out, 'training')), 'no splits');
});

test('CLI: frame counts, --runs, split counts and --classes are checked', async () => {
  const bad: [string[], RegExp][] = [
    [['--frames', '30'], /4\.\.9.*--complete-run/],
    [['--complete-run', '--frames', '12'], /complete run has 20\.\.60 frames/],
    [['--runs', '3'], /--runs needs --complete-run/],
    [['--complete-run', '--training', '3'], /--training does not apply to --complete-run/],
    [['--classes', 'veins'], /--classes must be artery or av/],
  ];
  for (const [extra, message] of bad) {
    await assert.rejects(
      synthCommand.run(['--out', join(root, 'bad'), '--no-progress', ...extra]),
      (e: Error) => e instanceof UsageError && message.test(e.message),
      extra.join(' '),
    );
  }
});
