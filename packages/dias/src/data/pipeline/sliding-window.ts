// Whole-sequence inference by tiling: the frames are cut into overlapping P x P patches (all T frames), the
// model predicts each batch of patches, and the per-patch probability maps are stitched back into one C x H x W
// map. The default is the official scheme (Test_dataset.get_patch + helpers.recompone_overlap): zero padding at
// the bottom and right by stride - (H - P) % stride (Python modulo, so a full extra stride when it divides),
// patches every `stride` pixels, overlaps averaged, then cropped back to H x W. Options: 'fit' tiling (no
// padding; the last patch is moved back to end at the border) and Gaussian-weighted blending as nnU-Net
// (weight exp(-d^2 / 2 sigma^2) from the patch centre, sigma = P / 8), which plays down patch borders.

export type BlendMode = 'average' | 'gaussian';
export type TilingMode = 'official' | 'fit';

export interface SlidingWindowOptions {
  /** Patch side (official 64). */
  patchSize?: number;
  /** Distance between patch corners (official 32). */
  stride?: number;
  /** Patches per predict() call (default 64). */
  batchSize?: number;
  blend?: BlendMode;
  tiling?: TilingMode;
  /** Channels the predictor returns per pixel (default 1). */
  channels?: number;
}

/** Patches: [n][T][P][P]; returns [n][C][P][P]. `patches` is reused after the call (or its promise) returns. */
export type PatchPredictor = (patches: Float32Array, n: number) => Float32Array | Promise<Float32Array>;
export type SyncPatchPredictor = (patches: Float32Array, n: number) => Float32Array;

/** Where the patches go: the padded size and the patch corners along each axis. */
export interface TileGrid {
  paddedH: number;
  paddedW: number;
  ys: number[];
  xs: number[];
}

function fail(msg: string): never {
  throw new Error(`sliding window: ${msg}`);
}

function axisTiles(n: number, P: number, stride: number, tiling: TilingMode): { padded: number; starts: number[] } {
  let padded: number;
  if (tiling === 'official') {
    const r = (((n - P) % stride) + stride) % stride;
    // The official formula; an image smaller than P - stride would still be smaller than one patch, so such
    // images are padded up to one patch (the official code would fail on them).
    padded = Math.max(P, n + stride - r);
  } else {
    padded = Math.max(P, n);
  }
  const starts: number[] = [];
  for (let s = 0; s + P <= padded; s += stride) starts.push(s);
  if (starts[starts.length - 1] + P < padded) starts.push(padded - P); // 'fit': end flush with the border
  return { padded, starts };
}

export function tileGrid(
  H: number,
  W: number,
  patchSize: number,
  stride: number,
  tiling: TilingMode = 'official',
): TileGrid {
  const a = axisTiles(H, patchSize, stride, tiling);
  const b = axisTiles(W, patchSize, stride, tiling);
  return { paddedH: a.padded, paddedW: b.padded, ys: a.starts, xs: b.starts };
}

/** nnU-Net style importance map, P x P, peak 1 at the centre. */
export function gaussianImportance(P: number, sigma = P / 8): Float64Array {
  const c = (P - 1) / 2;
  const g = new Float64Array(P);
  for (let i = 0; i < P; i++) g[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  const w = new Float64Array(P * P);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) w[i * P + j] = g[i] * g[j];
  return w;
}

function positiveInt(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    fail(`${name} must be a positive integer, got ${JSON.stringify(v) ?? typeof v}`);
  return v;
}

/** The tiling, accumulation and normalisation shared by the sync and async entry points. */
class Stitcher {
  readonly P: number;
  readonly C: number;
  readonly batchSize: number;
  readonly grid: TileGrid;
  readonly count: number;
  readonly buffer: Float32Array;
  private readonly weights: Float64Array | null;
  private readonly acc: Float64Array;
  private readonly norm: Float64Array;

  constructor(
    private readonly frames: Float32Array,
    private readonly T: number,
    private readonly H: number,
    private readonly W: number,
    o: SlidingWindowOptions,
  ) {
    for (const [k, v] of [
      ['T', T],
      ['H', H],
      ['W', W],
    ] as const)
      if (!Number.isInteger(v) || v < 1) fail(`${k} must be a positive integer, got ${v}`);
    if (!(frames instanceof Float32Array) || frames.length !== T * H * W)
      fail(`frames must be a Float32Array of T*H*W = ${T * H * W} values, got ${frames?.length}`);
    this.P = positiveInt('patchSize', o.patchSize, 64);
    const stride = positiveInt('stride', o.stride, 32);
    if (stride > this.P) fail(`stride (${stride}) must not exceed patchSize (${this.P}), or pixels would be left out`);
    this.batchSize = positiveInt('batchSize', o.batchSize, 64);
    this.C = positiveInt('channels', o.channels, 1);
    const blend = o.blend ?? 'average';
    if (blend !== 'average' && blend !== 'gaussian')
      fail(`blend must be 'average' or 'gaussian', got '${String(blend)}'`);
    const tiling = o.tiling ?? 'official';
    if (tiling !== 'official' && tiling !== 'fit') fail(`tiling must be 'official' or 'fit', got '${String(tiling)}'`);
    this.grid = tileGrid(H, W, this.P, stride, tiling);
    this.count = this.grid.ys.length * this.grid.xs.length;
    this.weights = blend === 'gaussian' ? gaussianImportance(this.P) : null;
    this.buffer = new Float32Array(Math.min(this.batchSize, this.count) * T * this.P * this.P);
    // Only the H x W part is kept: padding is cut off in the end anyway.
    this.acc = new Float64Array(this.C * H * W);
    this.norm = new Float64Array(H * W);
  }

