// Pure per-sequence preprocessing shared by the CLI and training. Contrast is dark in DSA, so the authors' "MIP"
// (data_process/MIP.py) is a minimum over time; mean/std normalisation is over the whole sequence (all frames and
// pixels at once, population std, + 1e-8), as the official readers do before training and testing.
import type { DsaSequence } from '../sequence.js';

/** Mean and population standard deviation of all values (float64 accumulation). */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: 0, std: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    sq += d * d;
  }
  return { mean, std: Math.sqrt(sq / n) };
}

/** (x - mean) / (std + 1e-8) over the whole sequence. */
export function zscoreFrames(frames: Float32Array): Float32Array {
  const { mean, std } = meanStd(frames);
  const scale = 1 / (std + 1e-8);
  const out = new Float32Array(frames.length);
  for (let i = 0; i < frames.length; i++) out[i] = (frames[i] - mean) * scale;
  return out;
}

export function zscoreSequence(seq: DsaSequence): DsaSequence {
  return { ...seq, frames: zscoreFrames(seq.frames), meta: { ...seq.meta, normalised: 'zscore' } };
}

// A comparison in the loop rather than Math.min/Math.max through a function argument: 8 frames of 800x800 took
// about 110 ms that way, the viewer's slowest step after the forward pass. NaN propagates as with Math.min/max.
function projection(seq: DsaSequence, kind: 'min' | 'max'): Float32Array {
  const n = seq.H * seq.W;
  if (seq.T < 1) throw new Error(`${seq.source}: a projection needs at least one frame`);
  const out = seq.frames.slice(0, n);
  const min = kind === 'min';
  for (let t = 1; t < seq.T; t++) {
    const f = seq.frames.subarray(t * n, (t + 1) * n);
    for (let p = 0; p < n; p++) {
      const v = f[p];
      if ((min ? v < out[p] : v > out[p]) || v !== v) out[p] = v;
    }
  }
  return out;
}

/** Minimum intensity over time, H x W: where contrast passed at any time (vessels are dark). */
export function minIntensityProjection(seq: DsaSequence): Float32Array {
  return projection(seq, 'min');
}

/** Maximum intensity over time, H x W. */
export function maxIntensityProjection(seq: DsaSequence): Float32Array {
  return projection(seq, 'max');
}

/** Mean over time, H x W. */
export function meanProjection(seq: DsaSequence): Float32Array {
  const n = seq.H * seq.W;
  const acc = new Float64Array(n);
  for (let t = 0; t < seq.T; t++) {
    const f = seq.frames.subarray(t * n, (t + 1) * n);
    for (let p = 0; p < n; p++) acc[p] += f[p];
  }
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) out[p] = acc[p] / seq.T;
  return out;
}

/** A sequence of the given frames (in the given order; repeats allowed); negative indices count from the end. */
export function selectFrames(seq: DsaSequence, indices: readonly number[]): DsaSequence {
  if (indices.length === 0) throw new Error(`${seq.source}: no frames selected`);
  const n = seq.H * seq.W;
  const frames = new Float32Array(indices.length * n);
  const picked: number[] = [];
  indices.forEach((raw, j) => {
    const t = raw < 0 ? seq.T + raw : raw;
    if (!Number.isInteger(t) || t < 0 || t >= seq.T)
      throw new Error(`${seq.source}: frame ${raw} out of range (T = ${seq.T})`);
    frames.set(seq.frames.subarray(t * n, (t + 1) * n), j * n);
    picked.push(t);
  });
  const meta = { ...seq.meta, selectedFrames: picked };
  const times = seq.meta.frameTimes;
  if (times && times.length === seq.T) meta.frameTimes = picked.map((t) => times[t]);
  return { ...seq, frames, T: indices.length, meta };
}

/** Parses '0,2,4-7' (or '-1' for the last frame) into indices. */
export function parseFrameList(text: string): number[] {
  const out: number[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a) throw new Error(`frame range '${part}' runs backwards`);
      for (let t = a; t <= b; t++) out.push(t);
    } else if (/^-?\d+$/.test(part)) out.push(Number(part));
    else throw new Error(`'${part}' is not a frame index or range (e.g. 0,2,4-7)`);
  }
  if (!out.length) throw new Error(`'${text}' selects no frames`);
  return out;
}
