// Realism check: a few image statistics that a segmentation model is sensitive to, computed the same way on real
// DSA frames and on synthetic ones, so the generator's parameters are tuned against numbers, not impressions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readGrayPng } from '../../image/png.js';
import { gaussianBlur, resampleArea } from './filters.js';

export interface FrameStats {
  /** Intensity percentiles of the whole frame (0..255). */
  p1: number;
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  p99: number;
  /** Background level: the median. */
  background: number;
  /** Vessel contrast: median minus 1st percentile (the darkest vessels against the background). */
  contrast: number;
  /** Share of pixels more than 20 grey levels below the median (how much of the frame is opacified vessel). */
  darkFraction: number;
  /** Noise: robust std (1.4826 MAD) of the frame minus its Gaussian blur (sigma 2 px) over flat regions. */
  noise: number;
  /** Low-frequency unevenness: std of a strongly blurred frame (sigma W/32) over the same flat regions. */
  lowFrequency: number;
}

export const STAT_KEYS: (keyof FrameStats)[] = [
  'p1',
  'p5',
  'p25',
  'p50',
  'p75',
  'p95',
  'p99',
  'background',
  'contrast',
  'darkFraction',
  'noise',
  'lowFrequency',
];

function percentile(sorted: Float32Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function robustStd(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = Float32Array.from(values).sort();
  const med = percentile(s, 0.5);
  const dev = Float32Array.from(values, (v) => Math.abs(v - med)).sort();
  return 1.4826 * percentile(dev, 0.5);
}

/** Statistics of one 8-bit-range frame (H x W, row-major). */
export function frameStats(frame: Float32Array, W: number, H: number): FrameStats {
  const n = W * H;
  const sorted = Float32Array.from(frame).sort();
  const p50 = percentile(sorted, 0.5);
  let dark = 0;
  for (let i = 0; i < n; i++) if (frame[i] < p50 - 20) dark++;
  // Flat regions: small gradient of a smoothed frame and close to the background level (no vessel, text, edge).
  const smooth = gaussianBlur(frame, W, H, 3);
  const grad = new Float32Array(n);
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      const i = y * W + x;
      const gx = smooth[i + 1] - smooth[i - 1];
      const gy = smooth[i + W] - smooth[i - W];
      grad[i] = Math.hypot(gx, gy);
    }
  }
  const margin = Math.round(Math.min(W, H) * 0.03);
  const inner: number[] = [];
  for (let y = margin; y < H - margin; y++) for (let x = margin; x < W - margin; x++) inner.push(grad[y * W + x]);
  const gradLimit = percentile(Float32Array.from(inner).sort(), 0.4);
  const high = gaussianBlur(frame, W, H, 2);
  const low = gaussianBlur(frame, W, H, Math.max(4, W / 32));
  const residuals: number[] = [];
  const lows: number[] = [];
  for (let y = margin; y < H - margin; y++) {
    for (let x = margin; x < W - margin; x++) {
      const i = y * W + x;
      if (grad[i] <= gradLimit && Math.abs(smooth[i] - p50) < 15) {
        residuals.push(frame[i] - high[i]);
        lows.push(low[i]);
      }
    }
  }
  let mean = 0;
  for (const v of lows) mean += v;
  mean /= lows.length || 1;
  let varLow = 0;
  for (const v of lows) varLow += (v - mean) ** 2;
  return {
    p1: percentile(sorted, 0.01),
    p5: percentile(sorted, 0.05),
    p25: percentile(sorted, 0.25),
    p50,
    p75: percentile(sorted, 0.75),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    background: p50,
    contrast: p50 - percentile(sorted, 0.01),
    darkFraction: dark / n,
    noise: robustStd(residuals),
    lowFrequency: Math.sqrt(varLow / (lows.length || 1)),
  };
}

/** Mean and standard deviation of each statistic over frames. */
export function summarise(stats: FrameStats[]): Record<keyof FrameStats, { mean: number; std: number }> {
  const out = {} as Record<keyof FrameStats, { mean: number; std: number }>;
  for (const k of STAT_KEYS) {
    const v = stats.map((s) => s[k]);
    const mean = v.reduce((a, b) => a + b, 0) / (v.length || 1);
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length || 1));
    out[k] = { mean, std };
  }
  return out;
}

export interface GrayFrame {
  name: string;
  W: number;
  H: number;
  data: Float32Array;
}

/**
 * Reads the real frames of a folder of 8-bit PNGs; with `size`, each is area-resampled to size x size first, as
 * a detector image is binned down to the dataset's resolution (so noise is compared at the same pixel scale).
 */
