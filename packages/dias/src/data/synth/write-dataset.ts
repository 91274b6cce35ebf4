// Writes a synthetic dataset in the DIAS release layout:
//   DIR/{training,validation,test}/images/image_s{n}_i{k}.png   frames, 8-bit
//   DIR/{training,validation,test}/labels/label_s{n}.png        dense artery label, 0/255
//   DIR/training/scribbles/label_s{n}.png                       automatic scribble (1 vessel, 0 bg, 255 none)
//   DIR/training/scribbles_annotator/label_s{n}.png             annotator-like scribble, same encoding
//   DIR/unlabeled/images/image_s{n}_i{k}.png                    unlabelled pool
//   DIR/{training,validation,test}/labels_av/label_s{n}.png     with classes 'av': 0 background, 1 artery, 2 vein
//   DIR/{split}/timing/s{n}_{arrival,ttp}_ms.npy                with timingMaps: the timing truth (truth.ts)
//   DIR/dataset.json, DIR/README.md                             what was generated, and how to read it
// Complete runs (options.completeRun) are written as one frame folder per run instead, which every sequence
// reader opens (frame-folder.ts, with the frame-times sidecar):
//   DIR/s{n}/frame_{k}.png, DIR/s{n}/frame_times.json ({"frame_times_ms": [...]}), DIR/s{n}/label.png (0/255)
//   DIR/s{n}/truth/label_av.png (classes 'av'), DIR/s{n}/truth/{arrival,ttp}_ms.npy (timingMaps)
// or, with options.layout 'dias', in the DIAS layout above (splits, labels, labels_av, scribbles, timing maps when
// asked), each sequence's own frame times beside its frames (the DIAS reader's sidecar, dias-layout.ts):
//   DIR/{split}/images/image_s{n}.frame_times.json ({"frame_times_ms": [...]})
// The frame times are also in dataset.json, as for every synthetic sequence; the sidecar is what readers take.
// Sequence ids run on across splits (training first). Each sequence depends only on (seed, id), so the output
// is the same byte for byte whatever the number of worker threads; every file is written atomically.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { encodeNpy } from '../readers/npy-array.js';
import { FRAME_TIMES_JSON } from '../readers/frame-times.js';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { writeGrayPng } from '../../image/png.js';
import { annotatorScribble, scribbleFromLabel } from '../scribbles.js';
import { startScriptWorker } from '../../worker/script-worker.js';
import { GENERATOR_VERSION, generateSequence, type SynthSequence } from './generate.js';
import { scribbleErosion, type SplitCounts, type SynthOptions } from './presets.js';
import { Rng, hashSeed } from './rng.js';
import { ANNOTATOR_SCRIBBLE_DIR, AUTO_SCRIBBLE_DIR, AV_LABEL_DIR, diasFrameTimesPath } from '../readers/dias-layout.js';

export type SynthSplit = 'training' | 'validation' | 'test' | 'unlabeled';
export const SYNTH_SPLITS: readonly SynthSplit[] = ['training', 'validation', 'test', 'unlabeled'];

export interface SequenceRecord {
  id: number;
  /** The DIAS split (absent for complete runs, which are one folder each). */
  split?: SynthSplit;
  frames: number;
  view: string;
  injection: string;
  side: 'L' | 'R';
  /** Millimetres per pixel at the isocentre. */
  pixelSpacingMm: number;
  /** Frame times in ms from the first frame. */
  frameTimesMs: number[];
  /** Index of the frame with the most arterial contrast (the arterial phase). */
  arterialPhaseFrame: number;
  /** Burned-in text, if any. */
  text: string | null;
  /** Artery pixels in the label (labelled splits). */
  labelPixels?: number;
}

export interface DatasetSummary {
  generator: string;
  preset: string;
  seed: number;
  options: SynthOptions;
  counts: SplitCounts;
  layout: Record<string, string>;
  sequences: SequenceRecord[];
}

