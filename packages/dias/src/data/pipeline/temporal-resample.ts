// Resampling a sequence along time to a fixed number of frames, as the DIAS authors made their 8-frame sequences
// from 4-9 raw frames with skimage.transform.resize(seq, (8, H, W), order=3, mode='edge'). The official repository
// only imports resize (semi-/weakly supervised data/dataset.py) and reads exactly 8 frames per sequence: the
// resampling happened before release, so the call above is the paper's description, reproduced here.
//
// What that call does along time (H and W keep their size, so those axes are untouched; checked against
// scipy.ndimage.zoom(order=3, mode='nearest', grid_mode=True) to ~1e-13):
//   1. anti_aliasing defaults to True when any axis shrinks: a Gaussian of sigma = (T_in/T_out - 1)/2 with edge
//      ('nearest') boundaries and scipy's radius round(4 sigma). For 9 -> 8 frames sigma = 0.0625, radius 0: a no-op;
//      for 4-8 frames there is no shrinking. It matters only for long cines (e.g. 96 DICOM frames -> 8).
//   2. a cubic B-spline through the samples: the edge value is repeated 12 times on each side (scipy's pre-padding
//      for 'nearest'), then the interpolating prefilter with mirror boundaries (pole sqrt(3) - 2).
//   3. evaluation at pixel-centre-aligned coordinates in = (out + 0.5) * T_in / T_out - 0.5.
//   4. the result is clipped to the input's global [min, max] (skimage clip=True).
// Not reproduced: without preserve_range=True skimage first scales uint8 input to [0, 1]; here values keep their
// scale (the official loaders z-score each sequence afterwards, which removes any such scale).
//
// The whole chain is linear in the samples, so it is built once as a T_out x T_in matrix and applied per pixel.
import { gaussianKernel1d } from './gaussian-blur.js';
import type { DsaSequence } from '../sequence.js';

const POLE = Math.sqrt(3) - 2;
const EDGE_PAD = 12;

export interface ResampleOptions {
  /** Gaussian anti-aliasing before shrinking (skimage's default: on when T_out < T_in). */
  antiAlias?: boolean;
  /** Clip to the input's global range, as skimage's clip=True (default true). */
  clip?: boolean;
}

function gaussianNearest(s: Float64Array, sigma: number): Float64Array {
  const radius = Math.floor(4 * sigma + 0.5);
  if (sigma <= 0 || radius === 0) return s;
  const w = gaussianKernel1d(sigma, 4);
  const n = s.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = -radius; k <= radius; k++) acc += w[k + radius] * s[Math.min(n - 1, Math.max(0, i + k))];
    out[i] = acc;
  }
  return out;
}

/** Cubic B-spline coefficients of s with mirror (whole-sample symmetric) boundaries; s.length >= 2. */
function splineCoefficientsMirror(s: Float64Array): Float64Array {
  const n = s.length;
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = 6 * s[i];
  // Causal start: the infinite sum over the mirrored signal, whose period is 2n - 2, in closed form.
  const period = 2 * n - 2;
  let acc = 0;
  let zk = 1;
  for (let k = 0; k < period; k++) {
    const idx = k < n ? k : period - k;
    acc += zk * c[idx];
    zk *= POLE;
  }
  c[0] = acc / (1 - zk);
  for (let i = 1; i < n; i++) c[i] += POLE * c[i - 1];
  c[n - 1] = (POLE / (POLE * POLE - 1)) * (c[n - 1] + POLE * c[n - 2]);
  for (let i = n - 2; i >= 0; i--) c[i] = POLE * (c[i + 1] - c[i]);
  return c;
}

function cubicBSpline(t: number): number {
  const a = Math.abs(t);
  if (a < 1) return 2 / 3 - a * a + (a * a * a) / 2;
  if (a < 2) return ((2 - a) * (2 - a) * (2 - a)) / 6;
  return 0;
}

