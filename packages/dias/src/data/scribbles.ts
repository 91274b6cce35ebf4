// Scribbles from a dense label, in the DIAS encoding (1 vessel, 0 background, 255 unlabelled), two kinds:
//  - automatic, the recipe of the authors' generator (Luo et al. 2022, "scribble from dense label"): every class
//    with more than 900 pixels is eroded with a 3x3 square ceil(4 + 6u) times (u uniform in [0, 1)), smaller
//    classes are left as they are, then each is skeletonised; vessel skeleton -> 1, background skeleton -> 0
//    (one safeguard, keepClass: erosion stops before it would erase a class entirely);
//  - annotator-like: a few thick, jittery strokes with gaps along the main (wide) vessels and a few strokes over
//    clear background, as someone with little clinical experience draws them: confident only on big vessels.
// Both take their randomness from a function returning uniforms in [0, 1), so callers decide the seeding.
import { binaryErode, skeletonize } from '../image/morphology.js';
import { SCRIBBLE_UNLABELLED } from './sequence.js';

export type Uniform = () => number;

export interface AutoScribbleOptions {
  /** Erosion count range: ceil(lo + u * (hi - lo)) (default [4, 10], as the authors). */
  iterations?: [number, number];
  /** Classes with more pixels than this are eroded first (default 900). */
  minPixels?: number;
  /**
   * When the erosion would wipe a class out (thin vessels at low resolution), stop at the last erosion that leaves
   * something, so the class keeps a scribble (default true; false follows the recipe blindly).
   */
  keepClass?: boolean;
}

function checkLabel(label: ArrayLike<number>, W: number, H: number, what: string): void {
  if (!Number.isInteger(W) || !Number.isInteger(H) || W <= 0 || H <= 0) throw new Error(`${what}: bad size ${W}x${H}`);
  if (label.length !== W * H) throw new Error(`${what}: label has ${label.length} pixels, ${W}x${H} needs ${W * H}`);
}

/** Automatic scribble from a 0/1 (or 0/nonzero) dense label. */
export function scribbleFromLabel(
  label: ArrayLike<number>,
  W: number,
  H: number,
  uniform: Uniform,
  options: AutoScribbleOptions = {},
): Uint8Array {
  checkLabel(label, W, H, 'scribbleFromLabel');
  const [lo, hi] = options.iterations ?? [4, 10];
  const minPixels = options.minPixels ?? 900;
  const out = new Uint8Array(W * H).fill(SCRIBBLE_UNLABELLED);
  // Background first, then vessel, as the class loop of the reference (0, then 1); the skeletons are disjoint.
  for (const cls of [0, 1]) {
    const mask = new Uint8Array(W * H);
    let count = 0;
    for (let i = 0; i < mask.length; i++) {
      const isVessel = label[i] ? 1 : 0;
      if (isVessel === cls) {
        mask[i] = 1;
        count++;
      }
    }
    if (count === 0) continue;
    let region: Uint8Array = mask;
    if (count > minPixels) {
      const n = Math.ceil(lo + uniform() * (hi - lo));
      if (options.keepClass === false) region = binaryErode(mask, W, H, n, 8);
      else {
        // One erosion at a time (the same as n at once), keeping the last non-empty result.
        for (let k = 0; k < n; k++) {
          const next = binaryErode(region, W, H, 1, 8);
          if (!next.some((v) => v)) break;
          region = next;
        }
      }
    }
    const skeleton = skeletonize(region, W, H);
    for (let i = 0; i < skeleton.length; i++) if (skeleton[i]) out[i] = cls;
  }
  return out;
}

export interface AnnotatorScribbleOptions {
  /** Number of vessel strokes (default 3..6). */
  vesselStrokes?: [number, number];
  /** Number of background strokes (default 2..5). */
  backgroundStrokes?: [number, number];
}

/**
 * Annotator-like scribble from a 0/1 dense label: vessel strokes follow the centreline of the widest vessels
 * (kept inside the label, as a careful novice stays inside what is obviously vessel), background strokes wander
 * over areas well away from any labelled vessel. Stroke thickness and lengths scale with the image size.
 */
