// Elastic deformation of a training patch, as the official ElasticDeformation: two white-noise planes smoothed
// by a Gaussian (sigma 50, 'reflect' borders) and scaled by alpha 2000 give a row and a column displacement per
// pixel, the same for every frame (no displacement along time); the frames are resampled there with 'reflect'
// borders. Images are resampled bilinearly (the official code uses cubic splines), labels and scribbles by the
// nearest pixel so they keep their values (the official code interpolates labels linearly, then takes > 0).
// With sigma 50 on a 64-pixel patch the field is smooth enough to be close to a shift plus a gentle bend.
import { gaussianKernel1d } from './gaussian-blur.js';
import type { Random } from '../random.js';

export interface ElasticOptions {
  enabled: boolean;
  probability: number;
  /** Scale of the displacement (pixels per unit of smoothed noise), official 2000. */
  alpha: number;
  /** Smoothing of the noise in pixels, official 50. */
  sigma: number;
}

export const DEFAULT_ELASTIC: ElasticOptions = { enabled: true, probability: 0.2, alpha: 2000, sigma: 50 };

/**
 * Smoothing an n-sample line with 'reflect' borders (scipy: d c b a | a b c d | d c b a) is a linear map; with
 * a kernel far wider than the line it is cheaper as an n x n matrix, the kernel folded onto the line. Cached,
 * since training uses one patch size and one sigma.
 */
const foldedCache = new Map<string, Float64Array>();

function foldedKernel(n: number, sigma: number): Float64Array {
  const key = `${n}:${sigma}`;
  let m = foldedCache.get(key);
  if (m) return m;
  const k = gaussianKernel1d(sigma, 4);
  const r = (k.length - 1) >> 1;
  m = new Float64Array(n * n);
  const period = 2 * n;
  for (let i = 0; i < n; i++) {
    for (let d = -r; d <= r; d++) {
      let q = (i + d) % period;
      if (q < 0) q += period;
      if (q >= n) q = period - 1 - q;
      m[i * n + q] += k[d + r];
    }
  }
  if (foldedCache.size > 16) foldedCache.clear();
  foldedCache.set(key, m);
  return m;
}

/** Gaussian smoothing (reflect borders) of an H x W plane, returned as a new array. */
export function smoothReflect(src: Float64Array, H: number, W: number, sigma: number): Float64Array {
  const mw = foldedKernel(W, sigma);
  const mh = foldedKernel(H, sigma);
  const tmp = new Float64Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let q = 0; q < W; q++) s += mw[x * W + q] * src[y * W + q];
      tmp[y * W + x] = s;
    }
  }
  const out = new Float64Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let q = 0; q < H; q++) {
      const w = mh[y * H + q];
      for (let x = 0; x < W; x++) out[y * W + x] += w * tmp[q * W + x];
    }
  }
  return out;
}

/** A random displacement field (dy, dx), each H x W, in pixels. */
export function elasticField(
  H: number,
  W: number,
  rng: Random,
  alpha: number,
  sigma: number,
): { dy: Float64Array; dx: Float64Array } {
  const make = () => {
    const noise = new Float64Array(H * W);
    for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
    const f = smoothReflect(noise, H, W, sigma);
    for (let i = 0; i < f.length; i++) f[i] *= alpha;
    return f;
  };
  const dy = make();
  const dx = make();
  return { dy, dx };
}

/** scipy map_coordinates mode='reflect' for a continuous coordinate: mirror about -0.5 and n - 0.5. */
export function reflectCoordinate(c: number, n: number): number {
  const period = 2 * n;
  let u = (c + 0.5) % period;
  if (u < 0) u += period;
  if (u > n) u = period - u;
  return u - 0.5;
}

/** Resamples `planes` H x W float planes at (y + dy, x + dx), bilinearly, in place. */
export function warpBilinear(
  x: Float32Array,
  planes: number,
  H: number,
  W: number,
  dy: Float64Array,
  dx: Float64Array,
): void {
  const HW = H * W;
  // Precompute the four neighbours and weights once for all planes.
  const i00 = new Int32Array(HW);
  const i01 = new Int32Array(HW);
  const i10 = new Int32Array(HW);
  const i11 = new Int32Array(HW);
  const fy = new Float64Array(HW);
  const fx = new Float64Array(HW);
  for (let y = 0; y < H; y++) {
    for (let xx = 0; xx < W; xx++) {
      const p = y * W + xx;
      const sy = reflectCoordinate(y + dy[p], H);
      const sx = reflectCoordinate(xx + dx[p], W);
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      fy[p] = sy - y0;
      fx[p] = sx - x0;
      const ya = y0 < 0 ? 0 : y0;
      const yb = y0 + 1 > H - 1 ? H - 1 : y0 + 1;
      const xa = x0 < 0 ? 0 : x0;
      const xb = x0 + 1 > W - 1 ? W - 1 : x0 + 1;
      i00[p] = ya * W + xa;
      i01[p] = ya * W + xb;
      i10[p] = yb * W + xa;
      i11[p] = yb * W + xb;
    }
  }
  const src = new Float32Array(HW);
  for (let t = 0; t < planes; t++) {
    const plane = x.subarray(t * HW, (t + 1) * HW);
    src.set(plane);
    for (let p = 0; p < HW; p++) {
      const top = src[i00[p]] + fx[p] * (src[i01[p]] - src[i00[p]]);
      const bottom = src[i10[p]] + fx[p] * (src[i11[p]] - src[i10[p]]);
      plane[p] = top + fy[p] * (bottom - top);
    }
  }
}

/** Resamples one H x W label plane at (y + dy, x + dx), nearest pixel, in place; values are kept exactly. */
export function warpNearest(x: Uint8Array, H: number, W: number, dy: Float64Array, dx: Float64Array): void {
  const src = Uint8Array.from(x);
  for (let y = 0; y < H; y++) {
    for (let xx = 0; xx < W; xx++) {
      const p = y * W + xx;
      const sy = Math.min(H - 1, Math.max(0, Math.round(reflectCoordinate(y + dy[p], H))));
      const sx = Math.min(W - 1, Math.max(0, Math.round(reflectCoordinate(xx + dx[p], W))));
      x[p] = src[sy * W + sx];
    }
  }
}
