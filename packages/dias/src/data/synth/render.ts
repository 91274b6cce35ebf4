// Image formation. Vessels are rasterised once per sequence into a sparse "footprint" (pixel, chord length
// through the vessel, centreline vertex), since the geometry does not move between frames; each frame then sums
// chord x concentration(vertex, t) into an attenuation image (O(footprint)), and Beer-Lambert, blur and
// signal-dependent noise turn it into grey levels. Chords are 2 sqrt(r^2 - d^2) of a cylinder of radius r at
// distance d from the centreline, widened by the pixel footprint with the cross-section area kept, so sub-pixel
// vessels stay faint lines instead of vanishing or aliasing.
import type { Branch } from './growth.js';
import { project, type Projection } from './projection.js';

export interface ProjectedVessels {
  /** Per vertex: image position (px), radius (px) and millimetres per pixel at its depth. */
  u: Float32Array;
  v: Float32Array;
  rPx: Float32Array;
  mmPerPx: Float32Array;
  /** Vertex range of branch b: [branchStart[b], branchStart[b + 1]). */
  branchStart: Int32Array;
  /** First vertex of each branch to draw: children skip the part hidden inside the parent's lumen. */
  firstDrawn: Int32Array;
  vertexCount: number;
}

export function projectVessels(branches: Branch[], proj: Projection): ProjectedVessels {
  const branchStart = new Int32Array(branches.length + 1);
  for (let b = 0; b < branches.length; b++) branchStart[b + 1] = branchStart[b] + branches[b].radius.length;
  const n = branchStart[branches.length];
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  const rPx = new Float32Array(n);
  const mmPerPx = new Float32Array(n);
  const firstDrawn = new Int32Array(branches.length);
  for (let b = 0; b < branches.length; b++) {
    const br = branches[b];
    const off = branchStart[b];
    for (let i = 0; i < br.radius.length; i++) {
      const p = project(proj, [br.points[3 * i], br.points[3 * i + 1], br.points[3 * i + 2]]);
      u[off + i] = p.u;
      v[off + i] = p.v;
      const mm = proj.spacing / p.mag;
      mmPerPx[off + i] = mm;
      rPx[off + i] = br.radius[i] / mm;
    }
    firstDrawn[b] = 0;
    if (br.parent >= 0) {
      // Radius of the parent where this branch leaves it (nearest parent vertex to our first point).
      const par = branches[br.parent];
      const x0 = br.points[0];
      const y0 = br.points[1];
      const z0 = br.points[2];
      let best = Infinity;
      let rParent = 0;
      for (let i = 0; i < par.radius.length; i++) {
        const d = (par.points[3 * i] - x0) ** 2 + (par.points[3 * i + 1] - y0) ** 2 + (par.points[3 * i + 2] - z0) ** 2;
        if (d < best) {
          best = d;
          rParent = par.radius[i];
        }
      }
      let k = 0;
      while (k < br.radius.length - 2) {
        const d = Math.hypot(br.points[3 * k] - x0, br.points[3 * k + 1] - y0, br.points[3 * k + 2] - z0);
        if (d >= 0.8 * rParent) break;
        k++;
      }
      firstDrawn[b] = k;
    }
  }
  return { u, v, rPx, mmPerPx, branchStart, firstDrawn, vertexCount: n };
}

export interface Footprint {
  count: number;
  /** Pixel index y * W + x. */
  index: Int32Array;
  /** Chord length through the vessel at this pixel, millimetres (area-preserving, see above). */
  chord: Float32Array;
  /** Nearest centreline vertex (global index), whose concentration applies. */
  vertex: Int32Array;
  /** 1 where the pixel centre lies within the vessel (or within half a pixel of a sub-pixel centreline). */
  core: Uint8Array;
}

/**
 * Rasterises every branch: within a branch the chord at a pixel is the largest over its segments (a tube, not a
 * chain of overlapping capsules); different branches add up, as overlapping vessels do in a projection.
 * `softness` (px) is the pixel/focal-spot footprint added in quadrature to the radius.
 */
