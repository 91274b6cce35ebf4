// Integrity report of a dataset folder, in the spirit of nnU-Net's dataset integrity check: it reads every file
// and lists every problem it finds (it does not stop at the first): unreadable or corrupt files, frames of
// different sizes or bit depths, labels or scribbles that do not match their frames, label values other than 0/255
// (or 0/1), scribble values other than 0/1/255, artery/vein label values other than 0/1/2, labels or scribbles
// without images, frame numbering and counts (from the layout reader), frame-time sidecars that do not parse, do
// not increase or do not count the frames, and summarises counts, sizes, frame counts and value sets per split.
import { DIAS_SPLITS, openDiasDataset, type DatasetProblem } from './dias-layout.js';
import { firstFrameGray, frameMismatch, readImageFrames, type ImageFrames } from './image-frames.js';
import { readFrameTimes } from './frame-times.js';
import { distinctValues, labelFromGray, scribbleFromGray } from './masks.js';
import { isNnunetFolder, openNnunetFolder } from './nnunet-folder.js';

export interface SplitSummary {
  sequences: number;
  /** Frame count -> number of sequences. */
  frameCounts: Record<string, number>;
  /** 'WxH' -> number of sequences. */
  sizes: Record<string, number>;
  bitDepths: Record<string, number>;
  labels: number;
  /** Every distinct label value seen in the split. */
  labelValues: number[];
  /** Scribble set -> files and distinct values. */
  scribbles: Record<string, { count: number; values: number[] }>;
}

export interface DatasetReport {
  root: string;
  format: 'dias' | 'nnunet';
  splits: Record<string, SplitSummary>;
  scribbleSets: string[];
  problems: DatasetProblem[];
  ok: boolean;
}

interface Item {
  split: string;
  name: string;
  frames: string[];
  label?: string;
  /** The artery/vein label (labels_av/), 0 background, 1 artery, 2 vein. */
  labelAv?: string;
  /** The frame-time sidecar (images/image_s{n}.frame_times.json). */
  frameTimes?: string;
  scribbles: Record<string, string>;
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

function emptySummary(): SplitSummary {
  return { sequences: 0, frameCounts: {}, sizes: {}, bitDepths: {}, labels: 0, labelValues: [], scribbles: {} };
}

function addValues(into: number[], data: ArrayLike<number>): number[] {
  const set = new Set(into);
  for (const v of distinctValues(data, 64).values) set.add(v);
  return [...set].sort((a, b) => a - b);
}

function checkItem(item: Item, summary: SplitSummary, problems: DatasetProblem[]): void {
  summary.sequences++;
  let ref: { path: string; image: ImageFrames } | undefined;
  let frameCount = 0;
  for (const path of item.frames) {
    let image: ImageFrames;
    try {
      image = readImageFrames(path);
    } catch (e) {
      problems.push({ path, problem: (e as Error).message.replace(`${path}: `, '') });
      frameCount++; // still a frame file of the sequence, counted as one frame
      continue;
    }
    frameCount += image.frames.length;
    if (!ref) ref = { path, image };
    else {
      const problem = frameMismatch(ref, image);
      if (problem) problems.push({ path, problem });
    }
  }
  bump(summary.frameCounts, String(frameCount));
  if (item.frameTimes) {
    try {
      readFrameTimes(item.frameTimes, frameCount);
    } catch (e) {
      problems.push({ path: item.frameTimes, problem: (e as Error).message.replace(`${item.frameTimes}: `, '') });
    }
  }
  if (ref) {
    bump(summary.sizes, `${ref.image.width}x${ref.image.height}`);
    bump(summary.bitDepths, String(ref.image.bitDepth));
  }
  const readMask = (path: string, what: string): ImageFrames | undefined => {
    try {
      const image = readImageFrames(path);
      if (ref && (image.width !== ref.image.width || image.height !== ref.image.height)) {
        problems.push({
          path,
          problem: `${what} is ${image.width}x${image.height}, but the frames of ${item.name} are ${ref.image.width}x${ref.image.height}`,
        });
      }
      return image;
    } catch (e) {
      problems.push({ path, problem: (e as Error).message.replace(`${path}: `, '') });
      return undefined;
    }
  };
  if (item.label) {
    summary.labels++;
    const image = readMask(item.label, 'label');
    if (image) {
      const grey = firstFrameGray(image);
      summary.labelValues = addValues(summary.labelValues, grey.data);
      try {
        labelFromGray(grey, item.label);
      } catch (e) {
        problems.push({ path: item.label, problem: (e as Error).message.replace(`${item.label}: `, '') });
      }
    }
  }
  if (item.labelAv) {
    const image = readMask(item.labelAv, 'artery/vein label');
    const { values } = image ? distinctValues(image.frames[0], 8) : { values: [] };
    const wrong = values.filter((v) => v !== 0 && v !== 1 && v !== 2);
    if (wrong.length)
      problems.push({
        path: item.labelAv,
        problem: `artery/vein label values must be 0 (background), 1 (artery) or 2 (vein); found ${values.join(', ')}`,
      });
  }
  for (const [set, path] of Object.entries(item.scribbles)) {
    const entry = (summary.scribbles[set] ??= { count: 0, values: [] });
    entry.count++;
    const image = readMask(path, 'scribble');
    if (!image) continue;
    entry.values = addValues(entry.values, image.frames[0]);
    try {
      scribbleFromGray(firstFrameGray(image), path);
    } catch (e) {
      problems.push({ path, problem: (e as Error).message.replace(`${path}: `, '') });
    }
  }
}

/** Checks a DIAS release folder or an nnU-Net folder; onItem reports progress. */
export function checkDataset(dir: string, onItem?: (done: number, total: number) => void): DatasetReport {
  let items: Item[];
  let problems: DatasetProblem[];
  let format: DatasetReport['format'];
  let scribbleSets: string[] = [];
  const splitNames: string[] = [];
  if (isNnunetFolder(dir)) {
    const folder = openNnunetFolder(dir);
    format = 'nnunet';
    problems = [...folder.problems];
    items = folder.cases.map((c) => ({
      split: c.split,
      name: c.name,
      frames: c.frames,
      label: c.label,
      scribbles: {},
    }));
    splitNames.push('train', 'test');
  } else {
    const dataset = openDiasDataset(dir);
    format = 'dias';
    problems = [...dataset.problems];
    scribbleSets = dataset.scribbleSets;
    items = DIAS_SPLITS.flatMap((s) =>
      dataset.splits[s].map((r) => ({
        split: s,
        name: `s${r.id}`,
        frames: r.frames.map((f) => f.path),
        label: r.label,
        ...(r.labelAv ? { labelAv: r.labelAv } : {}),
        ...(r.frameTimes ? { frameTimes: r.frameTimes } : {}),
        scribbles: r.scribbles,
      })),
    );
    splitNames.push(...DIAS_SPLITS);
  }
  const splits: Record<string, SplitSummary> = {};
  for (const s of splitNames) splits[s] = emptySummary();
  items.forEach((item, i) => {
    checkItem(item, splits[item.split], problems);
    onItem?.(i + 1, items.length);
  });
  return { root: dir, format, splits, scribbleSets, problems, ok: problems.length === 0 };
}
