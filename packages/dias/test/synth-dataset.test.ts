// dias synth: the DIAS layout and counts for a tiny custom preset, byte-for-byte determinism (per seed, per
// sequence, and across worker counts), a DIAS reader opening the result, and the CLI's handling of bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { getPreset, type SynthOptions } from '../src/data/synth/presets.js';
import { splitOf, writeDataset, type DatasetSummary } from '../src/data/synth/write-dataset.js';
import { generateSequence } from '../src/data/synth/generate.js';
import { openDiasDataset } from '../src/data/readers/dias-layout.js';
import { readGrayPng } from '../src/image/png.js';
import { synthCommand } from '../src/cli/synth.js';
import { UsageError } from '../src/cli/command.js';

function tiny(): SynthOptions {
  const o = getPreset('small');
  o.width = 64;
  o.height = 64;
  o.frames = [4, 5];
  o.counts = { training: 2, validation: 1, test: 1, unlabeled: 1 };
  return o;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

const root = mkdtempSync(join(tmpdir(), 'dias-synth-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

test('tiny preset: DIAS layout, ids running on across splits, labels and scribbles where they belong', async () => {
  const out = join(root, 'layout');
  const summary = await writeDataset({ out, seed: 5, preset: 'tiny', options: tiny(), workers: 1 });
  const files = listFiles(out);
  // Sequence ids 0..4: s0, s1 training, s2 validation, s3 test, s4 unlabelled.
  const expectSplit = ['training', 'training', 'validation', 'test', 'unlabeled'];
  for (let id = 0; id < 5; id++) {
    const split = expectSplit[id];
    const frames = files.filter((f) => f.startsWith(`${split}/images/image_s${id}_i`));
    assert.ok(frames.length >= 4 && frames.length <= 5, `s${id}: ${frames.length} frames`);
    // Frames numbered 0..T-1.
    for (let k = 0; k < frames.length; k++) assert.ok(files.includes(`${split}/images/image_s${id}_i${k}.png`));
    assert.equal(summary.sequences[id].frames, frames.length);
    assert.equal(files.includes(`${split}/labels/label_s${id}.png`), split !== 'unlabeled', `label of s${id}`);
    assert.equal(files.includes(`training/scribbles/label_s${id}.png`), split === 'training');
    assert.equal(files.includes(`training/scribbles_annotator/label_s${id}.png`), split === 'training');
  }
  assert.ok(files.includes('dataset.json') && files.includes('README.md'));
  // No stray files (temporary files of atomic writes must be gone).
  assert.equal(files.filter((f) => f.includes('.tmp')).length, 0);
  const json = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')) as DatasetSummary;
  assert.deepEqual(json.counts, { training: 2, validation: 1, test: 1, unlabeled: 1 });
  assert.equal(json.seed, 5);
  assert.equal(json.sequences.length, 5);
  // Image content: 8-bit 64x64 grey; label 0/255 with some artery; scribbles 0/1/255.
  const img = readGrayPng(join(out, 'training/images/image_s0_i0.png'));
  assert.equal(img.width, 64);
  assert.equal(img.bitDepth, 8);
  const label = readGrayPng(join(out, 'test/labels/label_s3.png'));
  assert.ok(label.data.every((v) => v === 0 || v === 255));
  assert.ok(
    label.data.some((v) => v === 255),
    'the label marks some artery',
  );
  // The project's DIAS reader opens it without complaint and sees both scribble sets.
  const ds = openDiasDataset(out);
  assert.deepEqual(ds.problems, []);
  assert.deepEqual(
    ds.splits.training.map((s) => s.id),
    [0, 1],
  );
  assert.deepEqual(
    ds.splits.unlabelled.map((s) => s.id),
    [4],
  );
  assert.deepEqual([...ds.scribbleSets].sort(), ['scribbles', 'scribbles_annotator']);
  const seq = ds.load(ds.splits.training[0], { frames: 'native', scribble: 'scribbles_annotator' });
  assert.equal(seq.T, summary.sequences[0].frames);
  assert.ok(seq.scribble && seq.scribble.every((v) => v === 0 || v === 1 || v === 255));
});

test('same seed gives identical bytes (with 1 or 2 worker threads); another seed differs', async () => {
  const a = join(root, 'a');
  const b = join(root, 'b');
  const c = join(root, 'c');
  await writeDataset({ out: a, seed: 9, preset: 'tiny', options: tiny(), workers: 1 });
  await writeDataset({ out: b, seed: 9, preset: 'tiny', options: tiny(), workers: 2 });
  await writeDataset({ out: c, seed: 10, preset: 'tiny', options: tiny(), workers: 1 });
  const fa = listFiles(a);
  assert.deepEqual(listFiles(b), fa);
  for (const f of fa) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs between runs`);
  // Different seed: frames differ (file lists may differ too, frame counts being random).
  const frame = 'training/images/image_s0_i0.png';
  assert.ok(!readFileSync(join(a, frame)).equals(readFileSync(join(c, frame))));
});

test('a sequence depends only on (seed, id): not on the split counts around it', () => {
  const o1 = tiny();
  const o2 = tiny();
  o2.counts = { training: 7, validation: 0, test: 0, unlabeled: 0 };
  const s1 = generateSequence(3, 1, o1);
  const s2 = generateSequence(3, 1, o2);
  assert.equal(s1.frames.length, s2.frames.length);
  s1.frames.forEach((f, k) => assert.deepEqual(f, s2.frames[k]));
  assert.deepEqual(s1.label, s2.label);
  assert.equal(splitOf(1, o1.counts), 'training');
  assert.equal(splitOf(2, o1.counts), 'validation');
  assert.equal(splitOf(4, o1.counts), 'unlabeled');
  assert.throws(() => splitOf(5, o1.counts), /beyond/);
});

test('CLI: writes with --no-progress, refuses a non-empty folder without --force, rejects bad options', async () => {
  const out = join(root, 'cli');
  const args = [
    '--out',
    out,
    '--preset',
    'small',
    '--size',
    '48',
    '--frames',
    '4',
    '--training',
    '1',
    '--validation',
    '0',
    '--test',
    '1',
    '--unlabeled',
    '0',
    '--workers',
    '1',
    '--no-progress',
    '--json',
  ];
  const logs: string[] = [];
  const log = console.log;
  console.log = (m: string) => logs.push(m);
  try {
    await cliChecks(out, args, logs);
  } finally {
    console.log = log;
  }
});

async function cliChecks(out: string, args: string[], logs: string[]): Promise<void> {
  assert.equal(await synthCommand.run(args), 0);
  const result = JSON.parse(logs.at(-1)!);
  assert.deepEqual(result.counts, { training: 1, validation: 0, test: 1, unlabeled: 0 });
  assert.ok(existsSync(join(out, 'test/images/image_s1_i3.png')));
  assert.ok(!existsSync(join(out, 'test/images/image_s1_i4.png')), '--frames 4 gives exactly 4 frames');
  await assert.rejects(
    synthCommand.run(args),
    (e: Error) => e instanceof UsageError && /not empty.*--force/.test(e.message),
  );
  // --force replaces, leaving foreign files alone.
  writeFileSync(join(out, 'notes.txt'), 'mine');
  assert.equal(await synthCommand.run([...args.filter((a) => a !== '--json'), '--force']), 0);
  assert.ok(existsSync(join(out, 'notes.txt')));
  const bad: [string[], RegExp][] = [
    [['--preset', 'huge'], /unknown preset/],
    [['--frames', '9-4'], /--frames/],
    [['--size', '0'], /--size/],
    [['--size', '20'], /width must be/],
    [['--noise', 'loud'], /--noise needs a number/],
    [['--text', '2'], /textProbability/],
    [['--training', '0', '--validation', '0', '--test', '0', '--unlabeled', '0'], /nothing to generate/],
  ];
  for (const [extra, message] of bad) {
    const dir = join(root, 'bad');
    await assert.rejects(
      synthCommand.run(['--out', dir, '--no-progress', ...extra]),
      (e: Error) => e instanceof UsageError && message.test(e.message),
      extra.join(' '),
    );
  }
  await assert.rejects(synthCommand.run(['--no-progress']), /--out DIR is required/);
  assert.ok(
    logs.some((l) => /wrote 2 sequences/.test(l)),
    'the plain run reports what it wrote',
  );
}
