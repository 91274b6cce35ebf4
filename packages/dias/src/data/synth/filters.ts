// Small image filters on Float32 planes (row-major, H x W) shared by rendering and the realism check:
// separable Gaussian blur with clamped borders, and box (area-average) resampling.

/** Normalised 1D Gaussian kernel of standard deviation sigma, truncated at 3 sigma. */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Gaussian blur, separable, borders clamped (replicate); returns a new plane. sigma <= 0 copies. */
export function gaussianBlur(src: Float32Array, W: number, H: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return Float32Array.from(src);
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) >> 1;
  const tmp = new Float32Array(W * H);
  const out = new Float32Array(W * H);
  // Rows: interior pixels without border checks, the r pixels at each end clamped.
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) {
      let s = 0;
      if (x >= r && x < W - r) {
        const base = row + x - r;
        for (let i = 0; i < k.length; i++) s += k[i] * src[base + i];
      } else {
        for (let i = -r; i <= r; i++) {
          const xx = x + i < 0 ? 0 : x + i >= W ? W - 1 : x + i;
          s += k[i + r] * src[row + xx];
        }
      }
      tmp[row + x] = s;
    }
  }
  // Columns: accumulate whole rows (cache-friendly).
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let i = -r; i <= r; i++) {
      const w = k[i + r];
      const yy = y + i < 0 ? 0 : y + i >= H ? H - 1 : y + i;
      const off = yy * W;
      for (let x = 0; x < W; x++) out[row + x] += w * tmp[off + x];
    }
  }
  return out;
}

/**
 * Area-average resampling to outW x outH (each output pixel averages the input area it covers, with fractional
 * weights at its edges): what a detector binning or an image downscale does, so noise statistics stay comparable.
 */
export function resampleArea(src: Float32Array, W: number, H: number, outW: number, outH: number): Float32Array {
  const sx = W / outW;
  const sy = H / outH;
  // Separable: columns first, then rows; weights of input index i for output j cover [j*s, (j+1)*s).
  const cols = axisWeights(W, outW, sx);
  const rows = axisWeights(H, outH, sy);
  const tmp = new Float32Array(H * outW);
  for (let y = 0; y < H; y++) {
    for (let j = 0; j < outW; j++) {
      const { start, weights } = cols[j];
      let s = 0;
      for (let i = 0; i < weights.length; i++) s += weights[i] * src[y * W + start + i];
      tmp[y * outW + j] = s;
    }
  }
  const out = new Float32Array(outH * outW);
  for (let j = 0; j < outH; j++) {
    const { start, weights } = rows[j];
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let i = 0; i < weights.length; i++) s += weights[i] * tmp[(start + i) * outW + x];
      out[j * outW + x] = s;
    }
  }
  return out;
}

function axisWeights(n: number, outN: number, scale: number): { start: number; weights: Float32Array }[] {
  const result: { start: number; weights: Float32Array }[] = [];
  for (let j = 0; j < outN; j++) {
    const a = j * scale;
    const b = Math.min(n, (j + 1) * scale);
    const start = Math.floor(a);
    const end = Math.min(n, Math.ceil(b));
    const weights = new Float32Array(Math.max(1, end - start));
    let total = 0;
    for (let i = start; i < end; i++) {
      const w = Math.min(b, i + 1) - Math.max(a, i);
      weights[i - start] = w;
      total += w;
    }
    for (let i = 0; i < weights.length; i++) weights[i] /= total || 1;
    result.push({ start, weights });
  }
  return result;
}
