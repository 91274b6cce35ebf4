// Speed benchmark of the synthetic DSA generator (a benchmark, not a test): generates sequences of a preset in
// this thread, times the stages that matter (3D trees and rasterisation, frames, PNG encoding, scribbles), and
// prints JSON with per-sequence means and the projected time for the whole preset on N worker threads.
//   node --conditions=dias-source --import tsx packages/dias/src/bench/synth-bench.ts [preset] [sequences] [workers]
//   node packages/dias/dist/src/bench/synth-bench.js dias 8 2
import { encodeGrayPng } from '../image/png.js';
import { annotatorScribble, scribbleFromLabel } from '../data/scribbles.js';
import { buildScene, generateSequence, rasteriseScene } from '../data/synth/generate.js';
import { getPreset, scribbleErosion } from '../data/synth/presets.js';
import { Rng } from '../data/synth/rng.js';
import { totalCount } from '../data/synth/write-dataset.js';

export interface SynthBenchResult {
  preset: string;
  sequences: number;
  meanFrames: number;
  sceneMs: number;
  sequenceMs: number;
  pngMsPerSequence: number;
  scribbleMsPerTrainingSequence: number;
  projectedPresetSeconds: number;
  workers: number;
}

export function benchSynth(presetName: string, count: number, workers: number): SynthBenchResult {
  const o = getPreset(presetName);
  let sceneMs = 0;
  let sequenceMs = 0;
  let pngMs = 0;
  let scribbleMs = 0;
  let frames = 0;
  for (let id = 0; id < count; id++) {
    let t = performance.now();
    rasteriseScene(buildScene(0, id, o));
    sceneMs += performance.now() - t;
    t = performance.now();
    const s = generateSequence(0, id, o);
    sequenceMs += performance.now() - t;
    frames += s.frames.length;
    t = performance.now();
    for (const f of s.frames) encodeGrayPng(s.W, s.H, f);
    encodeGrayPng(s.W, s.H, s.label);
    pngMs += performance.now() - t;
    t = performance.now();
    const rng = new Rng(id);
    encodeGrayPng(
      s.W,
      s.H,
      scribbleFromLabel(s.label, s.W, s.H, () => rng.next(), { iterations: scribbleErosion(o) }),
    );
    encodeGrayPng(
      s.W,
      s.H,
      annotatorScribble(s.label, s.W, s.H, () => rng.next()),
    );
    scribbleMs += performance.now() - t;
  }
  const perSeq = (sequenceMs + pngMs) / count;
  const total = totalCount(o.counts);
  const projected = (total * perSeq + o.counts.training * (scribbleMs / count)) / 1000 / Math.max(1, workers);
  return {
    preset: presetName,
    sequences: count,
    meanFrames: frames / count,
    sceneMs: Math.round(sceneMs / count),
    sequenceMs: Math.round(sequenceMs / count),
    pngMsPerSequence: Math.round(pngMs / count),
    scribbleMsPerTrainingSequence: Math.round(scribbleMs / count),
    projectedPresetSeconds: Math.round(projected * 10) / 10,
    workers,
  };
}

if (process.argv[1] && /synth-bench\.[jt]s$/.test(process.argv[1])) {
  const [preset = 'dias', count = '6', workers = '2'] = process.argv.slice(2);
  console.log(JSON.stringify(benchSynth(preset, Number(count), Number(workers))));
}
