// A scribble set for a DIAS-layout dataset made from its dense training labels (`dias data scribbles`), so every
// weak recipe can be measured on several kinds of scribbles over the same images:
//   auto        the DIAS authors' automatic recipe (Luo et al. 2022's "scribble from dense label", scribbles.ts):
//               erode 4-10 times at 800 px (scaled to the image, as `dias synth` does), then skeletonise;
//   centreline  the same without erosion: the skeleton of every vessel and of the background (much denser);
//   annotator   a few thick strokes with gaps over the wide vessels and the background (scribbles.ts).
// The randomness of sequence n comes from (seed, 'scribble', n), the stream `dias synth` uses, so `--kind auto
// --seed S` on a dataset that `dias synth --seed S` wrote gives back its training/scribbles/ file for file.
// Not in the official code (its scribbles were made once, offline, by the authors' script); the folder is written
// whole or not at all: into a hidden sibling, then renamed.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeGrayPng } from '../image/png.js';
import { openDiasDataset } from './readers/dias-layout.js';
import { annotatorScribble, scribbleFromLabel } from './scribbles.js';
import { SCRIBBLE_UNLABELLED } from './sequence.js';
import { hashSeed, Rng } from './synth/rng.js';

export type ScribbleKind = 'auto' | 'centreline' | 'annotator';
export const SCRIBBLE_KINDS: readonly ScribbleKind[] = ['auto', 'centreline', 'annotator'];

export interface ScribbleSetOptions {
  kind: ScribbleKind;
  /** The set's folder name below training/ (the name `--scribbles` takes). */
  name: string;
  /** auto: erosion count range at this dataset's size (default [4, 10] x min(W, H) / 800). */
  erosion?: [number, number];
  seed?: number;
  /** Replace an existing folder of that name. */
  force?: boolean;
}

export interface ScribbleSetResult {
  dir: string;
  sequences: number;
  /** Fraction of the labelled vessel pixels, and of all pixels, that carry a scribble (vessel or background). */
  vesselCoverage: number;
  imageCoverage: number;
}

/** Writes DIR/training/NAME/label_s{n}.png for every training sequence with a dense label. */
export function writeScribbleSet(dataDir: string, o: ScribbleSetOptions): ScribbleSetResult {
  if (!/^[A-Za-z0-9][\w.-]{0,63}$/.test(o.name))
    throw Object.assign(new Error(`scribble set name '${o.name}': 1-64 of letters, digits, '_', '.' and '-'`), {
      exitCode: 2,
    });
  const dataset = openDiasDataset(dataDir);
  const refs = dataset.splits.training.filter((r) => r.label !== undefined);
  if (refs.length === 0) throw new Error(`${dataDir}: no training sequence has a label (training/labels/)`);
  const dir = join(dataset.root, 'training', o.name);
  if (existsSync(dir) && !o.force)
    throw Object.assign(new Error(`${dir}: exists (another scribble set?); --force replaces it`), { exitCode: 2 });
  const staging = join(dataset.root, 'training', `.${o.name}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  let vessel = 0;
  let vesselMarked = 0;
  let pixels = 0;
  let marked = 0;
  try {
    for (const ref of refs) {
      const seq = dataset.load(ref, { frames: 'native', scribble: false });
      const { W, H } = seq;
      const label = seq.label!;
      const rng = new Rng(hashSeed(o.seed ?? 0, 'scribble', ref.id));
      let scribble: Uint8Array;
      if (o.kind === 'annotator') {
        const human = rng.fork('annotator');
        scribble = annotatorScribble(label, W, H, () => human.next());
      } else {
        const auto = rng.fork('auto');
        const f = Math.min(W, H) / 800;
        const iterations: [number, number] = o.kind === 'centreline' ? [0, 0] : (o.erosion ?? [4 * f, 10 * f]);
        scribble = scribbleFromLabel(label, W, H, () => auto.next(), { iterations });
      }
      for (let i = 0; i < label.length; i++) {
        const on = scribble[i] !== SCRIBBLE_UNLABELLED;
        if (label[i]) {
          vessel++;
          if (on) vesselMarked++;
        }
        if (on) marked++;
      }
      pixels += label.length;
      writeGrayPng(join(staging, `label_s${ref.id}.png`), W, H, scribble);
    }
    if (existsSync(dir)) {
      const old = `${staging}-old`;
      renameSync(dir, old);
      renameSync(staging, dir);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(staging, dir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    sequences: refs.length,
    vesselCoverage: vessel ? vesselMarked / vessel : 0,
    imageCoverage: pixels ? marked / pixels : 0,
  };
}
