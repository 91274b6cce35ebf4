// Reads the two inputs of an evaluation from disk: a vessel probability map and a binary ground truth, each a .npy
// array (2D, or with leading/trailing singleton axes) or a grey PNG. Errors name the file.
import { deserializeNpy, parseNpyHeader, readFileBytes } from '@dias-ts/torch';
import { checkPixelCount } from '../image/pixel-limit.js';
import { readGrayPng } from '../image/png.js';
import { binaryLabel } from '../data/readers/masks.js';

export interface Map2d<T> {
  width: number;
  height: number;
  data: T;
}

interface Raw {
  width: number;
  height: number;
  data: ArrayLike<number>;
  /** Full scale of the stored values: 1 for .npy, 255 or 65535 for PNGs. */
  fullScale: number | null;
}

function kindOf(path: string): 'npy' | 'png' {
  const lower = path.toLowerCase();
  if (lower.endsWith('.npy')) return 'npy';
  if (lower.endsWith('.png')) return 'png';
  throw new Error(`${path}: unsupported file type (expected .npy or .png)`);
}

function readRaw(path: string): Raw {
  if (kindOf(path) === 'png') {
    const png = readGrayPng(path);
    return { width: png.width, height: png.height, data: png.data, fullScale: png.bitDepth === 16 ? 65535 : 255 };
  }
  const bytes = readFileBytes(path);
  const { shape: stored, count } = parseNpyHeader(bytes, path);
  checkPixelCount(path, `shape (${stored.join(', ')})`, count);
  const t = deserializeNpy(bytes, path);
  try {
    // (1, 1, H, W) or (H, W, 1) arrays are images too: drop singleton axes at either end down to two.
    const shape = [...t.shape];
    while (shape.length > 2 && shape[0] === 1) shape.shift();
    while (shape.length > 2 && shape[shape.length - 1] === 1) shape.pop();
    if (shape.length !== 2) throw new Error(`${path}: expected a 2D array, got shape [${t.shape.join(', ')}]`);
    const [height, width] = shape;
    const values = t.toTypedArray();
    const data = values instanceof BigInt64Array ? Float64Array.from(values, Number) : values;
    return { width, height, data, fullScale: null };
  } finally {
    t.dispose();
  }
}

/**
 * A probability map: .npy arrays as stored (values in 0..1), PNGs divided by their full scale (8-bit /255,
 * 16-bit /65535). NaN and values outside [0, 1] are an error.
 */
export function readProbabilityMap(path: string): Map2d<Float32Array | Float64Array> {
  const raw = readRaw(path);
  const n = raw.width * raw.height;
  // .npy float maps stay as stored (ties and the threshold then behave as in NumPy on the same array); the
  // typed array is our own copy, so scaling PNG values in place is safe.
  const data =
    raw.fullScale === null && (raw.data instanceof Float32Array || raw.data instanceof Float64Array)
      ? raw.data
      : Float64Array.from(raw.data);
  if (raw.fullScale !== null) for (let i = 0; i < n; i++) data[i] /= raw.fullScale;
  // Outside [0, 1] is not a probability (logits, a 0..255 array saved as float): thresholding it at 0.5 would give
  // metrics of something else without a word.
  const where = (i: number) => `at pixel ${i} (row ${Math.floor(i / raw.width)}, column ${i % raw.width})`;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (Number.isNaN(v)) throw new Error(`${path}: probability map has NaN ${where(i)}`);
    if (v < 0 || v > 1)
      throw new Error(
        `${path}: probability ${v} ${where(i)} is outside [0, 1]; give probabilities (a softmax or sigmoid output), not logits or grey values`,
      );
  }
  return { width: raw.width, height: raw.height, data };
}

/**
 * A binary ground truth as 0/1, by the label rule of every reader (binaryLabel): PNGs hold 0 and full scale (or
 * 0 and 1), .npy arrays 0/1 (bool included) or 0/255. Anything else is an error rather than a silent guess.
 */
export function readGroundTruth(path: string): Map2d<Uint8Array> {
  const raw = readRaw(path);
  return { width: raw.width, height: raw.height, data: binaryLabel(raw.data, raw.fullScale ?? 255, path) };
}
