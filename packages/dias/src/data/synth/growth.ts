// Vessel centrelines in 3D: the Branch type and the three ways the builders make them: a smooth path through
// anatomical control points (big named trunks), a steered tortuous walk (a single vessel heading somewhere), and
// a space-filling tree over a territory's attractor points (the cortical branches down to sub-pixel twigs).
import {
  add,
  clampInside,
  cross,
  dot,
  ellipsoidRadius,
  norm,
  normalize,
  scale,
  sub,
  type Head,
  type Vec3,
} from './head.js';
import type { Rng } from './rng.js';

export type VesselKind = 'artery' | 'vein';

export interface Branch {
  kind: VesselKind;
  /** A name for trunks ('ICA', 'MCA M1', 'SSS'); empty for grown branches. */
  name: string;
  /** Centreline points, xyz triplets in millimetres (head axes). */
  points: Float64Array;
  /** Radius at each point, millimetres. */
  radius: Float64Array;
  /**
   * Transit delay at each point in seconds: for arteries, from the injection point along the tree; for veins,
   * from the start of venous filling (small tributaries fill first, sinuses last).
   */
  delay: Float64Array;
  /** Index of the parent branch in the tree, -1 for a root. */
  parent: number;
  /** 0 for a root, +1 per branching. */
  generation: number;
}

export interface Polyline {
  points: Vec3[];
  radius: number[];
}

export function pointCount(b: Branch): number {
  return b.radius.length;
}

export function pointOf(b: Branch, i: number): Vec3 {
  return [b.points[3 * i], b.points[3 * i + 1], b.points[3 * i + 2]];
}

export function lastPoint(b: Branch): Vec3 {
  return pointOf(b, pointCount(b) - 1);
}

/** Direction of a branch at point i (from the neighbouring points). */
export function directionAt(b: Branch, i: number): Vec3 {
  const n = pointCount(b);
  const a = pointOf(b, Math.max(0, i - 1));
  const c = pointOf(b, Math.min(n - 1, i + 1));
  return normalize(sub(c, a));
}

/**
 * Makes a Branch from a polyline; delay grows with arc length at `velocity` mm/s from `delay0`
 * (the builders of veins overwrite delays with their own flow order).
 */
export function makeBranch(
  kind: VesselKind,
  name: string,
  line: Polyline,
  parent: number,
  generation: number,
  delay0: number,
  velocity: number,
): Branch {
  const n = line.points.length;
  const points = new Float64Array(3 * n);
  const radius = new Float64Array(n);
  const delay = new Float64Array(n);
  let t = delay0;
  for (let i = 0; i < n; i++) {
    points.set(line.points[i], 3 * i);
    radius[i] = line.radius[i];
    if (i > 0) t += norm(sub(line.points[i], line.points[i - 1])) / velocity;
    delay[i] = t;
  }
  return { kind, name, points, radius, delay, parent, generation };
}

