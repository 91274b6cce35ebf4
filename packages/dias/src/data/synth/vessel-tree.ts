// The arterial tree of one injection, in 3D: named trunks from control points (internal carotid with its siphon,
// A1/A2 and the pericallosal course, M1, P1/P2, or the vertebrobasilar system) and space-filling cortical trees
// over each territory (MCA lateral convexity, ACA medial surface and vertex strip, PCA occipital lobe, cerebellum),
// plus the small named branches a DSA run shows (ophthalmic, PComm, anterior choroidal, lenticulostriates) and,
// for a common-carotid injection, the external carotid's scalp and meningeal branches.
import {
  clampInside,
  ellipsoidRadius,
  inCerebellum,
  inCerebrum,
  normalize,
  scale,
  sub,
  type Head,
  type Vec3,
} from './head.js';
import {
  directionAt,
  growTerritory,
  insideSkull,
  makeBranch,
  pointCount,
  pointOf,
  splinePath,
  walk,
  type Branch,
  type TerritoryOptions,
} from './growth.js';
import type { Rng } from './rng.js';

export type Injection = 'ICA' | 'CCA' | 'VERT';

export interface ArterialOptions {
  head: Head;
  /** +1: the injected vessel is on the patient's right (x > 0); -1: left. */
  side: 1 | -1;
  injection: Injection;
  /** Multiplies the number of cortical branches (1 = default). */
  density: number;
  /** Mean blood (contrast) velocity along the tree, mm/s: arrival time = path length / velocity. */
  velocity: number;
}

export interface ArterialTree {
  branches: Branch[];
  /** Number of cortical attractors per territory, for the record. */
  territories: Record<string, number>;
}

const STEP_TRUNK = 0.8;

