// The venous side, a separate tree that fills late: the dural sinuses (superior sagittal along the vertex to the
// torcula, transverse and sigmoid down to the jugular vein, straight sinus), the deep veins into the vein of Galen,
// and cortical veins whose tributaries drain over the convexity into the sagittal and transverse sinuses. Delays
// run with the flow: small tributaries fill first, the sinuses last.
import { clampInside, ellipsoidRadius, inCerebrum, normalize, sub, type Head, type Vec3 } from './head.js';
import {
  growTerritory,
  makeBranch,
  onCortex,
  walk,
  pointCount,
  pointOf,
  splinePath,
  type Branch,
  type TerritoryOptions,
} from './growth.js';
import type { Rng } from './rng.js';

export interface VenousOptions {
  head: Head;
  side: 1 | -1;
  /** Multiplies the number of cortical veins and tributaries. */
  density: number;
  /** Venous drainage velocity, mm/s (delays of sinus filling). */
  velocity: number;
}

export function buildVeins(rng: Rng, opt: VenousOptions): Branch[] {
  const { head, side: s } = opt;
  const [ax, ay, az] = head.inner;
  const out: Branch[] = [];
  const rs = rng.uniform(0.85, 1.15);
  const v = opt.velocity;
  const jit = (p: Vec3, a: number): Vec3 => [p[0] + rng.normal(0, a), p[1] + rng.normal(0, a), p[2] + rng.normal(0, a)];
  const sinus = (name: string, control: Vec3[], radii: number[], delay0: number, parent = -1): number => {
    const line = splinePath(control, radii, 1.0, rng, { amplitude: 0.6, wavelength: 25 });
    out.push(makeBranch('vein', name, line, parent, 0, delay0, v));
    return out.length - 1;
  };

  // Superior sagittal sinus: along the inner table in the midline from the frontal pole over the vertex to the
  // torcula, widening as it collects.
  const sss: Vec3[] = [];
  const sssR: number[] = [];
  const a0 = rng.uniform(15, 30);
  const a1 = rng.uniform(195, 205);
  for (let k = 0; k <= 8; k++) {
    const th = ((a0 + ((a1 - a0) * k) / 8) * Math.PI) / 180;
    sss.push([rng.normal(0, 0.8), 0.97 * ay * Math.cos(th), 0.97 * az * Math.sin(th)]);
    sssR.push((1.0 + 3.2 * (k / 8)) * rs);
  }
  const iSss = sinus('SSS', sss, sssR, 0.4);
  const torcula = pointOf(out[iSss], pointCount(out[iSss]) - 1);
  const torculaDelay = out[iSss].delay[pointCount(out[iSss]) - 1];
  // Transverse and sigmoid sinuses, jugular bulb and internal jugular vein; the injected side is usually dominant.
  let iTs = -1;
  for (const side of [s, -s] as const) {
    const dominant = side === s ? 1 : rng.uniform(0.5, 0.9);
    const tz = torcula[2];
    const index = sinus(
      side === s ? 'TS/SS' : 'TS/SS contralateral',
      [
        torcula,
        jit([side * 0.55 * ax, -0.85 * ay, tz - 2], 2),
        jit([side * 0.88 * ax, -0.5 * ay, tz - 6], 2),
        jit([side * 0.85 * ax, -0.32 * ay, tz - 0.25 * az], 2),
        jit([side * 0.62 * ax, -0.25 * ay, -0.85 * az], 2),
        jit([side * 0.55 * ax, -0.22 * ay, -2.2 * az], 3),
      ],
      [4.0, 4.0, 4.2, 4.4, 5.0, 5.5].map((r) => r * rs * dominant),
      torculaDelay,
      iSss,
    );
    if (side === s) iTs = index;
  }
  // Deep system: internal cerebral veins and the basal vein into the vein of Galen, then the straight sinus.
  const galen: Vec3 = jit([0, -0.32 * ay, 0.02 * az], 2);
  const iStraight = sinus(
    'straight sinus',
    [galen, jit([0, -0.6 * ay, -0.12 * az], 2), torcula],
    [1.8 * rs, 2.0 * rs, 2.2 * rs],
    0.8,
  );
  sinus(
    'ICV',
    [jit([s * 2, 0.12 * ay, 0.12 * az], 1.5), jit([s * 3, -0.1 * ay, 0.12 * az], 1.5), galen],
    [0.8 * rs, 0.9 * rs, 1.1 * rs],
    0.2,
    iStraight,
  );
  sinus(
    'BVR',
    [
      jit([s * 0.3 * ax, 0.1 * ay, -0.4 * az], 2),
      jit([s * 0.25 * ax, -0.15 * ay, -0.3 * az], 2),
      jit([s * 0.1 * ax, -0.3 * ay, -0.1 * az], 2),
      galen,
    ],
    [0.7 * rs, 0.8 * rs, 0.9 * rs, 1.0 * rs],
    0.4,
    iStraight,
  );

  // Cortical veins: each grown from its drainage point on a sinus outwards over a patch of the convexity, then
  // its delays reversed so that the tips fill first.
  const options = (rootRadius: number): TerritoryOptions => ({
    rootRadius,
    bifurcation: [0.3, 0.6],
    minorShare: [0.25, 0.5],
    twig: [2, 6],
    tipTaper: 0.45,
    walk: {
      step: 0.6,
      tortuosity: 0.09,
      pull: 0.15,
      constrain: onCortex(head, 0.9, (p) => clampInside(p, head.inner, 0.985)),
    },
    thinBoost: 1.0,
    head,
    maxBranches: 5000,
  });
  const nCortical = Math.max(3, Math.round(rng.uniform(7, 13) * opt.density));
  const sssLine = out[iSss];
  for (let k = 0; k < nCortical; k++) {
    // A patch centre on the lateral convexity of the injected hemisphere.
    const y = rng.uniform(-0.75, 0.7);
    const z = rng.uniform(-0.2, 0.7);
    const xr = Math.sqrt(Math.max(0.05, 1 - y * y - z * z));
    const centre: Vec3 = [s * 0.93 * ax * xr, y * ay * 0.93, z * az * 0.93];
    // Drains upwards to the sagittal sinus (Trolard and friends), or down/back to the transverse sinus (Labbé).
    let root: Vec3;
    let rootDelay: number;
    if (z < 0.05 && y < -0.2 && rng.bool(0.6)) {
      const ts = out[iTs]; // the injected side's transverse sinus
      const at = Math.min(pointCount(ts) - 1, Math.round(pointCount(ts) * rng.uniform(0.15, 0.35)));
      root = pointOf(ts, at);
      rootDelay = ts.delay[at];
    } else {
      let best = 0;
      let bestD = Infinity;
      for (let i = 0; i < pointCount(sssLine); i++) {
        const d = Math.abs(pointOf(sssLine, i)[1] - centre[1]);
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      }
      root = pointOf(sssLine, best);
      rootDelay = sssLine.delay[best];
    }
    // The vein itself: a long tortuous trunk over the cortex from its far end to the sinus (grown from the sinus
    // outwards, delays reversed below), then tributaries joining along its course, each draining a small patch.
    const first = out.length;
    const rootRadius = rng.uniform(0.7, 1.5) * rs;
    const onSurface = onCortex(head, 0.9, (p) => clampInside(p, head.inner, 0.985));
    const far: Vec3 = clampInside(
      [centre[0], centre[1] + rng.normal(0, 10), centre[2] - rng.uniform(5, 25)],
      head.inner,
      0.93,
    );
    const dist = Math.hypot(...sub(far, root));
    const trunkLine = walk(root, normalize(sub(centre, root)), far, dist * 1.15, rootRadius, rootRadius * 0.45, rng, {
      step: 0.7,
      tortuosity: 0.07,
      pull: 0.15,
      constrain: onSurface,
    });
    out.push(makeBranch('vein', '', trunkLine, -1, 1, 0, 100));
    const trunkIndex = out.length - 1;
    const nTrib = Math.max(1, Math.round(rng.uniform(2, 5) * opt.density));
    for (let t = 0; t < nTrib; t++) {
      const at = Math.round((trunkLine.points.length - 1) * rng.uniform(0.2, 0.95));
      const p = trunkLine.points[at];
      const patch: Vec3[] = [];
      const side: Vec3 = [rng.normal(0, 15), rng.normal(0, 18), rng.normal(0, 15)];
      for (let i = 0; i < rng.int(2, 6); i++) {
        const q: Vec3 = [
          p[0] + side[0] + rng.normal(0, 6),
          p[1] + side[1] + rng.normal(0, 8),
          p[2] + side[2] + rng.normal(0, 8),
        ];
        const r = ellipsoidRadius(q, head.inner);
        const onShell: Vec3 = [(q[0] / r) * 0.93, (q[1] / r) * 0.93, (q[2] / r) * 0.93];
        if (inCerebrum(head, onShell, 0.96)) patch.push(onShell);
      }
      if (patch.length === 0) continue;
      const rt = trunkLine.radius[at] * rng.uniform(0.4, 0.75);
      const trunk = out[trunkIndex];
      growTerritory(
        out,
        'vein',
        p,
        normalize(sub(patch[0], p)),
        patch,
        trunkIndex,
        2,
        trunk.delay[at],
        100,
        rng,
        options(rt),
      );
    }
    reverseDelays(out, first, rootDelay - rng.uniform(0.3, 0.9), v);
  }
  // Superficial middle cerebral vein along the Sylvian fissure, forwards and down to the sphenoparietal sinus.
  if (rng.bool(0.7)) {
    const first = out.length;
    const root: Vec3 = clampInside([s * 0.6 * ax, 0.55 * ay, -0.45 * az], head.inner, 0.93);
    const patch: Vec3[] = [];
    for (let i = 0; i < Math.round(8 * opt.density); i++) {
      const p: Vec3 = [s * 0.9 * ax, rng.uniform(-0.3, 0.25) * ay, rng.uniform(-0.3, 0.2) * az];
      patch.push(clampInside(p, head.inner, 0.93));
    }
    growTerritory(
      out,
      'vein',
      root,
      [s * 0.6, -0.6, 0.4],
      patch,
      -1,
      1,
      0,
      100,
      rng,
      options(rng.uniform(0.8, 1.3) * rs),
    );
    reverseDelays(out, first, rng.uniform(0.1, 0.5), v);
  }
  return out;
}

/**
 * Turns outward-grown delays (0 at the drainage point) into flow order: the farthest tip fills first and the
 * drainage point last, reaching `endDelay` there.
 */
function reverseDelays(branches: Branch[], first: number, endDelay: number, velocity: number): void {
  // The builder used 100 mm/s for its delays, so delay * 100 is the path length from the drainage point.
  let maxLen = 0;
  for (let b = first; b < branches.length; b++) for (const d of branches[b].delay) maxLen = Math.max(maxLen, d * 100);
  // Nothing fills before the venous phase starts: shift later when the tips would need a negative delay.
  const shift = Math.max(0, maxLen / velocity - endDelay);
  for (let b = first; b < branches.length; b++) {
    const delay = branches[b].delay;
    for (let i = 0; i < delay.length; i++) delay[i] = endDelay + shift - (delay[i] * 100) / velocity;
  }
}
