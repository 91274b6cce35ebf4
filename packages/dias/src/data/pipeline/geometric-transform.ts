// Geometric augmentation of a training patch: crop, flips and 90-degree rotations, shared by every frame, the
// label and the scribble. As in the official code (utils/data_augmentation.py: CropToFixed, HorizontalFlip,
// VerticalFlip, RandomRotate90, applied in that order), but expressed as one lookup table from patch pixels to
// source pixels, so each frame costs a single gather and labels cannot drift from images.
import type { Random } from '../random.js';

export interface GeometricOptions {
  enabled: boolean;
  /** Probability of each flip (rows, then columns); official 0.5. */
  flipProbability: number;
  /** Rotate by k * 90 degrees, k uniform in {0, 1, 2, 3} (official RandomRotate90). */
  rotate90: boolean;
  /**
   * Reproduce an artefact of the official code: its two flips are seeded with the same RandomState and draw in
   * lock-step, so they always happen together (a 180-degree rotation) and no mirror image is ever produced.
   * Off by default: the flips are independent, as the code evidently intends.
   */
  coupledFlips: boolean;
}

export const DEFAULT_GEOMETRIC: GeometricOptions = {
  enabled: true,
  flipProbability: 0.5,
  rotate90: true,
  coupledFlips: false,
};

/** Flips and rotation of one patch. */
export interface Orientation {
  /** Reverse the row order (official HorizontalFlip, numpy axis 1 of [T][H][W]). */
  flipRows: boolean;
  /** Reverse the column order (official VerticalFlip, numpy axis 2). */
  flipCols: boolean;
  /** Number of counter-clockwise quarter turns, as np.rot90(m, k, axes=(1, 2)). */
  rot90: number;
}

export const IDENTITY_ORIENTATION: Orientation = { flipRows: false, flipCols: false, rot90: 0 };

export function drawOrientation(rng: Random, o: GeometricOptions): Orientation {
  if (!o.enabled) return IDENTITY_ORIENTATION;
  const flipRows = rng.chance(o.flipProbability);
  const flipCols = o.coupledFlips ? flipRows : rng.chance(o.flipProbability);
  const rot90 = o.rotate90 ? rng.int(4) : 0;
  return { flipRows, flipCols, rot90 };
}

/** numpy 'reflect' padding index: mirror about the edge samples without repeating them (d c b | a b c d | c b a). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

/**
 * For each pixel of a P x P patch, the index (y * W + x) of the source pixel of an H x W plane it takes: the
 * patch whose top-left corner is (y0, x0) (rows/columns outside the image are reflected, which is how the
 * official CropToFixed pads an image smaller than the patch), flipped and then rotated as `orient` says.
 */
export function patchSourceTable(
  P: number,
  H: number,
  W: number,
  y0: number,
  x0: number,
  orient: Orientation,
): Int32Array {
  const k = ((orient.rot90 % 4) + 4) % 4;
  const table = new Int32Array(P * P);
  const rows = new Int32Array(P);
  const cols = new Int32Array(P);
  for (let a = 0; a < P; a++) {
    rows[a] = reflectIndex(y0 + (orient.flipRows ? P - 1 - a : a), H);
    cols[a] = reflectIndex(x0 + (orient.flipCols ? P - 1 - a : a), W);
  }
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < P; j++) {
      // Undo the k quarter turns: np.rot90 once gives out[i][j] = in[j][P-1-i].
      let a = i;
      let b = j;
      for (let r = 0; r < k; r++) {
        const t = a;
        a = b;
        b = P - 1 - t;
      }
      table[i * P + j] = rows[a] * W + cols[b];
    }
  }
  return table;
}

/** Gathers `planes` float planes of size HW from `src` into P*P planes at `dst[dstOffset..]` through `table`. */
export function gatherFloatPlanes(
  src: Float32Array,
  HW: number,
  planes: number,
  table: Int32Array,
  dst: Float32Array,
  dstOffset: number,
): void {
  const PP = table.length;
  for (let t = 0; t < planes; t++) {
    const s = t * HW;
    const d = dstOffset + t * PP;
    for (let p = 0; p < PP; p++) dst[d + p] = src[s + table[p]];
  }
}

/** The same for one byte plane (label, scribble); a separate function keeps each loop monomorphic, hence fast. */
export function gatherBytePlane(src: Uint8Array, table: Int32Array, dst: Uint8Array, dstOffset: number): void {
  const PP = table.length;
  for (let p = 0; p < PP; p++) dst[dstOffset + p] = src[table[p]];
}