export interface WriteDatasetOptions {
  out: string;
  seed: number;
  preset: string;
  options: SynthOptions;
  /** Worker threads (1 = in this thread). */
  workers?: number;
  /** Replace an existing dataset in `out`. */
  force?: boolean;
  /** Called after each sequence. */
  onProgress?: (done: number, total: number) => void;
}

/** The split of sequence `id` (ids are assigned training, validation, test, unlabelled in that order). */
export function splitOf(id: number, counts: SplitCounts): SynthSplit {
  let end = 0;
  for (const s of SYNTH_SPLITS) {
    end += counts[s];
    if (id < end) return s;
  }
  throw new Error(`sequence ${id} is beyond the ${end} sequences of the plan`);
}

export function totalCount(counts: SplitCounts): number {
  return counts.training + counts.validation + counts.test + counts.unlabeled;
}

/** The folder of the timing truth maps in the DIAS layout. */
export const TIMING_DIR = 'timing';

function writeNpyAtomic(path: string, shape: number[], data: Float32Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeNpy(shape, data));
  renameSync(tmp, path);
}

function labelPng(label: Uint8Array): { png: Uint8Array; pixels: number } {
  const png = new Uint8Array(label.length);
  let pixels = 0;
  for (let i = 0; i < png.length; i++) {
    png[i] = label[i] ? 255 : 0;
    pixels += label[i];
  }
  return { png, pixels };
}

function record(s: SynthSequence, id: number, split: SynthSplit | undefined, labelPixels?: number): SequenceRecord {
  return {
    id,
    ...(split ? { split } : {}),
    frames: s.frames.length,
    view: s.scene.view,
    injection: s.scene.injection,
    side: s.scene.side > 0 ? 'R' : 'L',
    pixelSpacingMm: round(s.scene.projection.spacing, 5),
    frameTimesMs: s.frameTimesMs,
    arterialPhaseFrame: s.arterialPhaseFrame,
    text: s.scene.text,
    labelPixels,
  };
}

/** A complete run as a frame folder: DIR/s{n}/ (see the file comment). */
function writeCompleteRun(out: string, seed: number, id: number, options: SynthOptions): SequenceRecord {
  const s = generateSequence(seed, id, options);
  const dir = join(out, `s${id}`);
  mkdirSync(dir, { recursive: true });
  s.frames.forEach((f, k) => writeGrayPng(join(dir, `frame_${k}.png`), s.W, s.H, f));
  writeTextAtomic(join(dir, FRAME_TIMES_JSON), `${JSON.stringify({ frame_times_ms: s.frameTimesMs })}\n`);
  const { png, pixels } = labelPng(s.label);
  writeGrayPng(join(dir, 'label.png'), s.W, s.H, png);
  if (options.classes === 'av' || s.timingTruth) mkdirSync(join(dir, 'truth'), { recursive: true });
  if (options.classes === 'av') writeGrayPng(join(dir, 'truth', 'label_av.png'), s.W, s.H, s.avLabel);
  if (s.timingTruth) {
    writeNpyAtomic(join(dir, 'truth', 'arrival_ms.npy'), [s.H, s.W], s.timingTruth.arrivalMs);
    writeNpyAtomic(join(dir, 'truth', 'ttp_ms.npy'), [s.H, s.W], s.timingTruth.ttpMs);
  }
  return record(s, id, undefined, pixels);
}

