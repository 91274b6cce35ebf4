// The DIAS release layout: split folders, each with images/image_s{n}_i{k}.png (sequence n, frame k) and
// labels/label_s{n}.png (0/255), scribble sets under training/, and an unlabelled pool.
//
// What is accepted (names case-insensitive):
//   splits       training/ (or train/), validation/ (val/, valid/), test/ (testing/); the unlabelled pool is
//                unlabeled/, unlabelled/ or unlabel/ at the top or inside training/ (the official semi-supervised
//                config uses training/unlabel), with its frames in images/ or directly in the folder.
//   frames       image_s{n}_i{k}.png; n and k are whole numbers, ordered numerically (i10 after i9); sequence ids
//                are global (they do not restart per split).
//   labels       labels/label_s{n}.png; an artery/vein label (0 background, 1 artery, 2 vein; `dias synth
//                --classes av`) as labels_av/label_s{n}.png beside it, not a scribble set.
//   scribbles    any folder under training/, one or two levels deep (training/scribbles/, training/wsl/label_luo/,
//                ...), other than images/, labels/ and the unlabelled pool, holding PNGs whose names end in s{n}.png
//                (label_s3.png, scribble_s3.png, s3.png). Its name is its path below training/.
//   frame times  not in the DIAS release (its sequences have none). A sequence may carry its own acquisition times
//                as images/image_s{n}.frame_times.json (or .txt) beside its frames, in the sidecar formats of
//                frame-times.ts (the stem.frame_times.json rule of .npy stacks, with the stem image_s{n});
//                `dias synth --complete-run --layout dias` writes them. Such a sequence is a run read in time, so
//                it may have 4 to 64 frames (TIMED_FRAME_RANGE) instead of DIAS's 4 to 9; when some sequences of a
//                dataset have frame times, one without is a problem. A bad sidecar is an error naming it on load.
// Opening only lists names (cheap); load() reads one sequence; data-check.ts reads everything.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readGrayPng, type GrayImage } from '../../image/png.js';
import { readFrameTimes } from './frame-times.js';
import { frameMismatch } from './image-frames.js';
import { avLabelFromGray, labelFromGray, scribbleFromGray } from './masks.js';
import type { LabelSet } from '../label-set.js';
import { compareNatural } from './natural-order.js';
import { resampleSequence, type ResampleOptions } from '../pipeline/temporal-resample.js';
import type { DsaSequence } from '../sequence.js';

export type DiasSplit = 'training' | 'validation' | 'test' | 'unlabelled';
/** The scribble set folders under training/: the automatic scribbles `dias synth` writes from the dense label (as
 * the DIAS authors made theirs), and the annotator's, which `dias serve` writes. */
export const AUTO_SCRIBBLE_DIR = 'scribbles';
export const ANNOTATOR_SCRIBBLE_DIR = 'scribbles_annotator';
/** The artery/vein label folder of a split, beside labels/ (0 background, 1 artery, 2 vein). */
export const AV_LABEL_DIR = 'labels_av';

export const DIAS_SPLITS: readonly DiasSplit[] = ['training', 'validation', 'test', 'unlabelled'];
/** Raw DIAS sequences have 4 to 9 frames. */
export const DIAS_FRAME_RANGE: readonly [number, number] = [4, 9];
/** The frame count the authors resampled every sequence to. */
export const DIAS_FRAMES = 8;
/** Frames of a sequence with its own frame times (a complete run): DIAS's minimum to the most a run trains on. */
export const TIMED_FRAME_RANGE: readonly [number, number] = [4, 64];

const SPLIT_NAMES: Record<DiasSplit, string[]> = {
  training: ['training', 'train'],
  validation: ['validation', 'val', 'valid'],
  test: ['test', 'testing'],
  unlabelled: ['unlabeled', 'unlabelled', 'unlabel'],
};
const FRAME_NAME = /^image_s(\d+)_i(\d+)\.png$/i;
const LABEL_NAME = /^label_s(\d+)\.png$/i;
const SCRIBBLE_NAME = /(?:^|_)s(\d+)\.png$/i;
const FRAME_TIMES_NAME = /^image_s(\d+)\.frame_times\.(?:json|txt)$/i;

/** The frame-time sidecar a sequence of the DIAS layout may have, beside its frames (see the file comment). */
export function diasFrameTimesPath(imagesDir: string, id: number): string {
  return join(imagesDir, `image_s${id}.frame_times.json`);
}

