// What `dias perfusion` writes per sequence, and what the server serves: each map as float32 .npy (H, W; NaN where
// no value) and as a colour-coded PNG with its colour bar (perfusion-picture.ts), and a JSON summary (frame times,
// noise, threshold, the colour range of each map, the definitions). Every file is written atomically.
import { join } from 'node:path';
import { writeFileAtomic } from '@dias-ts/torch';
import { encodeNpy } from '../data/readers/npy-array.js';
import type { DsaSequence } from '../data/sequence.js';
import { writeRgbPng } from '../image/png.js';
import { parametricPicture, valueRange } from './perfusion-picture.js';
import {
  ARRIVAL_FRACTION,
  MTT_WINDOW_FRACTION,
  PERFUSION_TITLES,
  PERFUSION_UNITS,
  type PerfusionMapName,
  type PerfusionMaps,
} from './perfusion.js';

export interface PerfusionFiles {
  npy: Record<string, string>;
  png: Record<string, string>;
  summary: string;
}

export function perfusionOutputFiles(dir: string, stem: string, maps: readonly PerfusionMapName[]): PerfusionFiles {
  return {
    npy: Object.fromEntries(maps.map((m) => [m, join(dir, `${stem}_${m}.npy`)])),
    png: Object.fromEntries(maps.map((m) => [m, join(dir, `${stem}_${m}.png`)])),
    summary: join(dir, `${stem}_perfusion.json`),
  };
}

/** The MinIP of a sequence: the background the colour-coded maps are drawn over. */
export function minimumProjection(seq: DsaSequence): Float32Array {
  const n = seq.H * seq.W;
  const out = Float32Array.from(seq.frames.subarray(0, n));
  for (let k = 1; k < seq.T; k++) {
    const f = seq.frames.subarray(k * n, (k + 1) * n);
    for (let i = 0; i < n; i++) if (f[i] < out[i]) out[i] = f[i];
  }
  return out;
}

/** The colour-coded picture of one map (time maps red early, blue late). */
export function perfusionPicture(result: PerfusionMaps, name: PerfusionMapName, background: Float32Array) {
  return parametricPicture(result.maps[name], background, result.W, result.H, {
    title: PERFUSION_TITLES[name],
    unit: PERFUSION_UNITS[name],
    reverse: PERFUSION_UNITS[name] === 'ms' && name !== 'mtt',
  });
}

export function writePerfusionOutputs(
  dir: string,
  stem: string,
  seq: DsaSequence,
  result: PerfusionMaps,
  maps: readonly PerfusionMapName[],
  extra: Record<string, unknown> = {},
): PerfusionFiles {
  const files = perfusionOutputFiles(dir, stem, maps);
  const background = minimumProjection(seq);
  const ranges: Record<string, [number, number]> = {};
  for (const m of maps) {
    writeFileAtomic(files.npy[m], encodeNpy([result.H, result.W], result.maps[m]));
    writeRgbPng(files.png[m], perfusionPicture(result, m, background));
    ranges[m] = valueRange(result.maps[m]);
  }
  const summary = {
    source: seq.source,
    id: seq.id,
    frames: seq.T,
    width: result.W,
    height: result.H,
    frame_times_ms: result.frameTimes,
    noise: result.noise,
    threshold: result.threshold,
    pixels: result.pixels,
    units: Object.fromEntries(maps.map((m) => [m, PERFUSION_UNITS[m]])),
    colour_range: ranges,
    definitions: {
      opacification: 'baseline - value (vessels dark); baseline = mean of the first baseline frames',
      ttp: 'vertex of the parabola through the largest opacification sample and its neighbours, ms from the first frame',
      arrival: `first reaching ${ARRIVAL_FRACTION * 100}% of the peak on the rise to it (linear between frames), ms from the first frame`,
      peak: 'peak opacification (parabola vertex), grey levels',
      mtt: `first moment of the curve over its bolus window (contiguous samples >= ${MTT_WINDOW_FRACTION * 100}% of the peak) minus the arrival, ms`,
    },
    ...extra,
    files: { ...files.npy, ...Object.fromEntries(maps.map((m) => [`${m}_png`, files.png[m]])) },
  };
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return files;
}
