// A plain folder of frame images (PNG or TIFF, a TIFF adding all its pages). One file named label*, mask* or gt*
// (PNG) is the label, not a frame. Which of the other images are frames:
//   - the files listed in frames.txt (one path per line, relative to the folder or absolute, in time order; blank
//     lines and # comments skipped), or
//   - the one numbered series: names that differ only in their last number (frame_0.png, frame_1.png, ...),
//     ordered by that number (frame_2 before frame_10); other images are left out, with a warning, or
//   - a lone image, as a one-frame sequence.
// Frame times come from a frame_times.json or frame_times.txt beside the frames (frame-times.ts).
// Images of several series (different patients or views, named 100al.png, 101al.png, 100bl.png ...) are an error,
// not one sequence: taking every image of a folder read a segment run's own outputs back as frames, and glued
// unrelated pictures together, without a word.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isImageFile, readImageFrames, stackFrames } from './image-frames.js';
import { readLabelPng } from './masks.js';
import { findFrameTimesSidecar, readFrameTimes } from './frame-times.js';
import { compareNatural } from './natural-order.js';
import type { DsaSequence } from '../sequence.js';

const LABEL_FILE = /^(label|mask|gt)([_\-.]|$)/i;
/** The last run of digits of a name: what tells the frames of a series apart. */
const LAST_NUMBER = /^(.*?)(\d+)(\D*)$/;
export const FRAME_LIST = 'frames.txt';

export interface FrameFolderFiles {
  frames: string[];
  label?: string;
  /** Images that are neither frames nor the label, when a numbered series was taken. */
  ignored: string[];
  /** The series' name pattern (frame_#.png), or 'frames.txt' or the lone file's name. */
  pattern: string;
}

/** Image files of a folder (not hidden), the label among them; no rule applied. */
function imageFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && isImageFile(n))
    .sort(compareNatural);
}

/** True when a folder holds images other than a label (format detection: a frame folder, not a DICOM series). */
export function hasFrameImages(dir: string): boolean {
  return imageFilesIn(dir).some((n) => !LABEL_FILE.test(n));
}

function listedFrames(dir: string): string[] {
  const listPath = join(dir, FRAME_LIST);
  const frames: string[] = [];
  readFileSync(listPath, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      const name = line.trim();
      if (!name || name.startsWith('#')) return;
      const path = resolve(dir, name);
      if (!existsSync(path)) throw new Error(`${listPath}: line ${i + 1}: ${name}: no such file`);
      if (!isImageFile(name))
        throw new Error(`${listPath}: line ${i + 1}: ${name}: not a frame image (.png, .tif, .tiff)`);
      frames.push(path);
    });
  if (!frames.length) throw new Error(`${listPath}: lists no frames`);
  return frames;
}

/** The frames, label and left-out images of a folder by the rule of the file comment. */
export function frameFolderFiles(dir: string): FrameFolderFiles {
  const names = imageFilesIn(dir);
  const labels = names.filter((n) => LABEL_FILE.test(n));
  if (labels.length > 1) throw new Error(`${dir}: more than one label file (${labels.join(', ')})`);
  const label = labels[0] && join(dir, labels[0]);
  const candidates = names.filter((n) => !LABEL_FILE.test(n));
  if (existsSync(join(dir, FRAME_LIST))) return { frames: listedFrames(dir), label, ignored: [], pattern: FRAME_LIST };
  if (candidates.length <= 1)
    return { frames: candidates.map((n) => join(dir, n)), label, ignored: [], pattern: candidates[0] ?? '' };

  // Group by the name with its last number replaced by '#' (the extension kept, case ignored).
  const series = new Map<string, { name: string; number: number }[]>();
  for (const name of candidates) {
    const dot = name.lastIndexOf('.');
    const m = LAST_NUMBER.exec(name.slice(0, dot));
    if (!m) continue;
    const key = `${m[1]}#${m[3]}${name.slice(dot)}`.toLowerCase();
    const list = series.get(key) ?? [];
    list.push({ name, number: Number(m[2]) });
    series.set(key, list);
  }
  const real = [...series].filter(([, list]) => list.length >= 2).sort((a, b) => compareNatural(a[0], b[0]));
  if (real.length === 0) {
    throw new Error(
      `${dir}: ${candidates.length} images but no numbered series (frame_0.png, frame_1.png, ...); name the frames so, or list them in order in ${FRAME_LIST}`,
    );
  }
  if (real.length > 1) {
    const list = real.map(([key, files]) => `${key}: ${files.length}`).join(', ');
    throw new Error(
      `${dir}: images of ${real.length} series (${list}); put one sequence in a folder, or list its frames in order in ${FRAME_LIST}`,
    );
  }
  const [pattern, files] = real[0];
  files.sort((a, b) => a.number - b.number || compareNatural(a.name, b.name));
  for (let i = 1; i < files.length; i++) {
    if (files[i].number === files[i - 1].number)
      throw new Error(`${dir}: ${files[i - 1].name} and ${files[i].name} are both frame ${files[i].number}`);
  }
  const taken = new Set(files.map((f) => f.name));
  return {
    frames: files.map((f) => join(dir, f.name)),
    label,
    ignored: candidates.filter((n) => !taken.has(n)),
    pattern,
  };
}

export function readFrameFolder(dir: string): DsaSequence {
  const { frames: files, label: labelPath, ignored, pattern } = frameFolderFiles(dir);
  if (!files.length) throw new Error(`${dir}: no frame images (.png, .tif, .tiff)`);
  const parts = files.map((path) => ({ path, image: readImageFrames(path) }));
  const { frames, T, H, W } = stackFrames(parts);
  const label = labelPath ? readLabelPng(labelPath, W, H, 'the frames are') : undefined;
  const timesPath = findFrameTimesSidecar(dir);
  const frameTimes = timesPath ? readFrameTimes(timesPath, T) : undefined;
  const warnings = ignored.length
    ? [
        `${dir}: ${ignored.length} image${ignored.length === 1 ? ' is' : 's are'} not ${pattern} frames and ${ignored.length === 1 ? 'was' : 'were'} left out: ${ignored.join(', ')}`,
      ]
    : [];
  return {
    id: basename(dir),
    source: dir,
    frames,
    T,
    H,
    W,
    label,
    meta: {
      frameFiles: files,
      bitDepth: parts[0].image.bitDepth,
      ...(frameTimes ? { frameTimes } : {}),
      ...(warnings.length ? { warnings } : {}),
    },
  };
}