/** The frame counts a sequence may have: DIAS's 4 to 9, or 4 to 64 when it has its own frame times. */
export function frameRangeOf(timed: boolean): readonly [number, number] {
  return timed ? TIMED_FRAME_RANGE : DIAS_FRAME_RANGE;
}

export interface FrameRef {
  /** k in image_s{n}_i{k}.png. */
  index: number;
  path: string;
}

export interface SequenceRef {
  split: DiasSplit;
  /** n in image_s{n}_i{k}.png. */
  id: number;
  /** Frames in time order. */
  frames: FrameRef[];
  label?: string;
  /** The artery/vein label (labels_av/label_s{n}.png), when the split has one. */
  labelAv?: string;
  /** The sequence's frame-time sidecar (images/image_s{n}.frame_times.json), when it has one. */
  frameTimes?: string;
  /** Scribble file per scribble set name. */
  scribbles: Record<string, string>;
}

export interface DatasetProblem {
  path: string;
  problem: string;
}

export interface DiasLoadOptions extends ResampleOptions {
  /** Frames to resample to (default 8, as the authors), or 'native' to keep the files' count. */
  frames?: number | 'native';
  /** Scribble set to attach (default: the first set, in name order, that has this sequence); false for none. */
  scribble?: string | false;
  /** Attach the dense label when there is one (default true). */
  label?: boolean;
  /** Which dense label: 'artery' (labels/, read as 0/1; default) or 'av' (labels_av/, 0/1/2; an error when the
   * sequence has none). */
  labels?: LabelSet;
}

export interface DiasDataset {
  root: string;
  splits: Record<DiasSplit, SequenceRef[]>;
  /** Scribble set names found under training/. */
  scribbleSets: string[];
  /** Everything about the names that is wrong; file contents are checked by checkDiasDataset. */
  problems: DatasetProblem[];
  /** The sequence with this id (ids are unique across splits in a sound dataset). */
  find(id: number, split?: DiasSplit): SequenceRef | undefined;
  load(ref: SequenceRef, options?: DiasLoadOptions): DsaSequence;
}

/** True for an existing folder; false for a file or nothing. */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function listDir(path: string): string[] {
  return readdirSync(path)
    .filter((n) => !n.startsWith('.'))
    .sort(compareNatural);
}

function childDirs(dir: string, names: string[]): string[] {
  if (!isDir(dir)) return [];
  const wanted = new Set(names);
  return listDir(dir)
    .filter((n) => wanted.has(n.toLowerCase()) && isDir(join(dir, n)))
    .map((n) => join(dir, n));
}

/** True when dir looks like a DIAS root (has at least one split folder). */
export function isDiasRoot(dir: string): boolean {
  return DIAS_SPLITS.some((s) => childDirs(dir, SPLIT_NAMES[s]).length > 0);
}

/** Frame files of one folder grouped by sequence id, and the frame-time sidecars among them (into `times`);
 * names that do not fit become problems. */
function scanFrames(
  dir: string,
  problems: DatasetProblem[],
  times: Map<number, string>,
  skipDirs: Set<string> = new Set(),
): Map<number, FrameRef[]> {
  const byId = new Map<number, FrameRef[]>();
  for (const name of listDir(dir)) {
    const path = join(dir, name);
    if (skipDirs.has(name.toLowerCase()) || isDir(path)) continue;
    const t = FRAME_TIMES_NAME.exec(name);
    if (t) {
      const id = Number(t[1]);
      const before = times.get(id);
      if (before !== undefined) problems.push({ path, problem: `second frame-time file for s${id} (also ${before})` });
      else times.set(id, path);
      continue;
    }
    const m = FRAME_NAME.exec(name);
    if (!m) {
      problems.push({ path, problem: 'not a frame name (expected image_s{n}_i{k}.png)' });
      continue;
    }
    const id = Number(m[1]);
    const list = byId.get(id) ?? [];
    list.push({ index: Number(m[2]), path });
    byId.set(id, list);
  }
  for (const [id, list] of byId) {
    list.sort((a, b) => a.index - b.index || compareNatural(a.path, b.path));
    for (let i = 1; i < list.length; i++) {
      if (list[i].index === list[i - 1].index)
        problems.push({ path: list[i].path, problem: `frame i${list[i].index} of s${id} also in ${list[i - 1].path}` });
    }
    const indices = list.map((f) => f.index);
    const missing: number[] = [];
    for (let k = 0; k <= Math.max(...indices); k++) if (!indices.includes(k)) missing.push(k);
    if (missing.length)
      problems.push({
        path: join(dir, `image_s${id}_i*.png`),
        problem: `frames ${missing.map((k) => `i${k}`).join(', ')} missing (frames are numbered from i0)`,
      });
    const timed = times.has(id);
    const [lo, hi] = frameRangeOf(timed);
    if (list.length < lo || list.length > hi)
      problems.push({
        path: join(dir, `image_s${id}_i*.png`),
        problem: timed
          ? `${list.length} frames; a sequence with frame times has ${lo} to ${hi}`
          : `${list.length} frames; DIAS sequences have ${lo} to ${hi}`,
      });
  }
  for (const [id, path] of times)
    if (!byId.has(id)) problems.push({ path, problem: `frame times without images (no image_s${id}_i*.png)` });
  return byId;
}