export function readRealFrames(dir: string, size?: number): GrayFrame[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => f.toLowerCase().endsWith('.png'))
      .sort();
  } catch (e) {
    throw new Error(`${dir}: cannot list real frames (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (names.length === 0) throw new Error(`${dir}: no PNG frames to compare with`);
  return names.map((name) => {
    const img = readGrayPng(join(dir, name));
    if (img.bitDepth !== 8) throw new Error(`${join(dir, name)}: expected an 8-bit frame`);
    if (size === undefined || (size === img.width && size === img.height))
      return { name, W: img.width, H: img.height, data: img.data };
    return { name, W: size, H: size, data: resampleArea(img.data, img.width, img.height, size, size) };
  });
}

export interface RealismReport {
  real: Record<keyof FrameStats, { mean: number; std: number }>;
  synthetic: Record<keyof FrameStats, { mean: number; std: number }>;
  realCount: number;
  syntheticCount: number;
}

export function compareStats(real: GrayFrame[], synthetic: GrayFrame[]): RealismReport {
  return {
    real: summarise(real.map((f) => frameStats(f.data, f.W, f.H))),
    synthetic: summarise(synthetic.map((f) => frameStats(f.data, f.W, f.H))),
    realCount: real.length,
    syntheticCount: synthetic.length,
  };
}

/** The comparison as a Markdown table: statistic, real mean ± std, synthetic mean ± std. */
export function formatRealismTable(report: RealismReport): string {
  const fmt = (v: { mean: number; std: number }, k: keyof FrameStats): string =>
    k === 'darkFraction'
      ? `${(100 * v.mean).toFixed(2)}% ± ${(100 * v.std).toFixed(2)}`
      : `${v.mean.toFixed(1)} ± ${v.std.toFixed(1)}`;
  const lines = [
    `| statistic | real (${report.realCount} frames) | synthetic (${report.syntheticCount} frames) |`,
    '| --- | --- | --- |',
  ];
  for (const k of STAT_KEYS) lines.push(`| ${k} | ${fmt(report.real[k], k)} | ${fmt(report.synthetic[k], k)} |`);
  return lines.join('\n');
}

interface DatasetJson {
  options: { width: number; height: number };
  sequences: { id: number; split: string; arterialPhaseFrame: number; view?: string; injection?: string }[];
}

/**
 * The arterial-phase frame (dataset.json's arterialPhaseFrame) of the first `count` sequences of a synthetic
 * dataset written by `dias synth`, read back from its PNGs.
 */
export function readSyntheticFrames(
  datasetDir: string,
  count: number,
  pick?: (s: DatasetJson['sequences']) => DatasetJson['sequences'],
): GrayFrame[] {
  let info: DatasetJson;
  try {
    info = JSON.parse(readFileSync(join(datasetDir, 'dataset.json'), 'utf8')) as DatasetJson;
  } catch (e) {
    throw new Error(`${datasetDir}: no readable dataset.json (${(e as Error).message}); is this a dias synth output?`);
  }
  const chosen = pick ? pick(info.sequences) : info.sequences.slice(0, count);
  return chosen.map((s) => {
    const path = join(datasetDir, s.split, 'images', `image_s${s.id}_i${s.arterialPhaseFrame}.png`);
    const img = readGrayPng(path);
    return {
      name: `s${s.id}${s.view ? ` ${s.view}` : ''}${s.injection ? ` ${s.injection}` : ''}`,
      W: img.width,
      H: img.height,
      data: img.data,
    };
  });
}

/**
 * Compares a synthetic dataset with a folder of real frames: the real frames are area-resampled to the synthetic
 * size first, the synthetic side is each sequence's arterial-phase frame (the real frames show arteries).
 */
export function compareDatasetWithReal(
  datasetDir: string,
  realDir: string,
  count = 16,
): RealismReport & { realFrames: GrayFrame[]; syntheticFrames: GrayFrame[] } {
  const synthetic = readSyntheticFrames(datasetDir, count);
  if (synthetic.length === 0) throw new Error(`${datasetDir}: no sequences to compare`);
  const real = readRealFrames(realDir, synthetic[0].W);
  return { ...compareStats(real, synthetic), realFrames: real, syntheticFrames: synthetic };
}

/**
 * A picture for the eye: a row of real frames (spread over the folder's list) over a row of synthetic
 * arterial-phase frames (a lateral, a frontal and a vertebral run where the dataset has them), tiles of `tile` px.
 */
export function comparisonSheet(datasetDir: string, realDir: string, columns = 3, tile = 400): GrayFrame {
  const real = readRealFrames(realDir, tile);
  const realPick = Array.from(
    { length: Math.min(columns, real.length) },
    (_, i) => real[Math.round((i * (real.length - 1)) / Math.max(1, columns - 1))],
  );
  const wanted = [
    (s: { view?: string; injection?: string }) => s.view === 'LAT' && s.injection !== 'VERT',
    (s: { view?: string; injection?: string }) => s.view === 'AP' && s.injection !== 'VERT',
    (s: { injection?: string }) => s.injection === 'VERT',
  ];
  const synth = readSyntheticFrames(datasetDir, columns, (list) => {
    const out: typeof list = [];
    for (const want of wanted.slice(0, columns)) {
      const hit = list.find((s) => want(s) && !out.includes(s));
      if (hit) out.push(hit);
    }
    for (const s of list) if (out.length < columns && !out.includes(s)) out.push(s);
    return out;
  }).map((f) => ({
    ...f,
    W: tile,
    H: tile,
    data: f.W === tile && f.H === tile ? f.data : resampleArea(f.data, f.W, f.H, tile, tile),
  }));
  const gap = 8;
  const cols = Math.max(realPick.length, synth.length);
  const W = cols * tile + (cols - 1) * gap;
  const H = 2 * tile + gap;
  const data = new Float32Array(W * H).fill(255);
  [realPick, synth].forEach((row, r) =>
    row.forEach((f, c) => {
      for (let y = 0; y < tile; y++)
        data.set(f.data.subarray(y * tile, (y + 1) * tile), (r * (tile + gap) + y) * W + c * (tile + gap));
    }),
  );
  return {
    name: `real: ${realPick.map((f) => f.name).join(', ')} | synthetic: ${synth.map((f) => f.name).join(', ')}`,
    W,
    H,
    data,
  };
}
