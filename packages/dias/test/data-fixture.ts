// Test helpers for the data tests: temporary folders, PNG files and small DIAS-layout datasets.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeGrayPng } from '../src/image/png.js';

export function tempDir(prefix = 'dias-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writePng(path: string, width: number, height: number, value: (x: number, y: number) => number): void {
  mkdirSync(dirname(path), { recursive: true });
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = value(x, y);
  writeFileSync(path, encodeGrayPng(width, height, data));
}

/** Frame k of sequence n: a flat 10 * k + n background with a dark vertical "vessel" in column 2. */
export function frameValue(n: number, k: number): (x: number, y: number) => number {
  return (x) => (x === 2 ? 5 : 10 * k + n);
}

export interface FixtureSequence {
  split: string;
  id: number;
  frames: number;
  size?: [number, number];
  label?: boolean;
  scribbleSet?: string;
  /** Frames directly in the split folder (unlabelled pools may do that). */
  flat?: boolean;
}

/** Writes DIAS-layout sequences under root; labels mark column 2, scribbles 1 in column 2, 0 in column 0. */
export function writeDiasSequences(root: string, sequences: FixtureSequence[]): void {
  for (const s of sequences) {
    const [w, h] = s.size ?? [6, 4];
    const imagesDir = s.flat ? join(root, s.split) : join(root, s.split, 'images');
    for (let k = 0; k < s.frames; k++) writePng(join(imagesDir, `image_s${s.id}_i${k}.png`), w, h, frameValue(s.id, k));
    if (s.label) writePng(join(root, s.split, 'labels', `label_s${s.id}.png`), w, h, (x) => (x === 2 ? 255 : 0));
    if (s.scribbleSet)
      writePng(join(root, 'training', s.scribbleSet, `label_s${s.id}.png`), w, h, (x) =>
        x === 2 ? 1 : x === 0 ? 0 : 255,
      );
  }
}