function scanIdFiles(dir: string, pattern: RegExp, what: string, problems: DatasetProblem[]): Map<number, string> {
  const out = new Map<number, string>();
  if (!isDir(dir)) return out;
  for (const name of listDir(dir)) {
    const path = join(dir, name);
    if (isDir(path)) continue;
    const m = pattern.exec(name);
    if (!m) {
      problems.push({ path, problem: `not a ${what} name` });
      continue;
    }
    const id = Number(m[1]);
    if (out.has(id)) problems.push({ path, problem: `second ${what} for s${id} (also ${out.get(id)})` });
    else out.set(id, path);
  }
  return out;
}

/** Scribble sets under a training folder: folders (one or two levels) whose PNG names end in s{n}.png. */
function findScribbleSets(trainingDir: string, exclude: Set<string>): { name: string; dir: string }[] {
  const sets: { name: string; dir: string }[] = [];
  const holdsScribbles = (dir: string) =>
    listDir(dir).some((n) => SCRIBBLE_NAME.test(n) && !FRAME_NAME.test(n) && !isDir(join(dir, n)));
  for (const a of listDir(trainingDir)) {
    const dirA = join(trainingDir, a);
    if (!isDir(dirA) || exclude.has(a.toLowerCase())) continue;
    if (holdsScribbles(dirA)) sets.push({ name: a, dir: dirA });
    for (const b of listDir(dirA)) {
      const dirB = join(dirA, b);
      if (isDir(dirB) && holdsScribbles(dirB)) sets.push({ name: `${a}/${b}`, dir: dirB });
    }
  }
  return sets;
}