  private corner(k: number): [number, number] {
    const nx = this.grid.xs.length;
    return [this.grid.ys[Math.floor(k / nx)], this.grid.xs[k % nx]];
  }

  /** Patches [first, first + n) into the buffer (zeros outside the image); returns the filled view. */
  fill(first: number, n: number): Float32Array {
    const { P, T, H, W } = this;
    const PP = P * P;
    const out = this.buffer.subarray(0, n * T * PP);
    for (let k = 0; k < n; k++) {
      const [y0, x0] = this.corner(first + k);
      const wIn = Math.max(0, Math.min(P, W - x0));
      for (let t = 0; t < T; t++) {
        const dst = (k * T + t) * PP;
        for (let i = 0; i < P; i++) {
          const y = y0 + i;
          const row = dst + i * P;
          if (y >= H) {
            out.fill(0, row, row + P);
            continue;
          }
          const src = (t * H + y) * W + x0;
          out.set(this.frames.subarray(src, src + wIn), row);
          if (wIn < P) out.fill(0, row + wIn, row + P);
        }
      }
    }
    return out;
  }

  /** Adds the predictions [n][C][P][P] for patches [first, first + n). */
  add(first: number, n: number, pred: Float32Array): void {
    const { P, C, H, W } = this;
    const PP = P * P;
    if (!pred || typeof pred.length !== 'number' || pred.length !== n * C * PP) {
      fail(
        `the predictor must return n*C*P*P = ${n}*${C}*${P}*${P} = ${n * C * PP} values for ${n} patches, got ${pred?.length}`,
      );
    }
    const wts = this.weights;
    for (let k = 0; k < n; k++) {
      const [y0, x0] = this.corner(first + k);
      const hIn = Math.min(P, H - y0);
      const wIn = Math.min(P, W - x0);
      for (let i = 0; i < hIn; i++) {
        const imgRow = (y0 + i) * W + x0;
        for (let j = 0; j < wIn; j++) this.norm[imgRow + j] += wts ? wts[i * P + j] : 1;
        for (let c = 0; c < C; c++) {
          const src = (k * C + c) * PP + i * P;
          const dst = c * H * W + imgRow;
          if (wts) for (let j = 0; j < wIn; j++) this.acc[dst + j] += wts[i * P + j] * pred[src + j];
          else for (let j = 0; j < wIn; j++) this.acc[dst + j] += pred[src + j];
        }
      }
    }
  }

  result(): Float32Array {
    const HW = this.H * this.W;
    const out = new Float32Array(this.C * HW);
    for (let c = 0; c < this.C; c++) for (let p = 0; p < HW; p++) out[c * HW + p] = this.acc[c * HW + p] / this.norm[p];
    return out;
  }
}

/** Predicts a whole sequence [T][H][W] patch-wise; returns the stitched [C][H][W] map. */
export async function slidingWindow(
  frames: Float32Array,
  T: number,
  H: number,
  W: number,
  predict: PatchPredictor,
  options: SlidingWindowOptions = {},
): Promise<Float32Array> {
  const s = new Stitcher(frames, T, H, W, options);
  for (let first = 0; first < s.count; first += s.batchSize) {
    const n = Math.min(s.batchSize, s.count - first);
    s.add(first, n, await predict(s.fill(first, n), n));
  }
  return s.result();
}

/** slidingWindow with a synchronous predictor. */
export function slidingWindowSync(
  frames: Float32Array,
  T: number,
  H: number,
  W: number,
  predict: SyncPatchPredictor,
  options: SlidingWindowOptions = {},
): Float32Array {
  const s = new Stitcher(frames, T, H, W, options);
  for (let first = 0; first < s.count; first += s.batchSize) {
    const n = Math.min(s.batchSize, s.count - first);
    const pred = predict(s.fill(first, n), n);
    if (pred instanceof Promise)
      fail('slidingWindowSync needs a synchronous predictor; use slidingWindow for one that returns a promise');
    s.add(first, n, pred);
  }
  return s.result();
}
