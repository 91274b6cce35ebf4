// Unsubtracted angiography cine -> DSA by mask subtraction in the log domain. X-ray intensity falls as
// exp(-attenuation), so log(mask) - log(frame) is the attenuation the contrast added (>= 0 in vessels, ~0 in
// static anatomy). It is mapped back to an image with vessels dark on a bright, flat background:
//     out = background * exp(-(log(mask + eps) - log(frame + eps))) = background * (frame + eps) / (mask + eps),
// clipped to [0, 255]; background defaults to 200 so that frames brighter than the mask (motion, noise) still show.
// Stored values are taken as proportional to detected intensity (shifted to start at 0 when rescale made them
// negative); a display-log-encoded cine only changes the contrast curve, not where the vessels are.
//
// The automatic mask: the brightest (least attenuated) frame among the first quarter of the run (at least the
// first frame, at most the first 10): before the bolus arrives every frame is a candidate, and the brightest one
// carries the least contrast. A chosen frame index overrides it.
import type { DsaSequence } from '../sequence.js';

export interface SubtractionOptions {
  /** Mask frame index, or 'auto' (default). */
  mask?: number | 'auto';
  /** Output grey level where nothing changed (default 200). */
  background?: number;
  /** Added to both intensities before the logarithm (default 1, one grey level). */
  epsilon?: number;
}

function frameMean(seq: DsaSequence, t: number): number {
  const n = seq.H * seq.W;
  let s = 0;
  for (let p = t * n; p < (t + 1) * n; p++) s += seq.frames[p];
  return s / n;
}

/** The automatically chosen mask frame (see the file comment). */
export function pickMaskFrame(seq: DsaSequence): number {
  const candidates = Math.min(seq.T, Math.max(1, Math.min(10, Math.ceil(seq.T / 4))));
  let best = 0;
  let bestMean = -Infinity;
  for (let t = 0; t < candidates; t++) {
    const m = frameMean(seq, t);
    if (m > bestMean) [best, bestMean] = [t, m];
  }
  return best;
}

export function subtractMask(seq: DsaSequence, options: SubtractionOptions = {}): DsaSequence {
  const mask = options.mask === undefined || options.mask === 'auto' ? pickMaskFrame(seq) : options.mask;
  if (!Number.isInteger(mask) || mask < 0 || mask >= seq.T)
    throw new Error(`${seq.source}: mask frame ${mask} out of range (T = ${seq.T})`);
  const background = options.background ?? 200;
  const eps = options.epsilon ?? 1;
  let lo = Infinity;
  for (let i = 0; i < seq.frames.length; i++) if (seq.frames[i] < lo) lo = seq.frames[i];
  const shift = lo < 0 ? -lo : 0;
  const n = seq.H * seq.W;
  const m = seq.frames.subarray(mask * n, (mask + 1) * n);
  const out = new Float32Array(seq.frames.length);
  for (let t = 0; t < seq.T; t++) {
    const f = seq.frames.subarray(t * n, (t + 1) * n);
    const o = out.subarray(t * n, (t + 1) * n);
    for (let p = 0; p < n; p++) {
      const v = (background * (f[p] + shift + eps)) / (m[p] + shift + eps);
      o[p] = v > 255 ? 255 : v;
    }
  }
  return {
    ...seq,
    frames: out,
    meta: {
      ...seq.meta,
      subtraction: { maskFrame: mask, automatic: options.mask === undefined || options.mask === 'auto', background },
    },
  };
}
