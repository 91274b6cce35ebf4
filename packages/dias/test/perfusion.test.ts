// dias perfusion: per-pixel timing against the synthetic generator's truth on complete runs (the bolus timing is
// known exactly: data/synth/truth.ts), the formulas on curves with a known answer, and the command's outputs and
// errors (bad sidecar, bad mask: exit 1 naming the file; bad flags: exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPreset } from '../src/data/synth/presets.js';
import { generateSequence } from '../src/data/synth/generate.js';
import { writeDataset } from '../src/data/synth/write-dataset.js';
import { parabolaVertex, perfusionMaps } from '../src/eval/perfusion.js';
import { readNpy } from '../src/data/readers/npy-array.js';
import { readGrayPng, writeGrayPng } from '../src/image/png.js';
import type { DsaSequence } from '../src/data/sequence.js';
import { perfusionCommand } from '../src/cli/perfusion.js';
import { exitCodeOf } from '../src/cli/command.js';
import { writeTinyRun } from './eval-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'dias-perfusion-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

test('parabola vertex: exact for a quadratic peak sampled at uneven times', () => {
  const c = (t: number) => 50 - 0.0002 * (t - 1234) ** 2;
  const [t, v] = parabolaVertex(900, c(900), 1200, c(1200), 1700, c(1700))!;
  assert.ok(Math.abs(t - 1234) < 1e-6 && Math.abs(v - 50) < 1e-6, `${t} ${v}`);
  assert.equal(parabolaVertex(0, 1, 1, 0, 2, 1), null, 'a valley has no peak');
});

test('maps of a constructed curve: ttp, arrival by interpolation, peak, NaN without contrast or outside the mask', () => {
  // Two pixels: one with a triangular-then-quadratic bolus, one flat; times uneven; vessels dark.
  const times = [0, 300, 700, 1000, 1200, 1500, 2100, 3000];
  const opac = [0, 0, 10, 40, 50, 40, 10, 0]; // peak at 1200 between 40 at 1000 and 40 at 1500
  const T = times.length;
  const frames = new Float32Array(T * 2);
  for (let k = 0; k < T; k++) {
    frames[2 * k] = 200 - opac[k];
    frames[2 * k + 1] = 200;
  }
  const seq: DsaSequence = { id: 'c', source: 'constructed', frames, T, H: 1, W: 2, meta: { frameTimes: times } };
  const m = perfusionMaps(seq, { minOpacification: 5 });
  const [tv, pv] = parabolaVertex(1000, 40, 1200, 50, 1500, 40)!;
  assert.ok(Math.abs(m.maps.ttp[0] - tv) < 1e-3 && Math.abs(m.maps.peak[0] - pv) < 1e-3);
  // 20% of the peak: between 10 (700 ms) and 40 (1000 ms).
  const level = 0.2 * pv;
  assert.ok(Math.abs(m.maps.arrival[0] - (700 + ((level - 10) / 30) * 300)) < 1e-3);
  assert.ok(m.maps.mtt[0] > 0 && m.maps.mtt[0] < 2000);
  assert.ok(Number.isNaN(m.maps.ttp[1]) && Number.isNaN(m.maps.arrival[1]));
  const masked = perfusionMaps(seq, { minOpacification: 5, mask: Uint8Array.from([0, 1]) });
  assert.equal(masked.pixels, 0);
  assert.throws(() => perfusionMaps({ ...seq, meta: {} }), /no frame times.*frame_times\.json/);
});

test('synthetic complete runs: time to peak and arrival within a fraction of the frame interval', () => {
  const o = getPreset('small');
  Object.assign(o, { width: 128, height: 128, frames: [24, 30], completeRun: true, timingMaps: true });
  const errors = { ttp: [] as number[], arrival: [] as number[] };
  const intervals: number[] = [];
  let truthPixels = 0;
  for (const id of [0, 1]) {
    const s = generateSequence(0, id, o);
    const n = s.W * s.H;
    const frames = new Float32Array(s.frames.length * n);
    s.frames.forEach((f, k) => frames.set(f, k * n));
    const seq: DsaSequence = {
      id: String(id),
      source: `synthetic s${id}`,
      frames,
      T: s.frames.length,
      H: s.H,
      W: s.W,
      meta: { frameTimes: s.frameTimesMs },
    };
    const m = perfusionMaps(seq);
    s.frameTimesMs.slice(1).forEach((t, k) => intervals.push(t - s.frameTimesMs[k]));
    const truth = s.timingTruth!;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(truth.ttpMs[i])) continue;
      truthPixels++;
      if (!Number.isFinite(m.maps.ttp[i])) continue;
      errors.ttp.push(Math.abs(m.maps.ttp[i] - truth.ttpMs[i]));
      errors.arrival.push(Math.abs(m.maps.arrival[i] - truth.arrivalMs[i]));
    }
  }
  const interval = median(intervals);
  const [ttp, arrival] = [median(errors.ttp), median(errors.arrival)];
  console.log(
    `median |error| over ${errors.ttp.length} of ${truthPixels} vessel pixels with timing truth: time to peak ${ttp.toFixed(0)} ms, arrival ${arrival.toFixed(0)} ms (median frame interval ${interval.toFixed(0)} ms)`,
  );
  assert.ok(errors.ttp.length > 0.7 * truthPixels, 'most vessel pixels get a value');
  assert.ok(ttp < 0.25 * interval, `time to peak: median error ${ttp} ms, interval ${interval} ms`);
  assert.ok(arrival < 0.5 * interval, `arrival: median error ${arrival} ms, interval ${interval} ms`);
});

