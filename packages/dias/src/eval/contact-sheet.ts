// A contact sheet of one sequence: its frames in a grid, then a row with the minimum intensity projection
// (MinIP), the label over the MinIP in red, and the scribble over the MinIP (vessel red, background blue).
// Every tile shares one grey window (the 0.5th..99.5th percentile of all frames), so frames compare directly.
// No counterpart in the official code (lseventeen/DIAS). It sits in eval/, not image/, because it reads data/ (the
// sequence and its MinIP): image/ stays below data/.
import type { DsaSequence } from '../data/sequence.js';
import { minIntensityProjection } from '../data/pipeline/preprocess.js';
import { RgbCanvas, type Rgb } from '../image/rgb-canvas.js';

export interface ContactSheetOptions {
  /** Longest tile side in pixels; larger images are downscaled (default 256; never upscaled). */
  tileSize?: number;
  /** Tiles per row (default: min(4, max(frames shown, projection tiles))). */
  columns?: number;
  /** Show at most this many frames, evenly spaced (default 16). */
  maxFrames?: number;
  /** Gap between tiles (default 4). */
  gap?: number;
}

export interface ContactSheetLayout {
  width: number;
  height: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  /** Frame indices shown, in order. */
  frames: number[];
  /** What the projection row holds. */
  projections: ('minip' | 'label' | 'scribble')[];
}

const RED: Rgb = [255, 40, 40];
const BLUE: Rgb = [40, 110, 255];
const BACKGROUND: Rgb = [24, 24, 24];

/** Values at the low and high quantiles, from a 4096-bin histogram (exact enough for a display window). */
export function displayWindow(values: ArrayLike<number>, low = 0.005, high = 0.995): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return [lo, lo + 1];
  const bins = 4096;
  const hist = new Uint32Array(bins);
  const scale = (bins - 1) / (hi - lo);
  for (let i = 0; i < values.length; i++) hist[Math.floor((values[i] - lo) * scale)]++;
  const at = (q: number) => {
    const target = q * values.length;
    let acc = 0;
    for (let b = 0; b < bins; b++) if ((acc += hist[b]) >= target) return lo + b / scale;
    return hi;
  };
  const a = at(low);
  const b = at(high);
  return b > a ? [a, b] : [lo, hi];
}

export function contactSheetLayout(seq: DsaSequence, options: ContactSheetOptions = {}): ContactSheetLayout {
  const tileSize = options.tileSize ?? 256;
  const maxFrames = Math.max(1, options.maxFrames ?? 16);
  const gap = options.gap ?? 4;
  const shown = seq.T <= maxFrames ? seq.T : maxFrames;
  const frames = Array.from({ length: shown }, (_, i) =>
    shown === seq.T ? i : Math.round((i * (seq.T - 1)) / (shown - 1 || 1)),
  );
  const projections: ContactSheetLayout['projections'] = ['minip'];
  if (seq.label) projections.push('label');
  if (seq.scribble) projections.push('scribble');
  const columns = options.columns ?? Math.min(4, Math.max(shown, projections.length));
  if (columns < projections.length)
    throw new Error(`contact sheet: ${columns} columns cannot hold the ${projections.length} projection tiles`);
  const scale = Math.min(1, tileSize / Math.max(seq.H, seq.W));
  const tileWidth = Math.max(1, Math.round(seq.W * scale));
  const tileHeight = Math.max(1, Math.round(seq.H * scale));
  const rows = Math.ceil(shown / columns) + 1;
  return {
    width: columns * tileWidth + (columns + 1) * gap,
    height: rows * tileHeight + (rows + 1) * gap,
    columns,
    rows,
    tileWidth,
    tileHeight,
    frames,
    projections,
  };
}

export function renderContactSheet(
  seq: DsaSequence,
  options: ContactSheetOptions = {},
): { canvas: RgbCanvas; layout: ContactSheetLayout } {
  const layout = contactSheetLayout(seq, options);
  const gap = options.gap ?? 4;
  const canvas = new RgbCanvas(layout.width, layout.height, BACKGROUND);
  const [lo, hi] = displayWindow(seq.frames);
  const n = seq.H * seq.W;
  const tile = (row: number, col: number) => ({
    x: gap + col * (layout.tileWidth + gap),
    y: gap + row * (layout.tileHeight + gap),
    width: layout.tileWidth,
    height: layout.tileHeight,
  });
  layout.frames.forEach((t, i) => {
    canvas.drawGray(
      seq.frames.subarray(t * n, (t + 1) * n),
      seq.W,
      seq.H,
      tile(Math.floor(i / layout.columns), i % layout.columns),
      lo,
      hi,
    );
  });
  const minip = minIntensityProjection(seq);
  const row = layout.rows - 1;
  layout.projections.forEach((kind, col) => {
    const at = tile(row, col);
    canvas.drawGray(minip, seq.W, seq.H, at, lo, hi);
    if (kind === 'label') canvas.overlay(seq.label!, seq.W, seq.H, at, (v) => v === 1, RED, 0.55);
    if (kind === 'scribble') {
      // 255 (unlabelled) stays as it is: only vessel (1) and background (0) are painted.
      canvas.overlay(seq.scribble!, seq.W, seq.H, at, (v) => v === 1, RED, 0.9);
      canvas.overlay(seq.scribble!, seq.W, seq.H, at, (v) => v === 0, BLUE, 0.9);
    }
  });
  return { canvas, layout };
}
