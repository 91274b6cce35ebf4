// The capillary blush: during the late arterial/capillary phase the parenchyma of the injected territory turns
// faintly grey. Its map is where the terminal arterial twigs end (their projected tips, splatted and blurred on a
// coarse grid), modulated by a smooth random field; its time course is a bolus curve (see bolus.ts).
import type { Branch } from './growth.js';
import type { ProjectedVessels } from './render.js';
import { gaussianBlur } from './filters.js';
import { smoothField } from './artefacts.js';
import type { Rng } from './rng.js';

/**
 * A W x H map in [0, 1] of the blush's relative thickness. `radiusLimit` (mm) selects the vessels counted as
 * feeding parenchyma; `blurMm` is how far the haze spreads around them.
 */
export function blushMap(
  rng: Rng,
  branches: Branch[],
  pv: ProjectedVessels,
  W: number,
  H: number,
  spacing: number,
  radiusLimit: number,
  blurMm: number,
): Float32Array {
  const f = 8; // coarse grid factor: the haze is smooth, so a 1/8 grid is plenty and fast
  const cw = Math.ceil(W / f);
  const ch = Math.ceil(H / f);
  const grid = new Float32Array(cw * ch);
  for (let b = 0; b < branches.length; b++) {
    const br = branches[b];
    if (br.kind !== 'artery') continue;
    const off = pv.branchStart[b];
    for (let i = 0; i < br.radius.length; i += 2) {
      if (br.radius[i] > radiusLimit) continue;
      const gx = Math.floor(pv.u[off + i] / f);
      const gy = Math.floor(pv.v[off + i] / f);
      if (gx >= 0 && gy >= 0 && gx < cw && gy < ch) grid[gy * cw + gx] += 1;
    }
  }
  const smooth = gaussianBlur(grid, cw, ch, blurMm / (spacing * f));
  let max = 0;
  for (const v of smooth) max = Math.max(max, v);
  if (max > 0) for (let i = 0; i < smooth.length; i++) smooth[i] /= max;
  const modulation = smoothField(rng, cw, ch, 10, 4);
  for (let i = 0; i < smooth.length; i++)
    smooth[i] = Math.max(0, Math.min(1, smooth[i] * (0.75 + 0.25 * modulation[i])));
  return upsampleBilinear(smooth, cw, ch, W, H, f);
}

function upsampleBilinear(src: Float32Array, cw: number, ch: number, W: number, H: number, f: number): Float32Array {
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const gy = Math.min(ch - 1, Math.max(0, (y + 0.5) / f - 0.5));
    const y0 = Math.floor(gy);
    const y1 = Math.min(ch - 1, y0 + 1);
    const ty = gy - y0;
    for (let x = 0; x < W; x++) {
      const gx = Math.min(cw - 1, Math.max(0, (x + 0.5) / f - 0.5));
      const x0 = Math.floor(gx);
      const x1 = Math.min(cw - 1, x0 + 1);
      const tx = gx - x0;
      const a = src[y0 * cw + x0] * (1 - tx) + src[y0 * cw + x1] * tx;
      const b = src[y1 * cw + x0] * (1 - tx) + src[y1 * cw + x1] * tx;
      out[y * W + x] = a * (1 - ty) + b * ty;
    }
  }
  return out;
}
