// Separable Gaussian smoothing of a [T][H][W] volume along all three axes with 'nearest' (edge-replicating)
// borders and the kernel truncated at `truncate` sigmas: what the official GaussianBlur3D gets from
// skimage.filters.gaussian (which calls scipy.ndimage.gaussian_filter with mode='nearest', truncate=4).

/** scipy's kernel: radius round(truncate * sigma), weights exp(-x^2 / 2 sigma^2) normalised to sum 1. */
export function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  if (!(sigma > 0)) throw new Error(`gaussianKernel1d: sigma must be > 0, got ${sigma}`);
  const radius = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * Convolves, in place, `count` lines of length `len` whose elements are `step` apart, line c starting at
 * c * lineStride + base. Each line is copied into `padded` with `r` replicated samples on both sides, so the
 * inner loop has no border tests.
 */
function smoothLines(
  x: Float32Array,
  len: number,
  step: number,
  count: number,
  lineStride: number,
  base: number,
  k: Float64Array,
  padded: Float64Array,
): void {
  const r = (k.length - 1) >> 1;
  for (let c = 0; c < count; c++) {
    const start = base + c * lineStride;
    const first = x[start];
    const last = x[start + (len - 1) * step];
    for (let i = 0; i < r; i++) {
      padded[i] = first;
      padded[r + len + i] = last;
    }
    for (let i = 0; i < len; i++) padded[r + i] = x[start + i * step];
    // The kernel is symmetric: pair the taps on both sides of the centre (half the multiplications).
    for (let i = 0; i < len; i++) {
      const c = i + r;
      let s = k[r] * padded[c];
      for (let j = 1; j <= r; j++) s += k[r + j] * (padded[c - j] + padded[c + j]);
      x[start + i * step] = s;
    }
  }
}

/** Blurs a [T][H][W] volume in place with the same sigma along time, rows and columns. */
export function gaussianBlur3d(x: Float32Array, T: number, H: number, W: number, sigma: number, truncate = 4): void {
  if (x.length !== T * H * W)
    throw new Error(`gaussianBlur3d: expected ${T}x${H}x${W} = ${T * H * W} values, got ${x.length}`);
  const k = gaussianKernel1d(sigma, truncate);
  const r = (k.length - 1) >> 1;
  const padded = new Float64Array(Math.max(T, H, W) + 2 * r);
  const HW = H * W;
  // Along columns (x): one line per (t, y).
  smoothLines(x, W, 1, T * H, W, 0, k, padded);
  // Along rows (y): one line per (t, x).
  for (let t = 0; t < T; t++) smoothLines(x, H, W, W, 1, t * HW, k, padded);
  // Along time: one line per pixel (a single frame is left as it is, as 'nearest' borders would).
  if (T > 1) smoothLines(x, T, HW, HW, 1, 0, k, padded);
}