/** Lists a DIAS dataset without reading pixels. Throws only when dir is not a DIAS root at all. */
export function openDiasDataset(dir: string): DiasDataset {
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  if (!isDir(dir)) throw new Error(`${dir}: not a folder`);
  if (!isDiasRoot(dir)) {
    throw new Error(`${dir}: not a DIAS dataset (no training/, validation/, test/ or unlabelled/ folder)`);
  }
  const problems: DatasetProblem[] = [];
  const splits: Record<DiasSplit, SequenceRef[]> = { training: [], validation: [], test: [], unlabelled: [] };
  const trainingDirs = childDirs(dir, SPLIT_NAMES.training);
  const scribbleSets = new Map<string, Map<number, string>>();
  const seen = new Map<number, DiasSplit>();

  const addSplit = (split: DiasSplit, splitDir: string) => {
    const imagesDir = join(splitDir, 'images');
    const labelled = split !== 'unlabelled';
    let frames: Map<number, FrameRef[]>;
    const times = new Map<number, string>();
    if (isDir(imagesDir)) frames = scanFrames(imagesDir, problems, times);
    else if (!labelled) frames = scanFrames(splitDir, problems, times, new Set(['labels']));
    else {
      problems.push({ path: imagesDir, problem: 'missing (every split keeps its frames in images/)' });
      frames = new Map();
    }
    const labels = scanIdFiles(join(splitDir, 'labels'), LABEL_NAME, 'label (label_s{n}.png)', problems);
    const avLabels = scanIdFiles(join(splitDir, AV_LABEL_DIR), LABEL_NAME, 'label (label_s{n}.png)', problems);
    for (const [id, path] of [...labels, ...avLabels])
      if (!frames.has(id))
        problems.push({ path, problem: `label without images (no image_s${id}_i*.png in ${imagesDir})` });
    for (const [id, list] of [...frames].sort((a, b) => a[0] - b[0])) {
      const label = labels.get(id);
      if (labelled && !label)
        problems.push({
          path: list[0].path,
          problem: `sequence s${id} has no label (${join(splitDir, 'labels', `label_s${id}.png`)})`,
        });
      const before = seen.get(id);
      if (before !== undefined)
        problems.push({ path: list[0].path, problem: `sequence id s${id} is also in ${before}` });
      else seen.set(id, split);
      const labelAv = avLabels.get(id);
      const frameTimes = times.get(id);
      splits[split].push({
        split,
        id,
        frames: list,
        label,
        ...(labelAv ? { labelAv } : {}),
        ...(frameTimes ? { frameTimes } : {}),
        scribbles: {},
      });
    }
  };

  for (const split of DIAS_SPLITS) for (const d of childDirs(dir, SPLIT_NAMES[split])) addSplit(split, d);
  for (const t of trainingDirs) for (const d of childDirs(t, SPLIT_NAMES.unlabelled)) addSplit('unlabelled', d);

  const exclude = new Set(['images', 'labels', AV_LABEL_DIR, 'timing', ...SPLIT_NAMES.unlabelled]);
  for (const t of trainingDirs) {
    for (const { name, dir: setDir } of findScribbleSets(t, exclude)) {
      const files = scanIdFiles(setDir, SCRIBBLE_NAME, 'scribble (..._s{n}.png)', problems);
      scribbleSets.set(name, files);
    }
  }
  const setNames = [...scribbleSets.keys()].sort(compareNatural);
  const training = new Map(splits.training.map((r) => [r.id, r]));
  for (const name of setNames) {
    for (const [id, path] of scribbleSets.get(name)!) {
      const ref = training.get(id);
      if (ref) ref.scribbles[name] = path;
      else problems.push({ path, problem: `scribble without training images (no training sequence s${id})` });
    }
  }
  for (const split of DIAS_SPLITS) splits[split].sort((a, b) => a.id - b.id);
  // Frame times are all or nothing: a run without its times would be read in frame indices beside the others.
  const all = DIAS_SPLITS.flatMap((s) => splits[s]);
  const timed = all.find((r) => r.frameTimes !== undefined);
  if (timed)
    for (const r of all)
      if (r.frameTimes === undefined)
        problems.push({
          path: diasFrameTimesPath(dirname(r.frames[0].path), r.id),
          problem: `missing: s${r.id} has no frame times, but other sequences have theirs (e.g. ${timed.frameTimes})`,
        });

  return {
    root: dir,
    splits,
    scribbleSets: setNames,
    problems,
    find(id, split) {
      for (const s of split ? [split] : DIAS_SPLITS) {
        const ref = splits[s].find((r) => r.id === id);
        if (ref) return ref;
      }
      return undefined;
    },
    load: (ref, options) => loadDiasSequence(ref, options),
  };
}

function sameSize(image: GrayImage, path: string, W: number, H: number, first: string): void {
  if (image.width !== W || image.height !== H) {
    throw new Error(
      `${path}: ${image.width}x${image.height}, but ${first} is ${W}x${H} (all frames, the label and scribbles of a sequence must match)`,
    );
  }
}

/**
 * Reads one sequence: frames in time order, label 0/1 (0/1/2 with labels 'av'), scribble 0/1/255; resampled to options.frames (default 8),
 * then meta.resampledFrom holds the raw frame count (and meta.warnings a line when it is outside 4 to 9).
 */