export function annotatorScribble(
  label: ArrayLike<number>,
  W: number,
  H: number,
  uniform: Uniform,
  options: AnnotatorScribbleOptions = {},
): Uint8Array {
  checkLabel(label, W, H, 'annotatorScribble');
  const out = new Uint8Array(W * H).fill(SCRIBBLE_UNLABELLED);
  const size = Math.max(W, H);
  const penRadius = Math.max(1, Math.round(size / 400));
  const inside = new Uint8Array(W * H);
  const outside = new Uint8Array(W * H);
  for (let i = 0; i < inside.length; i++) {
    inside[i] = label[i] ? 1 : 0;
    outside[i] = label[i] ? 0 : 1;
  }
  const distIn = chamferDistance(inside, W, H);
  const distOut = chamferDistance(outside, W, H);
  const range = (r: [number, number] | undefined, d: [number, number]): number => {
    const [a, b] = r ?? d;
    return a + Math.floor(uniform() * (b - a + 1));
  };

  // Vessel strokes: along the skeleton of the wide part of the tree (half-width >= pen + 1.5 px, or the widest
  // available when the image is small), so a thick pen fits inside.
  let maxDist = 0;
  for (let i = 0; i < distIn.length; i++) if (distIn[i] > maxDist) maxDist = distIn[i];
  if (maxDist > 0) {
    const need = Math.min(penRadius + 1.5, Math.max(1, maxDist * 0.6));
    const wide = new Uint8Array(W * H);
    for (let i = 0; i < wide.length; i++) wide[i] = distIn[i] >= need ? 1 : 0;
    const skel = skeletonize(wide, W, H);
    const candidates: number[] = [];
    for (let i = 0; i < skel.length; i++) if (skel[i]) candidates.push(i);
    const strokes = range(options.vesselStrokes, [3, 6]);
    const used = new Uint8Array(W * H);
    for (let s = 0; s < strokes && candidates.length > 0; s++) {
      const start = candidates[Math.floor(uniform() * candidates.length)];
      if (used[start]) continue;
      const maxLen = Math.round(size * (0.15 + 0.3 * uniform()));
      // Follow the centreline both ways from the start point, as a stroke drawn along the vessel.
      const ahead = tracePath(skel, used, W, H, start, Math.ceil(maxLen / 2));
      const behind = tracePath(skel, used, W, H, start, Math.ceil(maxLen / 2));
      const path = behind.slice(1).reverse().concat(ahead);
      if (path.length < 4) continue;
      drawStroke(
        out,
        W,
        H,
        path,
        penRadius,
        uniform,
        1,
        (i) => inside[i] === 1 && distIn[i] >= 1,
        (i) => Math.max(0, distIn[i] - penRadius - 0.5),
      );
    }
  }
  // Background strokes: smooth random curves kept at least a margin away from vessels; they lift where they
  // would come close, as a person avoids drawing over anything that might be vessel.
  const margin = Math.max(4, Math.round(size / 60));
  const far: number[] = [];
  for (let i = 0; i < distOut.length; i++) if (distOut[i] >= 2 * margin) far.push(i);
  const bgStrokes = range(options.backgroundStrokes, [2, 5]);
  for (let s = 0; s < bgStrokes && far.length > 0; s++) {
    const start = far[Math.floor(uniform() * far.length)];
    const len = Math.round(size * (0.08 + 0.2 * uniform()));
    const path = wanderPath(W, H, start, len, uniform);
    drawStroke(
      out,
      W,
      H,
      path,
      penRadius,
      uniform,
      0,
      (i) => distOut[i] >= margin,
      () => 0,
    );
  }
  return out;
}

/** Two-pass 3-4 chamfer distance (in pixels, /3) from each foreground pixel to the nearest background pixel. */
export function chamferDistance(mask: Uint8Array, W: number, H: number): Float32Array {
  const big = 1e9;
  const d = new Float32Array(W * H);
  for (let i = 0; i < d.length; i++) d[i] = mask[i] ? big : 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (!d[i]) continue;
      let v = d[i];
      if (x > 0) v = Math.min(v, d[i - 1] + 3);
      if (y > 0) {
        v = Math.min(v, d[i - W] + 3);
        if (x > 0) v = Math.min(v, d[i - W - 1] + 4);
        if (x < W - 1) v = Math.min(v, d[i - W + 1] + 4);
      }
      d[i] = v;
    }
  }
  for (let y = H - 1; y >= 0; y--) {
    for (let x = W - 1; x >= 0; x--) {
      const i = y * W + x;
      if (!d[i]) continue;
      let v = d[i];
      if (x < W - 1) v = Math.min(v, d[i + 1] + 3);
      if (y < H - 1) {
        v = Math.min(v, d[i + W] + 3);
        if (x < W - 1) v = Math.min(v, d[i + W + 1] + 4);
        if (x > 0) v = Math.min(v, d[i + W - 1] + 4);
      }
      d[i] = v;
    }
  }
  // Pixels never reached (no background anywhere) keep a large distance.
  for (let i = 0; i < d.length; i++) d[i] = d[i] >= big ? W + H : d[i] / 3;
  return d;
}

