// Parametric (colour-coded) DSA: per-pixel timing of the contrast from the contrast-time curve of each pixel, in
// the sequence's own frame times, as clinicians read a complete run (syngo iFlow-like time-to-peak maps;
// Strother et al., AJNR 2010, "Parametric color coding of digital subtraction angiography").
//
// For each pixel, in DSA vessels are dark, so the opacification curve is c_k = baseline - value_k, the baseline
// being the mean of the first `baselineFrames` frames (pre-contrast in a complete run). Then:
//   peak        the largest opacification, refined by the parabola below (grey levels, the frames' unit).
//   ttp         time to peak: the vertex of the parabola through the largest sample and its two neighbours (at
//               their own, possibly uneven, frame times), kept within those neighbours; at the first or last
//               frame the sample's time. Milliseconds from the first frame.
//   arrival     the time the curve reaches ARRIVAL_FRACTION (20%) of its peak on the rise to it: from the peak
//               back to the last sample below the level, linearly interpolated between it and the next one (a
//               noisy sample early in the run cannot make it early). 0 when the first frame is already above.
//   mtt         mean transit time: the first moment of the curve, sum t c dt / sum c dt (trapezoids) over its
//               bolus window (the contiguous samples around the peak at or above 10% of the peak), minus the
//               arrival: how long, on average, contrast stays once it has arrived. Milliseconds.
// A pixel gets values where its peak reaches the opacification threshold (default: 10 x the noise, the robust
// standard deviation of the second differences along time over all pixels / sqrt(6): a bolus curve is smooth
// over a few frames and cancels there, white noise does not), the peak lies inside the run (not at its first or
// last frame) and the mask, when given, is set; elsewhere NaN. 10 rather than 6: the residual subtraction
// artefacts drift slowly and smoothly, so at 6 they colour many pixels of the skull base. No spatial smoothing: each pixel is its own curve.
// Deviations from gamma-variate fitting (also common): the parabola needs no iterative fit, is exact for a
// symmetric peak and biased by at most a fraction of the frame interval for a skewed one; measured against the
// generator's truth in test/perfusion.test.ts.
import type { DsaSequence } from '../data/sequence.js';

export const ARRIVAL_FRACTION = 0.2;
/** Share of the peak that bounds the bolus window of the mean transit time. */
export const MTT_WINDOW_FRACTION = 0.1;
/** The automatic opacification threshold in units of the noise. */
export const AUTO_THRESHOLD_NOISE = 10;

export type PerfusionMapName = 'arrival' | 'ttp' | 'peak' | 'mtt';
export const PERFUSION_MAPS: readonly PerfusionMapName[] = ['arrival', 'ttp', 'peak', 'mtt'];
export const PERFUSION_UNITS: Record<PerfusionMapName, string> = { arrival: 'ms', ttp: 'ms', peak: 'grey', mtt: 'ms' };
export const PERFUSION_TITLES: Record<PerfusionMapName, string> = {
  arrival: 'arrival time',
  ttp: 'time to peak',
  peak: 'peak opacification',
  mtt: 'mean transit time',
};

export interface PerfusionOptions {
  /** Frames averaged into the pre-contrast baseline (default 1). */
  baselineFrames?: number;
  /** Smallest peak opacification (grey levels) that counts as contrast; default AUTO_THRESHOLD_NOISE x noise. */
  minOpacification?: number;
  /** Only pixels where the mask is nonzero get values (H x W). */
  mask?: Uint8Array;
  /** Frame times (ms from the first) when the sequence has none. */
  frameTimes?: number[];
}

export interface PerfusionMaps {
  W: number;
  H: number;
  /** Each map H x W, float32, NaN where the pixel has no measurable contrast (or is outside the mask). */
  maps: Record<PerfusionMapName, Float32Array>;
  /** The frame times used, ms from the first frame. */
  frameTimes: number[];
  /** The robust noise of the opacification samples (grey levels) and the threshold used. */
  noise: number;
  threshold: number;
  /** Pixels with values. */
  pixels: number;
}

/** The frame times of a sequence (its own, else the fallback), checked: T of them, strictly increasing. */
export function sequenceFrameTimes(seq: DsaSequence, fallback?: number[]): number[] {
  const times = seq.meta.frameTimes ?? fallback;
  if (!times)
    throw new Error(
      `${seq.source}: no frame times (DICOM carries them; for PNG frames or .npy add a frame_times.json sidecar, or give the frame interval)`,
    );
  if (times.length !== seq.T) throw new Error(`${seq.source}: ${times.length} frame times for ${seq.T} frames`);
  for (let k = 1; k < times.length; k++)
    if (!(times[k] > times[k - 1])) throw new Error(`${seq.source}: frame times do not increase at frame ${k}`);
  return times.map((t) => t - times[0]);
}