export function loadDiasSequence(ref: SequenceRef, options: DiasLoadOptions = {}): DsaSequence {
  if (ref.frames.length === 0) throw new Error(`sequence s${ref.id} (${ref.split}): no frames`);
  const first = ref.frames[0].path;
  const images = ref.frames.map((f) => readGrayPng(f.path));
  const { width: W, height: H } = images[0];
  images.forEach((img, i) => {
    const problem = frameMismatch({ path: first, image: images[0] }, img);
    if (problem) throw new Error(`${ref.frames[i].path}: ${problem}`);
  });
  const n = W * H;
  const frames = new Float32Array(images.length * n);
  images.forEach((img, i) => frames.set(img.data, i * n));
  // Read before resampling, which maps the times along with the frames (temporal-resample.ts).
  const frameTimes = ref.frameTimes !== undefined ? readFrameTimes(ref.frameTimes, images.length) : undefined;
  let label: Uint8Array | undefined;
  if (options.labels === 'av' && options.label !== false) {
    if (!ref.labelAv)
      throw new Error(
        `sequence s${ref.id} (${ref.split}): no artery/vein label (${AV_LABEL_DIR}/label_s${ref.id}.png beside labels/; dias synth --classes av writes them)`,
      );
    const img = readGrayPng(ref.labelAv);
    sameSize(img, ref.labelAv, W, H, first);
    label = avLabelFromGray(img, ref.labelAv);
  } else if (ref.label && options.label !== false) {
    const img = readGrayPng(ref.label);
    sameSize(img, ref.label, W, H, first);
    label = labelFromGray(img, ref.label);
  }
  let scribble: Uint8Array | undefined;
  let scribbleSet: string | undefined;
  if (options.scribble !== false) {
    const names = Object.keys(ref.scribbles).sort(compareNatural);
    scribbleSet = options.scribble ?? names[0];
    const path = scribbleSet !== undefined ? ref.scribbles[scribbleSet] : undefined;
    if (options.scribble !== undefined && path === undefined) {
      throw new Error(
        `sequence s${ref.id}: no scribble in set '${options.scribble}' (sets with it: ${names.join(', ') || 'none'})`,
      );
    }
    if (path) {
      const img = readGrayPng(path);
      sameSize(img, path, W, H, first);
      scribble = scribbleFromGray(img, path);
    } else scribbleSet = undefined;
  }
  const seq: DsaSequence = {
    id: String(ref.id),
    source: first.replace(/_i\d+\.png$/i, '_i*.png'),
    frames,
    T: images.length,
    H,
    W,
    label,
    scribble,
    meta: {
      split: ref.split,
      frameIndices: ref.frames.map((f) => f.index),
      bitDepth: images[0].bitDepth,
      ...(frameTimes ? { frameTimes } : {}),
      ...(scribbleSet ? { scribbleSet } : {}),
      ...(label && options.labels === 'av' ? { labels: 'av' } : {}),
    },
  };
  const target = options.frames ?? DIAS_FRAMES;
  if (target === 'native' || target === seq.T) return seq;
  const out = resampleSequence(seq, target, options);
  // Resampling is what the authors did, but from a count outside the release's range (1 frame, a 20-frame cine
  // without times) it is a guess that data check flags; the loaded sequence says so instead of hiding it. A run
  // with its own frame times is resampled by the same index arithmetic (frame k at index k, whatever its time).
  const [lo, hi] = frameRangeOf(frameTimes !== undefined);
  const odd = seq.T < lo || seq.T > hi;
  const warning = `s${ref.id} (${ref.split}): ${seq.T} frame${seq.T === 1 ? '' : 's'} resampled to ${target}; ${frameTimes ? 'sequences with frame times have' : 'DIAS sequences have'} ${lo} to ${hi} (dias data check flags it)`;
  return {
    ...out,
    meta: { ...out.meta, resampledFrom: seq.T, ...(odd ? { warnings: [...(out.meta.warnings ?? []), warning] } : {}) },
  };
}

/**
 * One line for a run that loaded `sequences` at `target` frames: which of them were resampled from a frame count
 * outside the DIAS range (meta.resampledFrom), or undefined when none was.
 */
export function frameCountNote(sequences: Pick<DsaSequence, 'id' | 'meta'>[], target: number): string | undefined {
  const [lo, hi] = DIAS_FRAME_RANGE;
  const odd = sequences.filter(({ meta: { resampledFrom: n, frameTimes } }) => {
    const [a, b] = frameRangeOf(frameTimes !== undefined);
    return n !== undefined && (n < a || n > b);
  });
  if (!odd.length) return undefined;
  const list = odd.map(({ id, meta: { resampledFrom: n } }) => `s${id} (${n} frame${n === 1 ? '' : 's'})`).join(', ');
  return `${odd.length} sequence${odd.length === 1 ? '' : 's'} resampled to ${target} frames from counts outside DIAS's ${lo} to ${hi}: ${list}; dias data check flags them`;
}
