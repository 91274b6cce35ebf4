// Everything in a DSA frame that is not contrast: the uneven background (low-frequency field, brighter or darker
// air outside the head), the noise gain behind thick bone, and residual subtraction artefacts. The mask image is
// taken before the contrast; when the head moves by a fraction of a pixel, subtracting it leaves the bone's
// edges as faint bright/dark lines: the skull outline, the skull base's ridges and the trabecular texture.
// Modelled as shift . gradient(bone thickness), with a shift that drifts over the run.
import type { Head } from './head.js';
import { project, type Projection } from './projection.js';
import type { Rng } from './rng.js';
import { gaussianBlur } from './filters.js';

export interface ArtefactOptions {
  /** Grey level of the background (median of a real frame: about 170..215). */
  level: number;
  /** Relative std of the low-frequency background field. */
  lowFrequency: number;
  /** Scale of the subtraction artefacts (0 = perfect subtraction). */
  artefacts: number;
  /** Relative quantum noise std in unopacified soft tissue. */
  noise: number;
}

export interface Background {
  /** Grey level per pixel. */
  level: Float32Array;
  /** Relative noise std per pixel. */
  noiseSigma: Float32Array;
  /** Bone-edge gradient (grey per px of shift): artefact = dx * gx + dy * gy. */
  gx: Float32Array;
  gy: Float32Array;
  /** Head shift (px) between mask and each frame. */
  shifts: [number, number][];
  /** Where the head is (1 inside its outline), for the realism of the air region and for tests. */
  headMask: Uint8Array;
}

/** A smooth random field: a sum of random low-frequency plane waves (separable evaluation), unit std-ish. */
export function smoothField(rng: Rng, W: number, H: number, waves: number, maxCycles: number): Float32Array {
  const out = new Float32Array(W * H);
  for (let k = 0; k < waves; k++) {
    const fx = (rng.uniform(-maxCycles, maxCycles) * 2 * Math.PI) / W;
    const fy = (rng.uniform(-maxCycles, maxCycles) * 2 * Math.PI) / H;
    const ph = rng.uniform(0, 2 * Math.PI);
    const a = rng.normal(0, Math.sqrt(2 / waves));
    // cos(fx x + fy y + ph) = cos(fx x + ph) cos(fy y) - sin(fx x + ph) sin(fy y)
    const cx = new Float32Array(W);
    const sx = new Float32Array(W);
    for (let x = 0; x < W; x++) {
      cx[x] = Math.cos(fx * x + ph);
      sx[x] = Math.sin(fx * x + ph);
    }
    for (let y = 0; y < H; y++) {
      const cy = a * Math.cos(fy * y);
      const sy = a * Math.sin(fy * y);
      const row = y * W;
      for (let x = 0; x < W; x++) out[row + x] += cx[x] * cy - sx[x] * sy;
    }
  }
  return out;
}