/** Walks along skeleton pixels from start (8-neighbours, no revisits), at most maxLen pixels. */
function tracePath(skel: Uint8Array, used: Uint8Array, W: number, H: number, start: number, maxLen: number): number[] {
  const path = [start];
  used[start] = 1; // a second call from the same start then goes the other way (the first way is used)
  let cur = start;
  let prevDx = 0;
  let prevDy = 0;
  while (path.length < maxLen) {
    const x = cur % W;
    const y = (cur - x) / W;
    let best = -1;
    let bestScore = -Infinity;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if (!dx && !dy) continue;
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
        const j = yy * W + xx;
        if (!skel[j] || used[j]) continue;
        // Prefer going on straight (an annotator follows the vessel rather than turning into side branches).
        const score = dx * prevDx + dy * prevDy;
        if (score > bestScore) {
          bestScore = score;
          best = j;
        }
      }
    }
    if (best < 0) break;
    const bx = best % W;
    prevDx = bx - x;
    prevDy = (best - bx) / W - y;
    used[best] = 1;
    path.push(best);
    cur = best;
  }
  return path;
}

/** A smooth random wandering path of about len pixels from start (for background strokes). */
function wanderPath(W: number, H: number, start: number, len: number, uniform: Uniform): number[] {
  let x = start % W;
  let y = (start - x) / W;
  let angle = uniform() * 2 * Math.PI;
  let turn = 0;
  const path: number[] = [];
  for (let s = 0; s < len; s++) {
    turn = 0.9 * turn + (uniform() - 0.5) * 0.08;
    angle += turn;
    x += Math.cos(angle);
    y += Math.sin(angle);
    if (x < 1 || y < 1 || x > W - 2 || y > H - 2) break;
    path.push(Math.round(y) * W + Math.round(x));
  }
  return path;
}

/**
 * Draws a stroke of pen radius r along a pixel path with a slowly varying sideways jitter (at most `slack(i)`
 * px, so it stays where `allowed` holds) and random pen lifts; writes `value` where `allowed(pixel)`.
 */
function drawStroke(
  out: Uint8Array,
  W: number,
  H: number,
  path: number[],
  r: number,
  uniform: Uniform,
  value: number,
  allowed: (i: number) => boolean,
  slack: (i: number) => number,
): void {
  let jitter = 0;
  let lifted = false;
  for (let k = 0; k < path.length; k++) {
    // Pen lifts: short gaps, about one per 40 px.
    if (!lifted && uniform() < 1 / 40) lifted = true;
    else if (lifted && uniform() < 1 / 6) lifted = false;
    if (lifted) continue;
    const i = path[k];
    const x0 = i % W;
    const y0 = (i - x0) / W;
    // Sideways direction from the path's local heading.
    const a = path[Math.max(0, k - 3)];
    const b = path[Math.min(path.length - 1, k + 3)];
    let tx = (b % W) - (a % W);
    let ty = Math.floor(b / W) - Math.floor(a / W);
    const tl = Math.hypot(tx, ty) || 1;
    tx /= tl;
    ty /= tl;
    jitter = 0.92 * jitter + (uniform() - 0.5) * 0.5;
    const off = Math.max(-slack(i), Math.min(slack(i), jitter));
    const cx = x0 - ty * off;
    const cy = y0 + tx * off;
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        if (dx * dx + dy * dy > r * r + 0.5) continue;
        const x = Math.round(cx + dx);
        const y = Math.round(cy + dy);
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        const j = y * W + x;
        if (allowed(j)) out[j] = value;
      }
    }
  }
}