export function rasterise(pv: ProjectedVessels, W: number, H: number, softness: number): Footprint {
  const nPix = W * H;
  const scratch = new Float32Array(nPix);
  const scratchVertex = new Int32Array(nPix);
  const scratchCore = new Uint8Array(nPix);
  const touched = new Int32Array(nPix);
  let cap = 1 << 16;
  let index: Int32Array = new Int32Array(cap);
  let chord: Float32Array = new Float32Array(cap);
  let vertex: Int32Array = new Int32Array(cap);
  let core: Uint8Array = new Uint8Array(cap);
  let count = 0;
  const s2 = softness * softness;
  const nBranches = pv.branchStart.length - 1;
  for (let b = 0; b < nBranches; b++) {
    let nTouched = 0;
    const end = pv.branchStart[b + 1];
    for (let a = pv.branchStart[b] + pv.firstDrawn[b]; a < end - 1; a++) {
      const ua = pv.u[a];
      const va = pv.v[a];
      const ub = pv.u[a + 1];
      const vb = pv.v[a + 1];
      const ra = pv.rPx[a];
      const rb = pv.rPx[a + 1];
      const reach = Math.sqrt(Math.max(ra, rb) ** 2 + s2) + 0.5;
      const x0 = Math.max(0, Math.floor(Math.min(ua, ub) - reach));
      const x1 = Math.min(W - 1, Math.ceil(Math.max(ua, ub) + reach));
      const y0 = Math.max(0, Math.floor(Math.min(va, vb) - reach));
      const y1 = Math.min(H - 1, Math.ceil(Math.max(va, vb) + reach));
      if (x0 > x1 || y0 > y1) continue;
      const du = ub - ua;
      const dv = vb - va;
      const len2 = du * du + dv * dv;
      const mm = 0.5 * (pv.mmPerPx[a] + pv.mmPerPx[a + 1]);
      for (let y = y0; y <= y1; y++) {
        const row = y * W;
        for (let x = x0; x <= x1; x++) {
          let t = len2 > 0 ? ((x - ua) * du + (y - va) * dv) / len2 : 0;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const px = ua + t * du - x;
          const py = va + t * dv - y;
          const d2 = px * px + py * py;
          const r = ra + t * (rb - ra);
          const re2 = r * r + s2;
          if (d2 >= re2) continue;
          // Area-preserving widened chord: integral over d equals pi r^2 for any softness.
          const c = ((2 * Math.sqrt(re2 - d2) * r * r) / re2) * mm;
          const i = row + x;
          if (scratch[i] === 0) touched[nTouched++] = i;
          if (c > scratch[i]) {
            scratch[i] = c;
            scratchVertex[i] = t < 0.5 ? a : a + 1;
          }
          const rc = r > 0.5 ? r : 0.5;
          if (d2 <= rc * rc) scratchCore[i] = 1;
        }
      }
    }
    if (count + nTouched > cap) {
      while (count + nTouched > cap) cap *= 2;
      index = grow(index, cap);
      chord = grow(chord, cap);
      vertex = grow(vertex, cap);
      core = grow(core, cap);
    }
    for (let k = 0; k < nTouched; k++) {
      const i = touched[k];
      index[count] = i;
      chord[count] = scratch[i];
      vertex[count] = scratchVertex[i];
      core[count] = scratchCore[i];
      count++;
      scratch[i] = 0;
      scratchCore[i] = 0;
    }
  }
  return {
    count,
    index: index.subarray(0, count),
    chord: chord.subarray(0, count),
    vertex: vertex.subarray(0, count),
    core: core.subarray(0, count),
  };
}

function grow<T extends Int32Array | Float32Array | Uint8Array>(a: T, cap: number): T {
  const b = new (a.constructor as { new (n: number): T })(cap);
  b.set(a);
  return b;
}

/** out[pixel] += mu * chord * concentration[vertex] over the footprint. */
export function accumulate(fp: Footprint, concentration: Float32Array, mu: number, out: Float32Array): void {
  for (let k = 0; k < fp.count; k++) {
    const c = concentration[fp.vertex[k]];
    if (c > 0) out[fp.index[k]] += mu * fp.chord[k] * c;
  }
}

export interface FormationParams {
  W: number;
  H: number;
  /** Grey level of the unopacified background at each pixel (includes the low-frequency field). */
  background: Float32Array;
  /** Relative noise standard deviation at each pixel without contrast (grows behind thick bone). */
  noiseSigma: Float32Array;
}

/**
 * Grey levels from the total attenuation A (mu x line integral of contrast): Beer-Lambert I = B exp(-A), the
 * imaging chain's point spread (a [1 2 1]/4 binomial in x and y, sigma ~0.7 px), then quantum noise with the
 * same grain (white noise through the same filter, rescaled to unit std) whose relative size scales as
 * 1 / sqrt(photons), i.e. exp(A / 2) behind contrast. Works in place for speed: `attenuation` becomes the image
 * (returned), `noise` (uniform-ish white noise of unit std) and `scratch` are overwritten.
 */
export function formImage(
  attenuation: Float32Array,
  p: FormationParams,
  noise: Float32Array,
  scratch: Float32Array,
): Float32Array {
  const n = p.W * p.H;
  const img = attenuation;
  // Keep exp(A / 2) for the noise before A is overwritten: stash it in scratch, then blur the image.
  for (let i = 0; i < n; i++) {
    const a = attenuation[i];
    scratch[i] = Math.exp(0.5 * a);
    img[i] = p.background[i] * Math.exp(-a);
  }
  const noiseGain = p.noiseSigma;
  for (let i = 0; i < n; i++) noise[i] *= noiseGain[i] * scratch[i];
  binomialBlur(img, scratch, p.W, p.H);
  binomialBlur(noise, scratch, p.W, p.H);
  // The 2D binomial filter shrinks white noise's variance by (sum k^2)^2 = (3/8)^2, its std by 3/8: undo it.
  // Applying the per-pixel gain before the blur keeps its spatial variation while giving the noise its grain.
  const restore = 1 / 0.375;
  for (let i = 0; i < n; i++) img[i] += img[i] * noise[i] * restore;
  return img;
}

/** In-place [1 2 1]/4 blur along x then y, borders replicated; `tmp` is scratch of the same size. */
export function binomialBlur(buf: Float32Array, tmp: Float32Array, W: number, H: number): void {
  for (let y = 0; y < H; y++) {
    const r = y * W;
    tmp[r] = 0.75 * buf[r] + 0.25 * buf[r + Math.min(1, W - 1)];
    for (let x = 1; x < W - 1; x++) tmp[r + x] = 0.25 * (buf[r + x - 1] + buf[r + x + 1]) + 0.5 * buf[r + x];
    if (W > 1) tmp[r + W - 1] = 0.75 * buf[r + W - 1] + 0.25 * buf[r + W - 2];
  }
  for (let y = 0; y < H; y++) {
    const r = y * W;
    const up = y > 0 ? r - W : r;
    const down = y < H - 1 ? r + W : r;
    for (let x = 0; x < W; x++) buf[r + x] = 0.25 * (tmp[up + x] + tmp[down + x]) + 0.5 * tmp[r + x];
  }
}