export function buildArterialTree(rng: Rng, opt: ArterialOptions): ArterialTree {
  const { head, side: s } = opt;
  const branches: Branch[] = [];
  const territories: Record<string, number> = {};
  const jit = (v: Vec3, a: number): Vec3 => [v[0] + rng.normal(0, a), v[1] + rng.normal(0, a), v[2] + rng.normal(0, a)];
  const inside = insideSkull(head, 0.97);
  const v = opt.velocity;

  /** A trunk from control points, attached at point `at` of branch `parent` (or a root when parent < 0). */
  const trunk = (name: string, control: Vec3[], radii: number[], parent: number, at: number, wiggle = 1.0): number => {
    const line = splinePath(control, radii, STEP_TRUNK, rng, { amplitude: wiggle, wavelength: 24 });
    const delay0 = parent >= 0 ? branches[parent].delay[at] : 0;
    branches.push(
      makeBranch('artery', name, line, parent, parent >= 0 ? branches[parent].generation + 1 : 0, delay0, v),
    );
    return branches.length - 1;
  };
  const territoryOptions = (rootRadius: number): TerritoryOptions => ({
    rootRadius,
    bifurcation: [0.35, 0.65],
    minorShare: [0.15, 0.45],
    twig: [3, 10],
    tipTaper: 0.35,
    walk: { step: 0.5, tortuosity: 0.08, pull: 0.2, constrain: inside },
    thinBoost: 1.0,
    head,
    maxBranches: 20000,
    surface: { fromRadius: 0.6, minRadius: 0.8 },
  });
  const grow = (parent: number, at: number, attractors: Vec3[], rootRadius: number, name: string): void => {
    territories[name] = (territories[name] ?? 0) + attractors.length;
    const b = branches[parent];
    growTerritory(
      branches,
      'artery',
      pointOf(b, at),
      directionAt(b, at),
      attractors,
      parent,
      b.generation + 1,
      b.delay[at],
      v,
      rng,
      territoryOptions(rootRadius),
    );
  };
  const count = (base: number): number => Math.max(4, Math.round(base * opt.density * rng.uniform(0.8, 1.2)));
  const last = (i: number): number => pointCount(branches[i]) - 1;
  const nearestIndex = (i: number, p: Vec3): number => {
    const b = branches[i];
    let best = 0;
    let bestD = Infinity;
    for (let k = 0; k < pointCount(b); k++) {
      const q = pointOf(b, k);
      const d = (q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2 + (q[2] - p[2]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return best;
  };
  /** Small tortuous branch from a point of a parent towards a target. */
  const twigTo = (parent: number, at: number, target: Vec3, r0: number, r1: number, tortuosity = 0.1): number => {
    const b = branches[parent];
    const start = pointOf(b, at);
    const line = walk(
      start,
      normalize(sub(target, start)),
      target,
      Math.hypot(...sub(target, start)) * 1.1,
      r0,
      r1,
      rng,
      {
        step: 0.5,
        tortuosity,
        pull: 0.3,
        constrain: inside,
      },
    );
    branches.push(makeBranch('artery', '', line, parent, b.generation + 1, b.delay[at], v));
    return branches.length - 1;
  };

  const rs = rng.uniform(0.9, 1.2); // overall calibre of this patient's vessels
  const sampler = new TerritorySampler(head, s, rng);

  if (opt.injection === 'VERT') {
    buildVertebrobasilar();
  } else {
    buildCarotid();
  }
  return { branches, territories };

  function buildCarotid(): void {
    const lift = rng.uniform(-6, 6);
    const siphonDepth = rng.uniform(0.85, 1.2);
    let root: number;
    let icaStart: Vec3 = [s * 24, -8, -150];
    if (opt.injection === 'CCA') {
      // Common carotid up to its bifurcation below the skull, then ICA and ECA.
      const cca = trunk(
        'CCA',
        [jit([s * 26, -2, -190], 1), jit([s * 25, -6, -150], 2), jit([s * 25, -7, -128 + lift], 2)],
        [3.2 * rs, 3.1 * rs, 3.0 * rs],
        -1,
        0,
        1,
      );
      root = cca;
      icaStart = pointOf(branches[cca], last(cca));
      buildExternalCarotid(cca);
    } else {
      root = -1;
    }
    // Cervical ICA straight up, then the petrous segment forwards, the posterior genu up, the cavernous segment
    // forwards, the anterior genu up and back, the supraclinoid segment back to the terminal bifurcation: the siphon.
    const d = siphonDepth;
    const ica = trunk(
      'ICA',
      [
        icaStart,
        jit([s * 23, -5, -112], 3),
        jit([s * 22, -2, -66 + lift], 2),
        jit([s * 21, 4 * d, -61 + lift], 1),
        jit([s * 19, 13 * d, -58 + lift], 1),
        jit([s * 17, 17 * d, -52 + lift], 1),
        jit([s * 16, 23 * d, -47 + lift], 1),
        jit([s * 15, 30 * d, -44 + lift], 1),
        jit([s * 15, 33 * d, -38 + lift], 0.8),
        jit([s * 14, 29 * d, -32 + lift], 0.8),
        jit([s * 14, 21 * d, -29 + lift], 0.8),
        jit([s * 15, 16 * d, -26 + lift], 0.8),
        jit([s * 16, 15, -21 + lift], 0.8),
      ],
      [2.6, 2.55, 2.45, 2.4, 2.35, 2.3, 2.25, 2.2, 2.1, 2.0, 1.95, 1.9, 1.8].map((r) => r * rs),
      root,
      root >= 0 ? last(root) : 0,
      0.8,
    );
    const T = pointOf(branches[ica], last(ica));
    // Ophthalmic artery from the supraclinoid segment forwards into the orbit.
    if (rng.bool(0.85)) {
      const at = Math.round(last(ica) * 0.86);
      const oph = twigTo(ica, at, jit([s * 22, 55, -30 + lift], 4), 0.55 * rs, 0.4 * rs, 0.08);
      grow(oph, last(oph), sampler.box(count(6), [12, 34], [48, 70], [-42 + lift, -20 + lift]), 0.4 * rs, 'ophthalmic');
    }
    // Posterior communicating artery; sometimes it feeds the whole PCA (fetal origin).
    const fetal = rng.bool(0.25);
    if (fetal || rng.bool(0.5)) {
      const pcomm = trunk(
        'PComm',
        [T, jit([s * 10, 2, -26 + lift], 1), jit([s * 8, -8, -30 + lift], 1)],
        [0.6 * rs, 0.55 * rs, (fetal ? 0.9 : 0.45) * rs],
        ica,
        last(ica),
        0.5,
      );
      if (fetal) {
        const p2 = trunk(
          'PCA P2',
          [pointOf(branches[pcomm], last(pcomm)), jit([s * 18, -18, -28], 2), jit([s * 22, -35, -22], 2)],
          [0.95 * rs, 0.9 * rs, 0.85 * rs],
          pcomm,
          last(pcomm),
        );
        grow(p2, last(p2), sampler.pca(count(100)), 0.85 * rs, 'PCA');
      }
    }
    // Anterior choroidal artery: thin, long, posterolateral.
    if (rng.bool(0.7)) twigTo(ica, last(ica) - 2, jit([s * 26, -22, -12 + lift], 4), 0.35 * rs, 0.22 * rs, 0.12);
    // ACA: A1 medially to the anterior communicating region, A2 up to the genu and back over the corpus callosum.
    const aca = trunk(
      'ACA',
      [
        T,
        jit([s * 8, 20, -20 + lift], 1.5),
        jit([s * 2.5, 26, -17 + lift], 1),
        jit([s * 2.5, 36, -6], 2),
        jit([s * 3, 44, 10], 3),
        jit([s * 3, 38, 27], 3),
        jit([s * 3, 16, 38], 3),
        jit([s * 3, -14, 41], 3),
        jit([s * 3, -38, 32], 3),
      ],
      [1.15, 1.1, 1.05, 1.0, 0.95, 0.9, 0.8, 0.7, 0.55].map((r) => r * rs),
      ica,
      last(ica),
      0.8,
    );
    // The ACA territory feeds off the pericallosal course at several points (callosomarginal and its branches).
    const acaSet = sampler.aca(count(140));
    growAlong(aca, acaSet, 5, 0.9 * rs, 'ACA', 0.35);
    // MCA: M1 laterally, then the territory tree from the bifurcation (superior and inferior divisions emerge).
    const m1End = jit([s * 40, 12, -24 + lift * 0.5], 2);
    const mca = trunk(
      'MCA M1',
      [T, jit([s * 26, 15, -22 + lift * 0.7], 1.5), m1End],
      [1.5 * rs, 1.45 * rs, 1.4 * rs],
      ica,
      last(ica),
      1,
    );
    grow(mca, last(mca), sampler.mca(count(240)), 1.35 * rs, 'MCA');
    // Lenticulostriate perforators from M1 straight up into the basal ganglia.
    const nLs = rng.int(3, 8);
    for (let k = 0; k < nLs; k++) {
      const at = Math.round(last(mca) * rng.uniform(0.2, 0.8));
      const p = pointOf(branches[mca], at);
      twigTo(
        mca,
        at,
        [p[0] + rng.normal(0, 4), p[1] + rng.normal(0, 4), p[2] + rng.uniform(14, 26)],
        rng.uniform(0.15, 0.28),
        0.07,
        0.15,
      );
    }
  }

  function buildExternalCarotid(cca: number): void {
    const b = pointOf(branches[cca], last(cca));
    const eca = trunk(
      'ECA',
      [b, jit([s * 32, 6, -112], 2), jit([s * 36, 10, -92], 2)],
      [2.0 * rs, 1.9 * rs, 1.7 * rs],
      cca,
      last(cca),
      1.5,
    );
    const E = pointOf(branches[eca], last(eca));
    const scalp = (p: Vec3): Vec3 => {
      // Scalp arteries stay just outside the outer table.
      const r = ellipsoidRadius(p, head.outer);
      return r < 1.03 && p[2] > -60 ? scale(p, 1.03 / r) : p;
    };
    const scalpOptions = (rootRadius: number): TerritoryOptions => ({
      ...territoryOptions(rootRadius),
      walk: { step: 0.6, tortuosity: 0.14, pull: 0.25, constrain: scalp },
      surface: undefined,
    });
    // Superficial temporal artery: up in front of the ear, then over the temple.
    const sta = trunk(
      'STA',
      [
        E,
        jit([s * (head.outer[0] - 2), 14, -70], 3),
        jit([s * (head.outer[0] + 4), 14, -35], 3),
        jit([s * (head.outer[0] + 3), 16, -5], 3),
      ],
      [1.2 * rs, 1.1 * rs, 1.0 * rs, 0.9 * rs],
      eca,
      last(eca),
      2.5,
    );
    const staEnd = pointOf(branches[sta], last(sta));
    territories.STA = count(20);
    growTerritory(
      branches,
      'artery',
      staEnd,
      directionAt(branches[sta], last(sta)),
      sampler.scalp(territories.STA, [-0.4, 0.8], [-0.1, 0.85]),
      sta,
      2,
      branches[sta].delay[last(sta)],
      v,
      rng,
      scalpOptions(0.9 * rs),
    );
    // Occipital artery: backwards and up over the occiput.
    const occ = trunk(
      'OA',
      [E, jit([s * 40, -40, -85], 4), jit([s * 30, -(head.outer[1] + 3), -40], 4)],
      [1.0 * rs, 0.9 * rs, 0.8 * rs],
      eca,
      last(eca),
      3,
    );
    territories.OA = count(15);
    growTerritory(
      branches,
      'artery',
      pointOf(branches[occ], last(occ)),
      directionAt(branches[occ], last(occ)),
      sampler.scalp(territories.OA, [-1, -0.55], [-0.3, 0.6]),
      occ,
      2,
      branches[occ].delay[last(occ)],
      v,
      rng,
      scalpOptions(0.8 * rs),
    );
    // Internal maxillary towards the face, and the middle meningeal up along the inner table.
    const ima = trunk(
      'IMA',
      [E, jit([s * 34, 35, -80], 3), jit([s * 26, 58, -72], 3)],
      [1.2 * rs, 1.0 * rs, 0.7 * rs],
      eca,
      last(eca),
      2,
    );
    const at = Math.round(last(ima) * 0.35);
    const mma = trunk(
      'MMA',
      [
        pointOf(branches[ima], at),
        jit([s * 38, 18, -52], 2),
        jit([s * (head.inner[0] - 3), 14, -20], 3),
        jit([s * (head.inner[0] - 8), 6, 25], 4),
      ],
      [0.8 * rs, 0.75 * rs, 0.7 * rs, 0.55 * rs],
      ima,
      at,
      2,
    );
    territories.MMA = count(15);
    const dura = (p: Vec3): Vec3 => clampInside(p, head.inner, 0.995);
    growTerritory(
      branches,
      'artery',
      pointOf(branches[mma], last(mma)),
      directionAt(branches[mma], last(mma)),
      sampler.shell(territories.MMA, 0.93, 0.99, (X, Y, Z) => X > 0.5 && Z > -0.2 && Y > -0.7),
      mma,
      3,
      branches[mma].delay[last(mma)],
      v,
      rng,
      {
        ...territoryOptions(0.5 * rs),
        walk: { step: 0.6, tortuosity: 0.04, pull: 0.3, constrain: dura },
        surface: undefined,
      },
    );
  }

  function buildVertebrobasilar(): void {
    const va = trunk(
      'VA',
      [
        jit([s * 28, -14, -160], 2),
        jit([s * 28, -18, -100], 3),
        jit([s * 36, -26, -82], 2),
        jit([s * 30, -40, -74], 2),
        jit([s * 12, -34, -68], 2),
        jit([s * 5, -22, -60], 1.5),
        [0, -13, -56],
      ],
      [2.0, 1.95, 1.9, 1.85, 1.8, 1.7, 1.6].map((r) => r * rs),
      -1,
      0,
      2.5,
    );
    // Reflux down the other vertebral artery for a while.
    if (rng.bool(0.5))
      trunk(
        'VA reflux',
        [[0, -13, -56], jit([-s * 6, -22, -62], 1.5), jit([-s * 14, -32, -70], 2)],
        [1.5 * rs, 1.4 * rs, 1.3 * rs],
        va,
        last(va),
        1,
      );
    // PICA from the intradural vertebral to the inferior cerebellum.
    const pica = trunk(
      'PICA',
      [pointOf(branches[va], last(va) - 8), jit([s * 12, -40, -64], 3), jit([s * 14, -58, -58], 4)],
      [0.7 * rs, 0.65 * rs, 0.6 * rs],
      va,
      last(va) - 8,
      2,
    );
    grow(pica, last(pica), sampler.cerebellum(count(35), s, 'inferior'), 0.6 * rs, 'PICA');
    const ba = trunk(
      'BA',
      [[0, -13, -56], jit([0, -9, -44], 1.5), jit([0, -7, -32], 1)],
      [1.6 * rs, 1.55 * rs, 1.5 * rs],
      va,
      last(va),
      1.5,
    );
    for (const side of [1, -1] as const) {
      const tip = pointOf(branches[ba], last(ba));
      const sca = trunk(
        'SCA',
        [pointOf(branches[ba], last(ba) - 4), jit([side * 12, -14, -36], 1.5), jit([side * 18, -34, -38], 2)],
        [0.6 * rs, 0.55 * rs, 0.5 * rs],
        ba,
        last(ba) - 4,
        1.2,
      );
      grow(sca, last(sca), sampler.cerebellum(count(30), side, 'superior'), 0.5 * rs, 'SCA');
      const pca = trunk(
        'PCA',
        [tip, jit([side * 8, -7, -30], 1), jit([side * 20, -18, -27], 2), jit([side * 23, -36, -20], 2)],
        [1.1 * rs, 1.05 * rs, 1.0 * rs, 0.95 * rs],
        ba,
        last(ba),
        1.2,
      );
      grow(pca, last(pca), sampler.pca(count(100), side), 0.95 * rs, 'PCA');
    }
  }

  /** Splits a territory's attractors among `groups` points along a trunk, each growing its own sub-tree. */
  function growAlong(
    trunkIndex: number,
    attractors: Vec3[],
    groups: number,
    rootRadius: number,
    name: string,
    from: number,
  ): void {
    const b = branches[trunkIndex];
    const n = pointCount(b);
    const start = Math.round(n * from);
    const buckets: Vec3[][] = Array.from({ length: groups }, () => []);
    const anchors = Array.from({ length: groups }, (_, g) =>
      Math.min(n - 1, Math.round(start + ((n - 1 - start) * (g + 0.5)) / groups)),
    );
    for (const p of attractors) {
      const k = nearestIndex(trunkIndex, p);
      // Bucket by the nearest anchor along the trunk.
      let best = 0;
      for (let g = 1; g < groups; g++) if (Math.abs(anchors[g] - k) < Math.abs(anchors[best] - k)) best = g;
      buckets[best].push(p);
    }
    for (let g = 0; g < groups; g++) {
      if (buckets[g].length === 0) continue;
      const r = rootRadius * Math.cbrt(buckets[g].length / attractors.length) * 1.1;
      grow(trunkIndex, anchors[g], buckets[g], Math.min(r, b.radius[anchors[g]] * 0.9), name);
    }
  }
}

/**
 * Random points of the brain where each territory's cortical branches end (rejection sampling inside the skull's
 * inner ellipsoid). Coordinates are judged as X = side * x / ax (ipsilateral positive), Y = y / ay, Z = z / az.
 */
class TerritorySampler {
  constructor(
    private readonly head: Head,
    private readonly side: 1 | -1,
    private readonly rng: Rng,
  ) {}

  /** Points with normalised radius in [rMin, rMax] (a shell under the skull) passing `accept`. */
  shell(
    n: number,
    rMin: number,
    rMax: number,
    accept: (X: number, Y: number, Z: number, p: Vec3) => boolean,
    side: 1 | -1 = this.side,
  ): Vec3[] {
    const [ax, ay, az] = this.head.inner;
    const out: Vec3[] = [];
    for (let tries = 0; out.length < n && tries < n * 400; tries++) {
      const d = normalize([this.rng.normal(), this.rng.normal(), this.rng.normal()]);
      // Uniform in volume within the shell.
      const r = Math.cbrt(this.rng.uniform(rMin ** 3, rMax ** 3));
      const p: Vec3 = [d[0] * ax * r, d[1] * ay * r, d[2] * az * r];
      if (accept((side * p[0]) / ax, p[1] / ay, p[2] / az, p)) out.push(p);
    }
    return out;
  }

  mca(n: number): Vec3[] {
    const h = this.head;
    return this.shell(
      n,
      0.72,
      0.95,
      (X, Y, Z, p) => X > 0.3 && Y > -0.62 && !(Z > 0.55 && X < 0.55) && Z < 0.85 && inCerebrum(h, p),
    );
  }

  aca(n: number): Vec3[] {
    const h = this.head;
    // Medial surface (a slab beside the midline) and the parasagittal strip of the convexity.
    const medial = this.shell(
      Math.round(n * 0.65),
      0.3,
      0.95,
      (X, Y, Z, p) => X > 0.01 && X < 0.2 && Y > -0.55 && Z > -0.05 && inCerebrum(h, p),
    );
    const strip = this.shell(
      n - medial.length,
      0.78,
      0.95,
      (X, Y, Z, p) => X > 0.05 && X < 0.55 && Z > 0.5 && Y > -0.5 && inCerebrum(h, p),
    );
    return medial.concat(strip);
  }

  pca(n: number, side: 1 | -1 = this.side): Vec3[] {
    const h = this.head;
    return this.shell(
      n,
      0.45,
      0.95,
      (X, Y, Z, p) => X > 0.02 && ((Y < -0.55 && Z < 0.45) || (Y < -0.05 && Z < -0.25 && X > 0.2)) && inCerebrum(h, p),
      side,
    );
  }

  cerebellum(n: number, side: 1 | -1, part: 'inferior' | 'superior'): Vec3[] {
    const h = this.head;
    return this.shell(
      n,
      0.4,
      0.95,
      (X, _Y, Z, p) => X > 0.03 && (part === 'inferior' ? Z < -0.62 : Z >= -0.68) && inCerebellum(h, p),
      side,
    );
  }

  /** The scalp (just outside the outer table) over a range of Y and Z. */
  scalp(n: number, yRange: [number, number], zRange: [number, number]): Vec3[] {
    const o = this.head.outer;
    const pts = this.shell(
      n,
      1.02,
      1.06,
      (X, Y, Z) => X > 0.25 && Y >= yRange[0] && Y <= yRange[1] && Z >= zRange[0] && Z <= zRange[1],
    );
    // shell() scales by the inner axes; rescale to the outer table.
    return pts.map(
      (p) =>
        [
          (p[0] * o[0]) / this.head.inner[0],
          (p[1] * o[1]) / this.head.inner[1],
          (p[2] * o[2]) / this.head.inner[2],
        ] as Vec3,
    );
  }

  /** Points in an axis-aligned box (x range taken on the injected side). */
  box(n: number, xr: [number, number], yr: [number, number], zr: [number, number]): Vec3[] {
    const out: Vec3[] = [];
    for (let i = 0; i < n; i++)
      out.push([
        this.side * this.rng.uniform(xr[0], xr[1]),
        this.rng.uniform(yr[0], yr[1]),
        this.rng.uniform(zr[0], zr[1]),
      ]);
    return out;
  }
}
