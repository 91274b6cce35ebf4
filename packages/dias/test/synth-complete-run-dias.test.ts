// Complete runs in the DIAS layout (issue 20 part 5; no official source, the DIAS release has no frame times):
// `dias synth --complete-run --layout dias` writes 20-60-frame runs with splits and each run's own frame times as
// images/image_s{n}.frame_times.json; the DIAS reader attaches them, training resamples the runs to T frames,
// `dias bench av-ttp` uses each run's times, and a bad or missing sidecar is reported naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPreset, type SynthOptions } from '../src/data/synth/presets.js';
import { writeDataset } from '../src/data/synth/write-dataset.js';
import { diasFrameTimesPath, openDiasDataset } from '../src/data/readers/dias-layout.js';
import { checkDataset } from '../src/data/readers/dataset-check.js';
import { readSequence } from '../src/data/readers/read-sequence.js';
import { loadTrainingData } from '../src/train/training-data.js';
import { loadTtpSamples } from '../src/bench/ttp-artery-vein.js';
import { perfusionMaps } from '../src/eval/perfusion.js';
import { synthCommand } from '../src/cli/synth.js';
import { UsageError } from '../src/cli/command.js';

const root = mkdtempSync(join(tmpdir(), 'dias-synth-run-dias-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

function runs(): SynthOptions {
  const o = getPreset('small');
  o.width = 64;
  o.height = 64;
  o.frames = [20, 24];
  o.counts = { training: 2, validation: 1, test: 1, unlabeled: 0 };
  return { ...o, completeRun: true, layout: 'dias', classes: 'av' };
}

interface Summary {
  sequences: { id: number; split: string; frames: number; frameTimesMs: number[] }[];
}

function summaryOf(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as Summary;
}

/** Every file under dir, relative, sorted. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(dir, join(prefix, e.name)) : [join(prefix, e.name)]))
    .sort();
}

const data = join(root, 'data');
const written = writeDataset({ out: data, seed: 5, preset: 'small', options: runs(), workers: 1 });

test('the DIAS layout with splits, 20-24 frames per run and each run its own frame times', async () => {
  await written;
  const summary = summaryOf(data);
  assert.deepEqual(
    summary.sequences.map((s) => s.split),
    ['training', 'training', 'validation', 'test'],
  );
  for (const s of summary.sequences) {
    const images = join(data, s.split, 'images');
    const frames = readdirSync(images).filter((n) => n.startsWith(`image_s${s.id}_i`));
    assert.equal(frames.length, s.frames);
    assert.ok(s.frames >= 20 && s.frames <= 24, `s${s.id}: ${s.frames} frames`);
    const sidecar = JSON.parse(readFileSync(diasFrameTimesPath(images, s.id), 'utf8')) as { frame_times_ms: number[] };
    assert.deepEqual(sidecar.frame_times_ms, s.frameTimesMs, `s${s.id}: the sidecar holds dataset.json's times`);
    assert.ok(existsSync(join(data, s.split, 'labels', `label_s${s.id}.png`)));
    assert.ok(existsSync(join(data, s.split, 'labels_av', `label_s${s.id}.png`)));
  }
  // Each run has its own times: not one list for all.
  const lists = new Set(summary.sequences.map((s) => JSON.stringify(s.frameTimesMs)));
  assert.equal(lists.size, summary.sequences.length);
  const dataset = openDiasDataset(data);
  assert.deepEqual(dataset.problems, []);
  assert.deepEqual(checkDataset(data).problems, []);
  for (const s of summary.sequences) {
    const ref = dataset.find(s.id)!;
    const seq = dataset.load(ref, { frames: 'native', labels: 'av', scribble: false });
    assert.equal(seq.T, s.frames);
    assert.deepEqual(seq.meta.frameTimes, s.frameTimesMs, `s${s.id}: the reader attaches the run's own times`);
    assert.ok(
      seq.label!.some((v) => v === 2),
      'veins in the av label',
    );
    const eight = dataset.load(ref, { frames: 8, labels: 'av', scribble: false });
    assert.equal(eight.T, 8);
    assert.equal(eight.meta.resampledFrom, s.frames);
    assert.equal(eight.meta.frameTimes?.length, 8);
    assert.equal(eight.meta.warnings, undefined, 'a timed run of 20-24 frames resampled without a warning');
  }
  // `dias perfusion DIR --id N` reads the same times.
  const viaPath = await readSequence(data, { id: 's3' });
  assert.deepEqual(viaPath.meta.frameTimes, summary.sequences[3].frameTimesMs);
});

test('same seed, same bytes; the run-folder layout is unchanged by the option', async () => {
  await written;
  const again = join(root, 'again');
  await writeDataset({ out: again, seed: 5, preset: 'small', options: runs(), workers: 2 });
  const names = files(data);
  assert.deepEqual(files(again), names);
  for (const n of names) assert.deepEqual(readFileSync(join(again, n)), readFileSync(join(data, n)), n);
  // The same runs as frame folders: the frames and frame times of s0 are those of the DIAS layout's s0.
  const folders = join(root, 'folders');
  const { layout: _layout, ...options } = runs();
  await writeDataset({
    out: folders,
    seed: 5,
    preset: 'small',
    options: { ...options, counts: { training: 1, validation: 0, test: 0, unlabeled: 0 } },
    workers: 1,
  });
  assert.deepEqual(
    readFileSync(join(folders, 's0', 'frame_3.png')),
    readFileSync(join(data, 'training', 'images', 'image_s0_i3.png')),
  );
  assert.deepEqual(
    (JSON.parse(readFileSync(join(folders, 's0', 'frame_times.json'), 'utf8')) as { frame_times_ms: number[] })
      .frame_times_ms,
    summaryOf(data).sequences[0].frameTimesMs,
  );
});

test('training reads the runs resampled to T frames; av-ttp takes each run its own times', async () => {
  await written;
  const td = loadTrainingData(data, { frames: 12, withValidation: true, targets: 'label', labels: 'av' });
  assert.equal(td.training.length, 2);
  assert.equal(td.validation.length, 1);
  for (const s of [...td.training, ...td.validation]) assert.equal(s.T, 12);
  assert.equal(td.frameNote, undefined, 'no note: runs with frame times may have 20-24 frames');
  const samples = loadTtpSamples(data, ['training', 'validation', 'test']);
  const dataset = openDiasDataset(data);
  for (const sample of samples) {
    const seq = dataset.load(dataset.find(Number(sample.id.slice(1)))!, { frames: 'native', labels: 'av' });
    const expected = perfusionMaps(seq).maps.ttp;
    assert.deepEqual(sample.ttp, expected, `${sample.id}: time to peak in the run's own times`);
  }
});

test('a bad or missing frame-time sidecar, or dataset.json entry, is reported naming the file', async () => {
  await written;
  const copy = join(root, 'broken');
  await writeDataset({ out: copy, seed: 5, preset: 'small', options: runs(), workers: 1 });
  const images = join(copy, 'test', 'images');
  const sidecar = diasFrameTimesPath(images, 3);
  const { frame_times_ms: times } = JSON.parse(readFileSync(sidecar, 'utf8')) as { frame_times_ms: number[] };

  writeFileSync(sidecar, JSON.stringify({ frame_times_ms: times.slice(1) }));
  const dataset = openDiasDataset(copy);
  assert.throws(
    () => dataset.load(dataset.find(3)!, { frames: 'native' }),
    (e: Error) => e.message === `${sidecar}: ${times.length - 1} frame times for ${times.length} frames`,
  );
  assert.deepEqual(
    checkDataset(copy).problems.map((p) => [p.path, p.problem]),
    [[sidecar, `${times.length - 1} frame times for ${times.length} frames`]],
  );
  assert.throws(() => loadTtpSamples(copy, ['test']), new RegExp(sidecar.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  writeFileSync(sidecar, JSON.stringify({ frame_times_ms: [...times.slice(0, -1), 0] }));
  assert.throws(() => dataset.load(dataset.find(3)!, { frames: 'native' }), /frame times must increase/);

  unlinkSync(sidecar);
  // Without times the run is an untimed sequence, so DIAS's 4-9 frames apply to it too.
  assert.deepEqual(
    openDiasDataset(copy).problems.map((p) => [p.path, p.problem.replace(/ \(e\.g\. .*\)$/, '')]),
    [
      [join(images, 'image_s3_i*.png'), `${times.length} frames; DIAS sequences have 4 to 9`],
      [sidecar, 'missing: s3 has no frame times, but other sequences have theirs'],
    ],
  );

  // Without its sidecar, av-ttp falls back on dataset.json; an entry there that is not a list of numbers, or
  // does not count the frames, is an error naming dataset.json.
  const json = join(copy, 'dataset.json');
  const summary = summaryOf(copy);
  assert.equal(loadTtpSamples(copy, ['test']).length, 1, 'dataset.json times for s3');
  summary.sequences[3].frameTimesMs = times.slice(2);
  writeFileSync(json, JSON.stringify(summary));
  assert.throws(
    () => loadTtpSamples(copy, ['test']),
    (e: Error) => e.message === `${json}: sequence s3: ${times.length - 2} frame times for its ${times.length} frames`,
  );
  (summary.sequences[3] as { frameTimesMs: unknown }).frameTimesMs = 'soon';
  writeFileSync(json, JSON.stringify(summary));
  assert.throws(
    () => loadTtpSamples(copy, ['test']),
    (e: Error) => e.message === `${json}: sequence s3: frameTimesMs is not a list of numbers (ms)`,
  );
});

test('CLI: --layout dias takes split counts; --layout and --runs are checked', async () => {
  const out = join(root, 'cli');
  const log = console.log;
  console.log = () => undefined;
  try {
    const args = ['--out', out, '--complete-run', '--layout', 'dias', '--size', '64', '--frames', '20'];
    const counts = ['--training', '1', '--validation', '0', '--test', '1', '--unlabelled', '0'];
    assert.equal(await synthCommand.run([...args, ...counts, '--workers', '1', '--no-progress', '--json']), 0);
  } finally {
    console.log = log;
  }
  const dataset = openDiasDataset(out);
  assert.deepEqual(dataset.problems, []);
  assert.deepEqual([dataset.splits.training.length, dataset.splits.test.length], [1, 1]);
  assert.ok(dataset.splits.test[0].frameTimes);
  assert.ok(!existsSync(join(out, 'test', 'timing')), 'timing truth only with --timing-maps, as for any DIAS set');
  const bad: [string[], RegExp][] = [
    [['--layout', 'dias'], /--layout needs --complete-run/],
    [['--complete-run', '--layout', 'splits'], /--layout must be runs or dias, not 'splits'/],
    [['--complete-run', '--layout', 'dias', '--runs', '3'], /--runs does not apply to --layout dias/],
    [['--complete-run', '--test', '3'], /--test does not apply to --complete-run's frame folders/],
  ];
  for (const [extra, message] of bad) {
    await assert.rejects(
      synthCommand.run(['--out', join(root, 'bad'), '--no-progress', ...extra]),
      (e: Error) => e instanceof UsageError && message.test(e.message),
      extra.join(' '),
    );
  }
});