/** One signal through the skimage chain (without the final clip). */
function resample1d(s: Float64Array, tOut: number, antiAlias: boolean): Float64Array {
  const n = s.length;
  const filtered = antiAlias && tOut < n ? gaussianNearest(s, (n / tOut - 1) / 2) : s;
  const padded = new Float64Array(n + 2 * EDGE_PAD);
  for (let i = 0; i < padded.length; i++) padded[i] = filtered[Math.min(n - 1, Math.max(0, i - EDGE_PAD))];
  const c = splineCoefficientsMirror(padded);
  const out = new Float64Array(tOut);
  for (let j = 0; j < tOut; j++) {
    const x = ((j + 0.5) * n) / tOut - 0.5 + EDGE_PAD;
    const i0 = Math.floor(x);
    let v = 0;
    for (let k = i0 - 1; k <= i0 + 2; k++) v += c[Math.min(padded.length - 1, Math.max(0, k))] * cubicBSpline(x - k);
    out[j] = v;
  }
  return out;
}

/** The linear map from T_in samples to T_out samples, row-major [T_out][T_in]. */
export function resampleMatrix(tIn: number, tOut: number, options: ResampleOptions = {}): Float64Array {
  if (!Number.isInteger(tIn) || tIn < 1 || !Number.isInteger(tOut) || tOut < 1) {
    throw new Error(`temporal resampling needs whole frame counts >= 1 (got ${tIn} -> ${tOut})`);
  }
  const antiAlias = options.antiAlias ?? true;
  const m = new Float64Array(tOut * tIn);
  const unit = new Float64Array(tIn);
  for (let i = 0; i < tIn; i++) {
    unit.fill(0);
    unit[i] = 1;
    const col = resample1d(unit, tOut, antiAlias);
    for (let j = 0; j < tOut; j++) m[j * tIn + i] = col[j];
  }
  return m;
}

/** Resamples frames [T][H][W] to [tOut][H][W]. */
export function resampleFrames(
  frames: Float32Array,
  T: number,
  H: number,
  W: number,
  tOut: number,
  options: ResampleOptions = {},
): Float32Array {
  const n = H * W;
  if (frames.length !== T * n)
    throw new Error(`temporal resampling: ${frames.length} values are not ${T} frames of ${H}x${W}`);
  if (tOut === T) return frames.slice();
  const m = resampleMatrix(T, tOut, options);
  const out = new Float32Array(tOut * n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < frames.length; i++) {
    const v = frames[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const clip = options.clip ?? true;
  const acc = new Float64Array(n);
  for (let j = 0; j < tOut; j++) {
    acc.fill(0);
    for (let i = 0; i < T; i++) {
      const w = m[j * T + i];
      if (w === 0) continue;
      const src = frames.subarray(i * n, (i + 1) * n);
      for (let p = 0; p < n; p++) acc[p] += w * src[p];
    }
    const dst = out.subarray(j * n, (j + 1) * n);
    for (let p = 0; p < n; p++) dst[p] = clip ? Math.min(hi, Math.max(lo, acc[p])) : acc[p];
  }
  return out;
}

/** A sequence with tOut frames; frame times (when known) follow the same coordinate map, linearly. */
export function resampleSequence(seq: DsaSequence, tOut: number, options: ResampleOptions = {}): DsaSequence {
  if (tOut === seq.T) return seq;
  const frames = resampleFrames(seq.frames, seq.T, seq.H, seq.W, tOut, options);
  const meta = { ...seq.meta, sourceFrameCount: seq.T };
  const times = seq.meta.frameTimes;
  if (times && times.length === seq.T) {
    meta.frameTimes = Array.from({ length: tOut }, (_, j) => {
      const x = Math.min(seq.T - 1, Math.max(0, ((j + 0.5) * seq.T) / tOut - 0.5));
      const i0 = Math.floor(x);
      const i1 = Math.min(seq.T - 1, i0 + 1);
      return times[i0] + (x - i0) * (times[i1] - times[i0]);
    });
  }
  return { ...seq, frames, T: tOut, meta };
}