test('CLI: maps as .npy and PNG; a bad sidecar or mask fails naming the file (exit 1); bad flags exit 2', async () => {
  const data = join(root, 'runs');
  const o = getPreset('small');
  Object.assign(o, {
    width: 48,
    height: 48,
    frames: [20, 20],
    completeRun: true,
    timingMaps: true,
    classes: 'av',
    counts: { training: 1, validation: 0, test: 0, unlabeled: 0 },
  });
  await writeDataset({ out: data, seed: 1, preset: 'tiny', options: o, workers: 1 });
  const run = join(data, 's0');
  const out = join(root, 'out');
  const logs: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void logs.push(a.join(' '));
  try {
    const args = [run, '--out', out, '--no-progress'];
    assert.equal(await perfusionCommand.run([...args, '--mask', join(run, 'truth/label_av.png'), '--json']), 0);
    const result = JSON.parse(logs.at(-1)!);
    for (const m of ['arrival', 'ttp', 'peak', 'mtt']) {
      assert.deepEqual(readNpy(join(out, `s0_${m}.npy`)).shape, [48, 48]);
      assert.ok(readGrayPng(join(out, `s0_${m}.png`)).width > 48, 'the picture has a colour bar');
    }
    assert.equal(result.frames, 20);
    const summary = JSON.parse(readFileSync(join(out, 's0_perfusion.json'), 'utf8'));
    assert.equal(summary.frame_times_ms.length, 20);
    // Again without --overwrite: a usage error; with it, fine.
    const again = perfusionCommand.run(args);
    await assert.rejects(again, (e: Error) => exitCodeOf(e) === 2 && /--overwrite/.test(e.message));
    assert.equal(await perfusionCommand.run([...args, '--overwrite', '--maps', 'ttp']), 0);

    const fails = async (extra: string[], code: number, message: RegExp) =>
      assert.rejects(
        perfusionCommand.run([run, '--out', join(root, 'x'), '--no-progress', ...extra]),
        (e: Error) => exitCodeOf(e) === code && message.test(e.message),
        `${extra.join(' ')}: expected exit ${code} and ${message}`,
      );
    const sidecar = join(run, 'frame_times.json');
    const good = readFileSync(sidecar, 'utf8');
    writeFileSync(sidecar, '[0, 100]');
    await fails([], 1, new RegExp(`${sidecar.replace(/[.\\/]/g, '\\$&')}: 2 frame times for 20 frames`));
    writeFileSync(sidecar, good);
    const badMask = join(root, 'grey.png');
    writeGrayPng(badMask, 48, 48, new Uint8Array(48 * 48).fill(128));
    await fails(['--mask', badMask], 1, /grey\.png: mask values must be/);
    const small = join(root, 'small.png');
    writeGrayPng(small, 8, 8, new Uint8Array(64));
    await fails(['--mask', small], 1, /small\.png: 8x8, but/);
    await fails(['--maps', 'ttp,speed'], 2, /unknown map 'speed'/);
    await fails(['--baseline-frames', '0'], 2, /baseline-frames/);
    await fails(['--mask', join(root, 'none.png')], 2, /no such file/);
    await fails(['--mask-class', 'vein'], 2, /--mask-class needs --mask/);
    await fails(['--run', join(root, 'no-run')], 2, /no such run folder/);
    await fails(['--run', join(root, 'no-run'), '--mask', 'label'], 2, /either --mask or --run/);
    await fails(['--checkpoint', 'best'], 2, /--checkpoint goes with --run/);
    assert.ok(!existsSync(join(root, 'x')), 'nothing written by the failures');

    // --run: the maps only where a model's segmentation says vessel (a tiny FR_UNet with random weights here).
    const runDir = join(root, 'tiny-run');
    writeTinyRun(runDir);
    const segOut = join(root, 'seg');
    assert.equal(
      await perfusionCommand.run([run, '--out', segOut, '--run', runDir, '--maps', 'ttp', '--no-progress']),
      0,
    );
    const masked = readNpy(join(segOut, 's0_ttp.npy')).data;
    const unmasked = readNpy(join(out, 's0_ttp.npy')).data;
    let kept = 0;
    for (let i = 0; i < masked.length; i++) {
      if (Number.isFinite(masked[i])) {
        kept++;
        assert.equal(masked[i], unmasked[i]);
      }
    }
    assert.ok(kept > 0 && kept < unmasked.filter(Number.isFinite).length, `${kept} pixels kept`);
    assert.match(JSON.parse(readFileSync(join(segOut, 's0_perfusion.json'), 'utf8')).mask, /segmentation by/);
  } finally {
    console.log = log;
  }
});