export function buildBackground(
  rng: Rng,
  head: Head,
  proj: Projection,
  frames: number,
  opt: ArtefactOptions,
): Background {
  const { W, H } = proj;
  const n = W * H;
  // The head's outline and projected thickness (ellipsoids seen from the view direction, ignoring the small tilt).
  const c = project(proj, [0, 0, 0]);
  const mmPerPx = proj.spacing / c.mag;
  const axisH = proj.view === 'AP' ? 0 : 1; // horizontal image axis: x (AP) or y (lateral)
  const axisD = proj.view === 'AP' ? 1 : 0; // depth axis
  const ao = [head.outer[axisH] / mmPerPx, head.outer[2] / mmPerPx];
  const ai = [head.inner[axisH] / mmPerPx, head.inner[2] / mmPerPx];
  const depthO = head.outer[axisD];
  const depthI = head.inner[axisD];
  const bone = new Float32Array(n);
  const tissue = new Float32Array(n);
  const headMask = new Uint8Array(n);
  const soft = new Float32Array(n); // head mask with a soft edge (a few mm), for the air region's level and noise
  const edgePx = 3 * (1 / mmPerPx);
  const meanAxis = 0.5 * (ao[0] + ao[1]);
  const baseRow = c.v + (0.35 * head.inner[2]) / mmPerPx; // below this the skull base and neck
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const du = x - c.u;
      const dv = y - c.v;
      const ro = (du / ao[0]) ** 2 + (dv / ao[1]) ** 2;
      const ri = (du / ai[0]) ** 2 + (dv / ai[1]) ** 2;
      const chordO = ro < 1 ? 2 * depthO * Math.sqrt(1 - ro) : 0;
      const chordI = ri < 1 ? 2 * depthI * Math.sqrt(1 - ri) : 0;
      const i = y * W + x;
      // Below the skull base the head continues as face and neck, a column a little narrower than the skull:
      // keep tissue there, fade the vault's ring.
      const low = y > baseRow ? Math.min(1, (y - baseRow) / (0.25 * ao[1])) : 0;
      const lowMask = low > 0 ? low / (1 + Math.exp((Math.abs(du) - ao[0] * (1 - 0.3 * low)) / edgePx)) : 0;
      bone[i] = (chordO - chordI) * (1 - 0.7 * low);
      tissue[i] = Math.max(chordO / (2 * depthO), 0.6 * lowMask);
      const inHead = 1 / (1 + Math.exp(((Math.sqrt(ro) - 1) * meanAxis) / edgePx));
      soft[i] = Math.max(inHead, lowMask);
      headMask[i] = soft[i] > 0.5 ? 1 : 0;
    }
  }
  // Skull-base structures (petrous ridges, sphenoid, orbits, foramina): ridges and rings of bone in the lower
  // part of the skull, plus a trabecular texture strongest there.
  const scalePx = 1 / mmPerPx;
  const nRidges = rng.int(12, 24);
  for (let r = 0; r < nRidges; r++) {
    let u = c.u + rng.uniform(-0.85, 0.85) * ai[0];
    let v = baseRow - rng.uniform(-0.1, 0.4) * ai[1];
    const len = rng.uniform(15, 70) * scalePx;
    let ang = rng.uniform(0, 2 * Math.PI);
    const width = rng.uniform(0.4, 2) * scalePx;
    const amp = rng.uniform(10, 40);
    const steps = Math.ceil(len / Math.max(1, width));
    const stepLen = len / steps;
    for (let st = 0; st < steps; st++) {
      ang += rng.normal(0, 0.2);
      u += Math.cos(ang) * stepLen;
      v += Math.sin(ang) * stepLen;
      splatRidge(bone, W, H, u, v, width, amp);
    }
  }
  const nRings = rng.int(1, 4);
  for (let r = 0; r < nRings; r++) {
    const u0 = c.u + rng.uniform(-0.6, 0.6) * ai[0];
    const v0 = baseRow - rng.uniform(0, 0.45) * ai[1];
    const ra = rng.uniform(5, 18) * scalePx;
    const rb = ra * rng.uniform(0.6, 1.2);
    const width = rng.uniform(0.4, 1.2) * scalePx;
    const amp = rng.uniform(10, 30);
    const steps = Math.ceil((2 * Math.PI * Math.max(ra, rb)) / Math.max(1, width));
    for (let st = 0; st < steps; st++) {
      const a = (2 * Math.PI * st) / steps;
      splatRidge(bone, W, H, u0 + ra * Math.cos(a), v0 + rb * Math.sin(a), width, amp);
    }
  }
  const texture = smoothTexture(rng, W, H, Math.max(0.7, 0.3 * scalePx));
  for (let y = 0; y < H; y++) {
    const wLow = 1 / (1 + Math.exp(-(y - (baseRow - 0.25 * ai[1])) / (0.08 * ai[1])));
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      bone[i] += texture[i] * (1.5 + 8 * wLow) * (0.15 + 0.85 * soft[i]);
    }
  }
  const boneS = gaussianBlur(bone, W, H, 0.8);
  const gx = new Float32Array(n);
  const gy = new Float32Array(n);
  // Grey per (mm of bone x px of shift): a misregistered bone edge of ~5 mm height gives a few grey levels.
  const k = opt.artefacts * opt.level * 0.009;
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      const i = y * W + x;
      gx[i] = 0.5 * (boneS[i + 1] - boneS[i - 1]) * k;
      gy[i] = 0.5 * (boneS[i + W] - boneS[i - W]) * k;
    }
  }
  // Motion: an initial offset and a drift over the run (patients move more later).
  const shifts: [number, number][] = [];
  let dx = rng.normal(0, 0.25);
  let dy = rng.normal(0, 0.25);
  const driftX = rng.normal(0, 0.12);
  const driftY = rng.normal(0, 0.12);
  for (let f = 0; f < frames; f++) {
    shifts.push([dx, dy]);
    dx += driftX + rng.normal(0, 0.05);
    dy += driftY + rng.normal(0, 0.05);
  }
  // Background level: a low-frequency field, and air outside the head a little brighter or darker.
  const field = smoothField(rng, W, H, 8, 2.5);
  const outside = rng.uniform(-0.02, 0.03);
  const level = new Float32Array(n);
  const noiseSigma = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    level[i] = opt.level * (1 + opt.lowFrequency * field[i]) * (1 + outside * (1 - soft[i]));
    // Photons behind the head drop as exp(-mu t): relative noise grows as exp(mu t / 2).
    noiseSigma[i] = opt.noise * Math.exp(0.5 * tissue[i] + 0.002 * Math.max(0, bone[i])) * (0.4 + 0.6 * soft[i]);
  }
  return { level, noiseSigma, gx, gy, shifts, headMask };
}

/** Adds the subtraction artefacts of frame f (grey levels) to an image. */
export function addArtefacts(bg: Background, f: number, img: Float32Array): void {
  const [dx, dy] = bg.shifts[f];
  const { gx, gy } = bg;
  for (let i = 0; i < img.length; i++) img[i] += dx * gx[i] + dy * gy[i];
}

function splatRidge(bone: Float32Array, W: number, H: number, u: number, v: number, width: number, amp: number): void {
  const r = Math.ceil(2.5 * width);
  const x0 = Math.max(0, Math.floor(u - r));
  const x1 = Math.min(W - 1, Math.ceil(u + r));
  const y0 = Math.max(0, Math.floor(v - r));
  const y1 = Math.min(H - 1, Math.ceil(v + r));
  const inv = 1 / (2 * width * width);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d2 = (x - u) ** 2 + (y - v) ** 2;
      const w = amp * Math.exp(-d2 * inv);
      const i = y * W + x;
      if (w > bone[i]) bone[i] = w;
    }
  }
}

/** Band-passed noise (difference of Gaussians), unit-ish std: the trabecular bone texture. */
function smoothTexture(rng: Rng, W: number, H: number, sigma: number): Float32Array {
  const white = rng.fillImageNoise(new Float32Array(W * H));
  const a = gaussianBlur(white, W, H, sigma);
  const b = gaussianBlur(white, W, H, sigma * 3);
  const out = new Float32Array(W * H);
  let s2 = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = a[i] - b[i];
    s2 += out[i] * out[i];
  }
  const sd = Math.sqrt(s2 / out.length) || 1;
  for (let i = 0; i < out.length; i++) out[i] /= sd;
  return out;
}