/** Two unit vectors perpendicular to d and to each other. */
export function perpendiculars(d: Vec3): [Vec3, Vec3] {
  const helper: Vec3 = Math.abs(d[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const u = normalize(cross(d, helper));
  const v = normalize(cross(d, u));
  return [u, v];
}

function catmullRom(p0: Vec3, p1: Vec3, p2: Vec3, p3: Vec3, t: number): Vec3 {
  const t2 = t * t;
  const t3 = t2 * t;
  const out: Vec3 = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    out[k] =
      0.5 *
      (2 * p1[k] +
        (-p0[k] + p2[k]) * t +
        (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2 +
        (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3);
  }
  return out;
}

export interface WiggleOptions {
  /** Amplitude of the smooth random displacement, mm. */
  amplitude: number;
  /** Typical wavelength of the displacement along the path, mm. */
  wavelength: number;
}

/**
 * A smooth path through control points (Catmull-Rom), resampled every `step` mm, with radius interpolated between
 * the control radii and a smooth random sideways displacement (tortuosity) that vanishes at both ends so the path
 * still meets its neighbours.
 */
export function splinePath(control: Vec3[], radii: number[], step: number, rng: Rng, wiggle: WiggleOptions): Polyline {
  if (control.length < 2) throw new Error('splinePath needs at least two control points');
  // Dense sampling of the spline, then resampling at equal arc length.
  const dense: Vec3[] = [];
  const denseR: number[] = [];
  const ext = [control[0], ...control, control[control.length - 1]];
  for (let s = 0; s < control.length - 1; s++) {
    for (let k = 0; k < 16; k++) {
      const t = k / 16;
      dense.push(catmullRom(ext[s], ext[s + 1], ext[s + 2], ext[s + 3], t));
      denseR.push(radii[s] + (radii[s + 1] - radii[s]) * t);
    }
  }
  dense.push(control[control.length - 1]);
  denseR.push(radii[radii.length - 1]);
  const cum = [0];
  for (let i = 1; i < dense.length; i++) cum.push(cum[i - 1] + norm(sub(dense[i], dense[i - 1])));
  const total = cum[cum.length - 1];
  const n = Math.max(2, Math.ceil(total / step) + 1);
  const points: Vec3[] = [];
  const radius: number[] = [];
  let j = 0;
  for (let i = 0; i < n; i++) {
    const s = (total * i) / (n - 1);
    while (j < dense.length - 2 && cum[j + 1] < s) j++;
    const seg = cum[j + 1] - cum[j];
    const t = seg > 0 ? (s - cum[j]) / seg : 0;
    points.push([
      dense[j][0] + (dense[j + 1][0] - dense[j][0]) * t,
      dense[j][1] + (dense[j + 1][1] - dense[j][1]) * t,
      dense[j][2] + (dense[j + 1][2] - dense[j][2]) * t,
    ]);
    radius.push(denseR[j] + (denseR[j + 1] - denseR[j]) * t);
  }
  if (wiggle.amplitude > 0 && total > 0) {
    // Sum of three random sinusoids per perpendicular direction; sin(pi s / total) envelope pins the ends.
    const waves = [0, 1].map(() =>
      [0, 1, 2].map(() => ({
        k: (2 * Math.PI) / (wiggle.wavelength * rng.uniform(0.6, 1.6)),
        phase: rng.uniform(0, 2 * Math.PI),
        a: rng.normal(0, 1) / Math.sqrt(3),
      })),
    );
    // Directions from the undisplaced path (displacing in place would feed back into later directions).
    const base = points.slice();
    for (let i = 0; i < n; i++) {
      const s = (total * i) / (n - 1);
      const d = normalize(sub(base[Math.min(n - 1, i + 1)], base[Math.max(0, i - 1)]));
      const [u, v] = perpendiculars(d);
      const env = Math.sin((Math.PI * s) / total);
      const du = waves[0].reduce((acc, w) => acc + w.a * Math.sin(w.k * s + w.phase), 0) * wiggle.amplitude * env;
      const dv = waves[1].reduce((acc, w) => acc + w.a * Math.sin(w.k * s + w.phase), 0) * wiggle.amplitude * env;
      points[i] = add(base[i], add(scale(u, du), scale(v, dv)));
    }
  }
  return { points, radius };
}

export interface WalkOptions {
  /** Step between centreline points, mm. */
  step: number;
  /** RMS curvature of the random turning, radians per mm (0.05: gentle; 0.2: very tortuous). */
  tortuosity: number;
  /** How strongly the walk heads for its target at the start (0..1); it rises to 1 at the end. */
  pull: number;
  /** Keeps points inside the head (or on the scalp for extracranial vessels). */
  constrain?: (p: Vec3) => Vec3;
}

/**
 * A steered random walk from `start` (initial direction `dir`) towards `target`, `length` mm long, with radius
 * going linearly from r0 to r1. The turning noise is an Ornstein-Uhlenbeck process, so curvature is smooth.
 */
export function walk(
  start: Vec3,
  dir: Vec3,
  target: Vec3,
  length: number,
  r0: number,
  r1: number,
  rng: Rng,
  opt: WalkOptions,
): Polyline {
  const n = Math.max(2, Math.ceil(length / opt.step) + 1);
  const step = length / (n - 1);
  const points: Vec3[] = [start];
  const radius: number[] = [r0];
  let p = start;
  let d = normalize(dir);
  let w: Vec3 = [0, 0, 0];
  const memory = Math.exp(-step / 5); // ~5 mm correlation length of the turning
  // Stationary std of the turning per step is tortuosity * step (per axis).
  const sigma = opt.tortuosity * step * Math.sqrt(1 - memory * memory);
  for (let i = 1; i < n; i++) {
    const frac = i / (n - 1);
    const k = Math.min(1, opt.pull + (1 - opt.pull) * frac * frac * 0.6);
    const toTarget = normalize(sub(target, p));
    w = add(scale(w, memory), [rng.normal(0, sigma), rng.normal(0, sigma), rng.normal(0, sigma)]);
    // Keep the turning perpendicular to the heading so it bends the path rather than slowing it.
    const wPerp = sub(w, scale(d, dot(w, d)));
    d = normalize(add(add(scale(d, 1 - k * 0.5), scale(toTarget, k * 0.5)), wPerp));
    p = add(p, scale(d, step));
    if (opt.constrain) p = opt.constrain(p);
    points.push(p);
    radius.push(r0 + (r1 - r0) * frac);
  }
  return { points, radius };
}

export interface TerritoryOptions {
  /** Radius (mm) of the branch feeding the whole territory; sub-trees scale as (share of attractors)^(1/3). */
  rootRadius: number;
  /** Fraction of the way to a subset's centroid at which the next bifurcation happens. */
  bifurcation: [number, number];
  /** Share of the smaller child at a split (Murray's law gives the radii from it). */
  minorShare: [number, number];
  /** Terminal twigs continue past their attractor this far (mm) while tapering to `tipTaper` x radius. */
  twig: [number, number];
  tipTaper: number;
  walk: WalkOptions;
  /** Extra tortuosity for thin branches: tortuosity x (1 + thinBoost * (1 - r / rootRadius)). */
  thinBoost: number;
  head: Head;
  maxBranches: number;
  /** Branches thinner than `fromRadius` (mm) keep to the cortex: pushed out to at least `minRadius` (normalised). */
  surface?: { fromRadius: number; minRadius: number };
}

/**
 * Grows a tree from (start, dir) that covers the attractor points: each node splits its attractors in two across
 * their principal axis (unequal shares, so a main trunk runs on while side branches leave it), walks part of the
 * way towards the centroid, and bifurcates; radii follow Murray's law (r^3 proportional to the share). Branches
 * are appended to `out` with delays continuing from `delay0` at `velocity` mm/s.
 */
export function growTerritory(
  out: Branch[],
  kind: VesselKind,
  start: Vec3,
  dir: Vec3,
  attractors: Vec3[],
  parent: number,
  generation: number,
  delay0: number,
  velocity: number,
  rng: Rng,
  opt: TerritoryOptions,
): void {
  const total = attractors.length;
  if (total === 0) return;
  const stack: { p: Vec3; d: Vec3; set: Vec3[]; parent: number; gen: number; delay: number }[] = [
    { p: start, d: dir, set: attractors, parent, gen: generation, delay: delay0 },
  ];
  let made = 0;
  while (stack.length > 0 && made < opt.maxBranches) {
    const node = stack.pop()!;
    const r = opt.rootRadius * Math.cbrt(node.set.length / total);
    const tort = opt.walk.tortuosity * (1 + opt.thinBoost * (1 - r / opt.rootRadius));
    const c = centroid(node.set);
    const walkOpt: WalkOptions = { ...opt.walk, tortuosity: tort };
    if (opt.surface && r < opt.surface.fromRadius)
      walkOpt.constrain = onCortex(opt.head, opt.surface.minRadius, opt.walk.constrain);
    if (node.set.length === 1) {
      // Terminal twig: reach the attractor, then run on along the surface a little, tapering below a pixel.
      const target = node.set[0];
      const reach = Math.max(1, norm(sub(target, node.p)));
      const twig = rng.uniform(opt.twig[0], opt.twig[1]);
      const heading = normalize(sub(target, node.p));
      const beyond = add(target, scale(heading, twig));
      const line = walk(node.p, node.d, beyond, reach + twig, r, r * opt.tipTaper, rng, walkOpt);
      out.push(makeBranch(kind, '', line, node.parent, node.gen, node.delay, velocity));
      made++;
      continue;
    }
    const dist = norm(sub(c, node.p));
    const lambda = rng.uniform(opt.bifurcation[0], opt.bifurcation[1]);
    const len = Math.max(1.5, dist * lambda);
    const target = add(node.p, scale(normalize(sub(c, node.p)), dist));
    const line = walk(node.p, node.d, target, len, r, r * 0.95, rng, walkOpt);
    const branch = makeBranch(kind, '', line, node.parent, node.gen, node.delay, velocity);
    out.push(branch);
    made++;
    const index = out.length - 1;
    const end = lastPoint(branch);
    const endDir = directionAt(branch, pointCount(branch) - 1);
    const endDelay = branch.delay[pointCount(branch) - 1];
    const [a, b] = splitAttractors(node.set, rng.uniform(opt.minorShare[0], opt.minorShare[1]), rng);
    for (const set of [a, b]) {
      if (set.length === 0) continue;
      const cc = centroid(set);
      // A child leaves between the parent's heading and the way to its own centroid.
      const toward = normalize(sub(cc, end));
      const mix = rng.uniform(0.35, 0.7);
      const d = normalize(add(scale(endDir, 1 - mix), scale(toward, mix)));
      stack.push({ p: end, d, set, parent: index, gen: node.gen + 1, delay: endDelay });
    }
  }
}

export function centroid(points: Vec3[]): Vec3 {
  const c: Vec3 = [0, 0, 0];
  for (const p of points) {
    c[0] += p[0];
    c[1] += p[1];
    c[2] += p[2];
  }
  return scale(c, 1 / Math.max(1, points.length));
}

/** Splits points across their principal axis; the smaller part holds about `minorShare` of them. */
export function splitAttractors(points: Vec3[], minorShare: number, rng: Rng): [Vec3[], Vec3[]] {
  const c = centroid(points);
  // Principal axis by power iteration on the covariance.
  const cov = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (const p of points) {
    const d = sub(p, c);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) cov[3 * i + j] += d[i] * d[j];
  }
  let axis: Vec3 = normalize([rng.normal(), rng.normal(), rng.normal()]);
  for (let it = 0; it < 12; it++) {
    axis = normalize([
      cov[0] * axis[0] + cov[1] * axis[1] + cov[2] * axis[2],
      cov[3] * axis[0] + cov[4] * axis[1] + cov[5] * axis[2],
      cov[6] * axis[0] + cov[7] * axis[1] + cov[8] * axis[2],
    ]);
  }
  const order = points.map((p, i) => ({ i, s: dot(sub(p, c), axis) })).sort((x, y) => x.s - y.s || x.i - y.i);
  const k = Math.min(points.length - 1, Math.max(1, Math.round(points.length * minorShare)));
  const cut = rng.bool() ? k : points.length - k;
  return [order.slice(0, cut).map((o) => points[o.i]), order.slice(cut).map((o) => points[o.i])];
}

/** Pushes points out to at least `minRadius` (normalised by the inner table), then applies `inner`. */
export function onCortex(head: Head, minRadius: number, inner?: (p: Vec3) => Vec3): (p: Vec3) => Vec3 {
  return (p) => {
    const r = ellipsoidRadius(p, head.inner);
    const q = r < minRadius && r > 1e-6 ? scale(p, minRadius / r) : p;
    return inner ? inner(q) : q;
  };
}

/** Keeps a point inside the skull's inner table (brain vessels). */
export function insideSkull(head: Head, maxRadius = 0.97): (p: Vec3) => Vec3 {
  return (p) => clampInside(p, head.inner, maxRadius);
}
