// Test helpers for the training tests: a tiny DIAS-layout dataset of bright frames crossed by dark lines (the
// "vessels", darkening as contrast arrives), label = the lines, and a tiny model configuration that trains in
// seconds.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePng } from './data-fixture.js';
import { defaultTrainConfig, type TrainConfig } from '../src/train/config.js';

/** A small deterministic generator (xorshift32), so fixtures do not depend on Math.random. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** A label of 2-pixel-wide straight lines between random border points. */
function lineMask(size: number, lines: number, next: () => number): Uint8Array {
  const mask = new Uint8Array(size * size);
  for (let l = 0; l < lines; l++) {
    const [x0, y0, x1, y1] = [next() * size, next() * size, next() * size, next() * size];
    const steps = Math.ceil(2 * Math.hypot(x1 - x0, y1 - y0)) + 1;
    for (let i = 0; i <= steps; i++) {
      const x = Math.round(x0 + ((x1 - x0) * i) / steps);
      const y = Math.round(y0 + ((y1 - y0) * i) / steps);
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ]) {
        if (x + dx < size && y + dy < size) mask[(y + dy) * size + x + dx] = 1;
      }
    }
  }
  return mask;
}

export interface LineDatasetOptions {
  training?: number;
  validation?: number;
  size?: number;
  frames?: number;
  seed?: number;
  /** Sequences of an unlabeled/images pool (frames only), after the labelled splits. */
  unlabelled?: number;
  /** Also write training/scribbles/label_s{n}.png: half the line pixels 1, a sparse background sample 0, the rest 255. */
  scribbles?: boolean;
  /**
   * Arteries and veins: the first line of a sequence is an artery (darkening from the first frame), the others
   * veins (dark only in the second half of the frames); labels/ holds the arteries (0/255) and labels_av/ the
   * classes (0 background, 1 artery, 2 vein; an overlap is artery), as `dias synth --classes av` writes them.
   */
  arteryVein?: boolean;
}

/** Writes training/ and validation/ splits (images + labels) of line sequences under root. */
export function writeLineDataset(root: string, o: LineDatasetOptions = {}): void {
  const { training = 3, validation = 2, size = 48, frames = 4, seed = 7 } = o;
  const next = rng(seed);
  let id = 0;
  for (const [split, count] of [
    ['training', training],
    ['validation', validation],
    ['unlabeled', o.unlabelled ?? 0],
  ] as const) {
    for (let n = 0; n < count; n++, id++) {
      // Three lines, drawn one by one: the same random draws as the three at once of the vessel-only data.
      const lines = [lineMask(size, 1, next), lineMask(size, 1, next), lineMask(size, 1, next)];
      const mask = lines[0].map((v, p) => v | lines[1][p] | lines[2][p]);
      const classes = o.arteryVein ? mask.map((v, p) => (lines[0][p] ? 1 : v ? 2 : 0)) : mask;
      const noise = Array.from({ length: frames * size * size }, () => next());
      for (let k = 0; k < frames; k++) {
        const darken = 140 * Math.min(1, (k + 1) / Math.ceil(frames / 2));
        const late = 140 * Math.max(0, (k + 1 - frames / 2) / (frames / 2));
        writePng(join(root, split, 'images', `image_s${id}_i${k}.png`), size, size, (x, y) => {
          const p = y * size + x;
          const dark = classes[p] === 2 ? late : classes[p] ? darken : 0;
          return Math.round(190 + 30 * noise[k * size * size + p] - dark);
        });
      }
      if (split !== 'unlabeled') {
        writePng(join(root, split, 'labels', `label_s${id}.png`), size, size, (x, y) =>
          classes[y * size + x] === 1 ? 255 : 0,
        );
        if (o.arteryVein)
          writePng(join(root, split, 'labels_av', `label_s${id}.png`), size, size, (x, y) => classes[y * size + x]);
      }
      if (o.scribbles && split === 'training') {
        const pick = Array.from({ length: size * size }, () => next());
        writePng(join(root, split, 'scribbles', `label_s${id}.png`), size, size, (x, y) => {
          const p = y * size + x;
          return mask[p] ? (pick[p] < 0.5 ? 1 : 255) : pick[p] < 0.05 ? 0 : 255;
        });
      }
    }
  }
}

/** A configuration that trains a tiny FR_UNet on writeLineDataset's data in a few seconds. */
export function tinyConfig(dataDir: string, changes: (c: TrainConfig) => void = () => {}): TrainConfig {
  const c = defaultTrainConfig();
  c.model = { name: 'FR_UNet', options: { feature_scale: 16 } };
  c.data = { ...c.data, dir: dataDir, frames: 4, patchSize: 32, workers: 0 };
  c.train = { ...c.train, epochs: 2, patchesPerEpoch: 64, batchSize: 4, seed: 3, threads: 1 };
  c.optimizer.lr = 3e-3;
  c.scheduler = { ...c.scheduler, warmupEpochs: 0, minLr: 1e-3, stepIndex: 'updates' };
  c.validation = { ...c.validation, stride: 16, batchSize: 16 };
  changes(c);
  return c;
}

/**
 * For tests of the `dias train` command: a 2+1-sequence line dataset in DIR/data and DIR/tiny.yaml with the
 * settings that make a run take seconds (the rest comes from flags). Returns the config file's path.
 */
export function writeTinyCliRun(dir: string): string {
  writeLineDataset(join(dir, 'data'), { training: 2, validation: 1, size: 32 });
  const config = join(dir, 'tiny.yaml');
  const settings = ['data:', '  frames: 4', '  patchSize: 32', '  workers: 0', 'validation:', '  stride: 16'];
  writeFileSync(config, [...settings, 'scheduler:', '  warmupEpochs: 0'].join('\n'));
  return config;
}
