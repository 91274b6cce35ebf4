// The head the vessels live in, in millimetres, head-centred axes: x patient left(-)/right(+), y posterior(-)/
// anterior(+), z inferior(-)/superior(+); origin at the centre of the cranial vault's ellipsoid. Only what the
// tree builders and the artefacts need: the skull's inner/outer ellipsoids and the floor of the brain.
import type { Rng } from './rng.js';

export type Vec3 = [number, number, number];

export interface Head {
  /** Semi-axes (x, y, z) of the inner table of the skull; the brain surface lies just inside. */
  inner: Vec3;
  /** Semi-axes of the outer table (inner plus the skull's thickness). */
  outer: Vec3;
}

export function randomHead(rng: Rng): Head {
  const inner: Vec3 = [rng.uniform(62, 71), rng.uniform(80, 90), rng.uniform(64, 72)];
  const t = rng.uniform(5, 8);
  return { inner, outer: [inner[0] + t, inner[1] + t, inner[2] + t] };
}

/** Normalised ellipsoidal radius of p for semi-axes a: 1 on the surface. */
export function ellipsoidRadius(p: Vec3, a: Vec3): number {
  return Math.sqrt((p[0] / a[0]) ** 2 + (p[1] / a[1]) ** 2 + (p[2] / a[2]) ** 2);
}

/**
 * The floor of the cerebrum at (x, y): anterior cranial fossa at the front, the deeper middle fossa under the
 * temporal lobes, the tentorium over the posterior fossa (the cerebellum lies below it).
 */
export function cerebrumFloor(head: Head, x: number, y: number): number {
  const ay = head.inner[1];
  const az = head.inner[2];
  if (y > 0.3 * ay) return -0.3 * az;
  if (y > -0.3 * ay) return Math.abs(x) > 0.3 * head.inner[0] ? -0.68 * az : -0.35 * az;
  return -0.4 * az;
}

export function inCerebrum(head: Head, p: Vec3, maxRadius = 0.95): boolean {
  return ellipsoidRadius(p, head.inner) <= maxRadius && p[2] >= cerebrumFloor(head, p[0], p[1]);
}

export function inCerebellum(head: Head, p: Vec3): boolean {
  const az = head.inner[2];
  return (
    ellipsoidRadius(p, head.inner) <= 0.95 &&
    p[1] < -0.3 * head.inner[1] &&
    p[2] < -0.42 * az &&
    p[2] > -1.0 * az &&
    Math.abs(p[0]) < 0.8 * head.inner[0]
  );
}

/** Pulls p back inside the ellipsoid a scaled by maxRadius (vessels stay inside the skull). */
export function clampInside(p: Vec3, a: Vec3, maxRadius: number): Vec3 {
  const r = ellipsoidRadius(p, a);
  if (r <= maxRadius) return p;
  const s = maxRadius / r;
  return [p[0] * s, p[1] * s, p[2] * s];
}

// Small vector helpers used by the builders.
export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const norm = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);
export const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export function normalize(a: Vec3): Vec3 {
  const n = norm(a);
  return n > 1e-12 ? [a[0] / n, a[1] / n, a[2] / n] : [0, 0, 1];
}
export const lerp = (a: Vec3, b: Vec3, t: number): Vec3 => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];
