// The official fully supervised code's sequences: one .npy per sequence, shape (T, H, W) (or (H, W) for a single
// frame; leading axes of size 1 are dropped), with the label beside it as ../labels/label_s{stem}.png
// (images/{n}.npy <-> labels/label_s{n}.png) or ../labels/{stem}.png; frame times from {stem}.frame_times.json or
// .txt beside it (frame-times.ts).
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readLabelPng } from './masks.js';
import { readNpy } from './npy-array.js';
import { findFrameTimesSidecar, readFrameTimes } from './frame-times.js';
import type { DsaSequence } from '../sequence.js';

export interface NpySequenceOptions {
  /** A label PNG; by default looked for beside the stack as described above. */
  label?: string | false;
}

export function findNpyLabel(path: string): string | undefined {
  const stem = basename(path).replace(/\.npy$/i, '');
  const labels = join(dirname(dirname(path)), 'labels');
  for (const name of [`label_s${stem}.png`, `${stem}.png`])
    if (existsSync(join(labels, name))) return join(labels, name);
  return undefined;
}

export function readNpySequence(path: string, options: NpySequenceOptions = {}): DsaSequence {
  const arr = readNpy(path);
  let shape = [...arr.shape];
  while (shape.length > 3 && shape[0] === 1) shape = shape.slice(1);
  if (shape.length === 2) shape = [1, ...shape];
  if (shape.length !== 3) throw new Error(`${path}: shape (${arr.shape.join(', ')}) is not (T, H, W) or (H, W)`);
  const [T, H, W] = shape;
  if (T < 1 || H < 1 || W < 1) throw new Error(`${path}: empty array (${arr.shape.join(', ')})`);
  // Only floating-point files can hold NaN or infinities (a float64 beyond float32's range becomes one here).
  const floating = /f\d$/.test(arr.descr);
  for (let i = 0; floating && i < arr.data.length; i++) {
    if (!Number.isFinite(arr.data[i]))
      throw new Error(`${path}: value ${arr.data[i]} at flat index ${i} is not finite`);
  }
  const labelPath = options.label === false ? undefined : (options.label ?? findNpyLabel(path));
  const label = labelPath ? readLabelPng(labelPath, W, H, `${path} is`) : undefined;
  const timesPath = findFrameTimesSidecar(dirname(path), basename(path).replace(/\.npy$/i, ''));
  const frameTimes = timesPath ? readFrameTimes(timesPath, T) : undefined;
  return {
    id: basename(path).replace(/\.npy$/i, ''),
    source: path,
    frames: arr.data,
    T,
    H,
    W,
    label,
    meta: { dtype: arr.descr, ...(frameTimes ? { frameTimes } : {}) },
  };
}