/** Generates sequence `id` and writes its files; returns what dataset.json records about it. */
export function writeSequence(out: string, seed: number, id: number, options: SynthOptions): SequenceRecord {
  if (options.completeRun && options.layout !== 'dias') return writeCompleteRun(out, seed, id, options);
  const split = splitOf(id, options.counts);
  const s = generateSequence(seed, id, options);
  const dir = join(out, split);
  mkdirSync(join(dir, 'images'), { recursive: true });
  s.frames.forEach((f, k) => writeGrayPng(join(dir, 'images', `image_s${id}_i${k}.png`), s.W, s.H, f));
  if (options.completeRun)
    writeTextAtomic(
      diasFrameTimesPath(join(dir, 'images'), id),
      `${JSON.stringify({ frame_times_ms: s.frameTimesMs })}\n`,
    );
  let labelPixels: number | undefined;
  if (split !== 'unlabeled') {
    mkdirSync(join(dir, 'labels'), { recursive: true });
    const { png, pixels } = labelPng(s.label);
    labelPixels = pixels;
    writeGrayPng(join(dir, 'labels', `label_s${id}.png`), s.W, s.H, png);
    if (options.classes === 'av') {
      mkdirSync(join(dir, AV_LABEL_DIR), { recursive: true });
      writeGrayPng(join(dir, AV_LABEL_DIR, `label_s${id}.png`), s.W, s.H, s.avLabel);
    }
  }
  if (s.timingTruth) {
    mkdirSync(join(dir, TIMING_DIR), { recursive: true });
    writeNpyAtomic(join(dir, TIMING_DIR, `s${id}_arrival_ms.npy`), [s.H, s.W], s.timingTruth.arrivalMs);
    writeNpyAtomic(join(dir, TIMING_DIR, `s${id}_ttp_ms.npy`), [s.H, s.W], s.timingTruth.ttpMs);
  }
  if (split === 'training') {
    const rng = new Rng(hashSeed(seed, 'scribble', id));
    const auto = rng.fork('auto');
    const human = rng.fork('annotator');
    mkdirSync(join(dir, AUTO_SCRIBBLE_DIR), { recursive: true });
    mkdirSync(join(dir, ANNOTATOR_SCRIBBLE_DIR), { recursive: true });
    writeGrayPng(
      join(dir, AUTO_SCRIBBLE_DIR, `label_s${id}.png`),
      s.W,
      s.H,
      scribbleFromLabel(s.label, s.W, s.H, () => auto.next(), { iterations: scribbleErosion(options) }),
    );
    writeGrayPng(
      join(dir, ANNOTATOR_SCRIBBLE_DIR, `label_s${id}.png`),
      s.W,
      s.H,
      annotatorScribble(s.label, s.W, s.H, () => human.next()),
    );
  }
  return record(s, id, split, labelPixels);
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function writeTextAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Refuses to mix with an existing dataset unless forced; with force, removes only what a previous run wrote. */
function prepareOutput(out: string, force: boolean): void {
  if (existsSync(out)) {
    const entries = readdirSync(out).filter((n) => !n.startsWith('.'));
    if (entries.length > 0 && !force) throw new Error(`${out} is not empty (use --force to replace a dataset there)`);
    if (force)
      for (const name of [...SYNTH_SPLITS, 'dataset.json', 'README.md', ...entries.filter((e) => /^s\d+$/.test(e))])
        rmSync(join(out, name), { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
}

export async function writeDataset(opt: WriteDatasetOptions): Promise<DatasetSummary> {
  const { out, seed, options } = opt;
  const total = totalCount(options.counts);
  prepareOutput(out, opt.force ?? false);
  const workers = Math.max(1, Math.min(opt.workers ?? defaultWorkers(), total));
  const records: SequenceRecord[] = new Array(total);
  if (workers <= 1 || total <= 1) {
    for (let id = 0; id < total; id++) {
      records[id] = writeSequence(out, seed, id, options);
      opt.onProgress?.(id + 1, total);
    }
  } else {
    await runInWorkers(out, seed, options, total, workers, records, opt.onProgress);
  }
  const summary: DatasetSummary = {
    generator: GENERATOR_VERSION,
    preset: opt.preset,
    seed,
    options,
    counts: options.counts,
    layout: layoutOf(options),
    sequences: records,
  };
  writeTextAtomic(join(out, 'dataset.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeTextAtomic(join(out, 'README.md'), readme(summary));
  return summary;
}

function layoutOf(o: SynthOptions): Record<string, string> {
  const timing = o.timingMaps
    ? 'float32 (H, W) ms from the first frame, NaN where no single vessel dominates: arrival = first reaching 20% of the peak opacification, ttp = time to peak'
    : '';
  if (o.completeRun && o.layout !== 'dias') {
    return {
      frames: 's{n}/frame_{k}.png (8-bit, k = 0..T-1 in time order; one folder per complete run)',
      frameTimes: `s{n}/${FRAME_TIMES_JSON} ({"frame_times_ms": [...]}, ms from the first frame)`,
      labels: 's{n}/label.png (0 background, 255 artery)',
      ...(o.classes === 'av' ? { labelsAv: 's{n}/truth/label_av.png (0 background, 1 artery, 2 vein)' } : {}),
      ...(o.timingMaps ? { timing: `s{n}/truth/arrival_ms.npy, s{n}/truth/ttp_ms.npy (${timing})` } : {}),
    };
  }
  return {
    frames: '{split}/images/image_s{n}_i{k}.png (8-bit; n runs on across splits, k = 0..T-1)',
    ...(o.completeRun
      ? {
          frameTimes:
            '{split}/images/image_s{n}.frame_times.json ({"frame_times_ms": [...]}, ms from the first frame; the run\'s own, not evenly spaced)',
        }
      : {}),
    labels: '{split}/labels/label_s{n}.png (0 background, 255 artery) for training, validation, test',
    ...(o.classes === 'av'
      ? {
          labelsAv: `{split}/${AV_LABEL_DIR}/label_s{n}.png (0 background, 1 artery, 2 vein) for training, validation, test`,
        }
      : {}),
    autoScribbles: `training/${AUTO_SCRIBBLE_DIR}/label_s{n}.png (1 vessel, 0 background, 255 unlabelled)`,
    annotatorScribbles: `training/${ANNOTATOR_SCRIBBLE_DIR}/label_s{n}.png (1 vessel, 0 background, 255 unlabelled)`,
    unlabelled: 'unlabeled/images/image_s{n}_i{k}.png',
    ...(o.timingMaps ? { timing: `{split}/${TIMING_DIR}/s{n}_arrival_ms.npy, s{n}_ttp_ms.npy (${timing})` } : {}),
  };
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** Farms sequence ids out to worker threads, one at a time each (the slowest sequence never blocks others). */
function runInWorkers(
  out: string,
  seed: number,
  options: SynthOptions,
  total: number,
  count: number,
  records: SequenceRecord[],
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let done = 0;
    let failed = false;
    const pool: Worker[] = [];
    const stopAll = (): void => {
      for (const w of pool) void w.terminate();
    };
    const feed = (w: Worker): void => {
      if (next < total) w.postMessage({ id: next++ });
      else void w.terminate();
    };
    for (let i = 0; i < count; i++) {
      const w = startWorker({ out, seed, options });
      pool.push(w);
      w.on('message', (msg: { record?: SequenceRecord; error?: string; id: number }) => {
        if (failed) return;
        if (msg.error !== undefined) {
          failed = true;
          stopAll();
          reject(new Error(`sequence ${msg.id}: ${msg.error}`));
          return;
        }
        records[msg.id] = msg.record!;
        done++;
        onProgress?.(done, total);
        if (done === total) {
          stopAll();
          resolve();
        } else feed(w);
      });
      w.on('error', (e) => {
        if (failed) return;
        failed = true;
        stopAll();
        reject(e);
      });
      feed(w);
    }
  });
}

export interface SynthWorkerData {
  out: string;
  seed: number;
  options: SynthOptions;
}

function startWorker(data: SynthWorkerData): Worker {
  return startScriptWorker(import.meta.url, './synth-worker', data);
}

function readme(s: DatasetSummary): string {
  const o = s.options;
  if (o.completeRun && o.layout !== 'dias') {
    const total = totalCount(s.counts);
    return `# Synthetic complete DSA runs

Generated by \`dias synth --complete-run\` (${s.generator}), preset \`${s.preset}\`, seed ${s.seed}: ${total} runs
s0..s${total - 1} of ${o.width}x${o.height}, ${o.frames[0]} to ${o.frames[1]} frames each, from before the contrast arrives
(mask phase) through the arterial and capillary phases to the late venous phase. Every \`s{n}/\` folder is a frame
folder that every dias command reads as one sequence (frame times from its sidecar).

${Object.values(s.layout)
  .map((line) => `- ${line}`)
  .join('\n')}
- \`dataset.json\`: options and per run: view, injection, side, pixel spacing, frame times, the arterial-phase frame.
`;
  }
  const c = s.counts;
  const spacing = (o.fovMm / Math.max(o.width, o.height)).toFixed(3);
  const extra = [
    o.classes === 'av'
      ? `- \`{split}/${AV_LABEL_DIR}/label_s{n}.png\`: artery/vein label, 0 background, 1 artery, 2 vein (visibly\n  opacified vein; where an artery and a vein overlap, artery). Training, validation and test only.`
      : '',
    o.timingMaps
      ? `- \`{split}/${TIMING_DIR}/s{n}_arrival_ms.npy\`, \`s{n}_ttp_ms.npy\`: timing truth, float32 (H, W), ms from the first\n  frame, NaN where no single vessel dominates (arrival: 20% of the peak opacification; ttp: time to peak).`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
  const runs = o.completeRun
    ? `
Complete runs (\`--complete-run --layout dias\`): each sequence runs from before the contrast arrives (mask phase)
through the arterial and capillary phases to the late venous phase, with its own, unevenly spaced frame times in
\`{split}/images/image_s{n}.frame_times.json\` (\`{"frame_times_ms": [...]}\`, ms from the first frame).
`
    : '';
  return `# Synthetic DSA sequences (DIAS layout)

Generated by \`dias synth\` (${s.generator}), preset \`${s.preset}\`, seed ${s.seed}. The same command with the
same seed and options writes the same bytes.
${runs}
| split | sequences | ids |
| --- | --- | --- |
| training | ${c.training} | s0..s${c.training - 1} |
| validation | ${c.validation} | s${c.training}..s${c.training + c.validation - 1} |
| test | ${c.test} | s${c.training + c.validation}..s${c.training + c.validation + c.test - 1} |
| unlabeled | ${c.unlabeled} | s${c.training + c.validation + c.test}..s${c.training + c.validation + c.test + c.unlabeled - 1} |

Frames are ${o.width}x${o.height} 8-bit PNG, ${o.frames[0]} to ${o.frames[1]} raw frames per sequence, nominal
pixel spacing ${spacing} mm at the isocentre (each sequence varies it; see dataset.json).

Layout:

- \`{split}/images/image_s{n}_i{k}.png\`: frame k (0..T-1, in time order) of sequence n; n runs on across splits.
- \`{split}/labels/label_s{n}.png\`: dense label, 255 = artery visibly opacified in at least one frame, 0 =
  background (veins, capillary blush, text and everything else). Training, validation and test only.
- \`training/${AUTO_SCRIBBLE_DIR}/label_s{n}.png\`: automatic scribble (the DIAS authors' recipe: per class with
  more than 900 pixels, erode with a 3x3 square ceil(4 + 6u) times, skeletonise): 1 vessel, 0 background,
  255 unlabelled.
- \`training/${ANNOTATOR_SCRIBBLE_DIR}/label_s{n}.png\`: annotator-like scribble (a few thick strokes with gaps
  along the main vessels, a few over clear background), same encoding.
- \`unlabeled/images/image_s{n}_i{k}.png\`: the unlabelled pool.
- \`dataset.json\`: options, counts and per sequence: view (AP/LAT), injection (ICA/CCA/VERT), side, pixel
  spacing, frame times, the arterial-phase frame, burned-in text.
${extra ? `${extra}\n` : ''}`;
}