/** Median of |x - median| x 1.4826. */
function robustStd(values: Float32Array): number {
  const sample = Array.from(values);
  if (!sample.length) return 0;
  sample.sort((a, b) => a - b);
  const med = sample[sample.length >> 1];
  const dev = sample.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
  return 1.4826 * dev[dev.length >> 1];
}

/** Vertex (time, value) of the parabola through three points with t0 < t1 < t2; null when it opens upwards. */
export function parabolaVertex(
  t0: number,
  c0: number,
  t1: number,
  c1: number,
  t2: number,
  c2: number,
): [number, number] | null {
  const d1 = (c1 - c0) / (t1 - t0);
  const d2 = (c2 - c1) / (t2 - t1);
  const a = (d2 - d1) / (t2 - t0);
  if (!(a < 0)) return null;
  const b = d1 - a * (t0 + t1);
  const tv = Math.min(t2, Math.max(t0, -b / (2 * a)));
  return [tv, c1 + (tv - t1) * (d1 + a * (tv - t0))];
}

export function perfusionMaps(seq: DsaSequence, options: PerfusionOptions = {}): PerfusionMaps {
  const { T, H, W } = seq;
  const n = H * W;
  const times = sequenceFrameTimes(seq, options.frameTimes);
  const B = options.baselineFrames ?? 1;
  if (!Number.isInteger(B) || B < 1 || B >= T)
    throw new Error(`${seq.source}: baseline of ${B} frames needs a whole number from 1 to ${T - 1} (T = ${T})`);
  if (options.mask && options.mask.length !== n)
    throw new Error(`mask of ${options.mask.length} pixels for ${W}x${H} frames`);
  const f = seq.frames;
  const baseline = new Float32Array(n);
  for (let k = 0; k < B; k++) for (let i = 0; i < n; i++) baseline[i] += f[k * n + i] / B;
  // The noise from second differences along time, v[k-1] - 2 v[k] + v[k+1]: a bolus curve is smooth over a few
  // frames and cancels, white noise of std s gives std s sqrt(6) (strided: about 200k samples at most).
  const count = Math.max(0, T - 2) * n;
  const stride = Math.max(1, Math.floor(count / 200000));
  const diffs = new Float32Array(Math.ceil(count / stride));
  for (let j = 0, s = 0; j < count; j += stride, s++) {
    const at = j + n; // sample (k, i) with k >= 1
    diffs[s] = f[at - n] - 2 * f[at] + f[at + n];
  }
  const noise = count > 0 ? robustStd(diffs) / Math.sqrt(6) : 0;
  const threshold = options.minOpacification ?? Math.max(1e-6, AUTO_THRESHOLD_NOISE * noise);
  const maps = {
    arrival: new Float32Array(n).fill(NaN),
    ttp: new Float32Array(n).fill(NaN),
    peak: new Float32Array(n).fill(NaN),
    mtt: new Float32Array(n).fill(NaN),
  };
  const c = new Float64Array(T);
  let pixels = 0;
  for (let i = 0; i < n; i++) {
    if (options.mask && !options.mask[i]) continue;
    let kMax = 0;
    for (let k = 0; k < T; k++) {
      c[k] = baseline[i] - f[k * n + i];
      if (c[k] > c[kMax]) kMax = k;
    }
    // A peak at the first or last frame is not a peak the run saw (contrast already there, or still rising, or a
    // drifting artefact): no value.
    if (c[kMax] < threshold || kMax === 0 || kMax === T - 1) continue;
    let ttp = times[kMax];
    let peak = c[kMax];
    if (kMax > 0 && kMax < T - 1) {
      const v = parabolaVertex(times[kMax - 1], c[kMax - 1], times[kMax], c[kMax], times[kMax + 1], c[kMax + 1]);
      if (v) [ttp, peak] = [v[0], Math.max(peak, v[1])];
    }
    const level = ARRIVAL_FRACTION * peak;
    let k = kMax;
    while (k > 0 && c[k - 1] >= level) k--;
    const arrival =
      k === 0 ? times[0] : times[k - 1] + ((level - c[k - 1]) / (c[k] - c[k - 1])) * (times[k] - times[k - 1]);
    const floor = MTT_WINDOW_FRACTION * peak;
    let lo = kMax;
    while (lo > 0 && c[lo - 1] >= floor) lo--;
    let hi = kMax;
    while (hi < T - 1 && c[hi + 1] >= floor) hi++;
    let area = 0;
    let moment = 0;
    for (let j = lo; j < hi; j++) {
      const dt = times[j + 1] - times[j];
      area += 0.5 * (c[j] + c[j + 1]) * dt;
      moment += 0.5 * (times[j] * c[j] + times[j + 1] * c[j + 1]) * dt;
    }
    maps.ttp[i] = ttp;
    maps.peak[i] = peak;
    maps.arrival[i] = arrival;
    maps.mtt[i] = area > 0 ? Math.max(0, moment / area - arrival) : 0;
    pixels++;
  }
  return { W, H, maps, frameTimes: times, noise, threshold, pixels };
}
