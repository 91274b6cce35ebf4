// Contrast timing: a gamma-variate bolus that arrives at each point of the arterial tree after its transit delay
// and broadens with distance; the capillary blush and the veins follow with their own later, wider curves; and the
// acquisition times of the frames, from the early arterial to the early venous phase.
import type { Rng } from './rng.js';

export interface GammaCurve {
  /** Onset (s after injection). */
  t0: number;
  /** Shape (rise steepness). */
  alpha: number;
  /** Scale (s); the peak is at t0 + alpha * beta. */
  beta: number;
}

export interface BolusTiming {
  arterial: GammaCurve;
  /** Extra width per second of transit delay (dispersion along the tree). */
  dispersion: number;
  blush: GammaCurve;
  venous: GammaCurve;
  /** Frame acquisition times, seconds after injection. */
  frameTimes: number[];
}

/** Gamma variate normalised to a peak of 1 at t0 + alpha * beta; 0 before t0. */
export function gammaVariate(t: number, c: GammaCurve): number {
  const x = t - c.t0;
  if (x <= 0) return 0;
  const peak = c.alpha * c.beta;
  const r = x / peak;
  return Math.exp(c.alpha * (Math.log(r) + 1 - r));
}

/** Arterial concentration at a point reached `delay` seconds after the root, at time t. */
export function arterialConcentration(timing: BolusTiming, delay: number, t: number): number {
  return gammaVariate(t, arterialCurve(timing, delay));
}

/** Venous concentration at a point whose filling lags the start of the venous phase by `delay` seconds. */
export function venousConcentration(timing: BolusTiming, delay: number, t: number): number {
  return gammaVariate(t, venousCurve(timing, delay));
}

export function blushConcentration(timing: BolusTiming, t: number): number {
  return gammaVariate(t, timing.blush);
}

/**
 * Random timing for one run with `frames` frames: the first frame while the bolus is still filling the proximal
 * tree, the last in the early venous phase; frames closer together early on, as DSA protocols acquire.
 */
export function randomTiming(rng: Rng, frames: number): BolusTiming {
  const arterial: GammaCurve = { t0: 0, alpha: rng.uniform(2.8, 4), beta: rng.uniform(0.3, 0.5) };
  const blush: GammaCurve = { t0: rng.uniform(1.0, 1.6), alpha: rng.uniform(2.5, 3.5), beta: rng.uniform(0.45, 0.7) };
  const venous: GammaCurve = { t0: rng.uniform(2.6, 3.4), alpha: rng.uniform(2.5, 3.5), beta: rng.uniform(0.5, 0.8) };
  const first = rng.uniform(0.3, 1.1);
  const last = rng.uniform(5.0, 7.0);
  const gamma = rng.uniform(1.0, 1.5);
  const frameTimes: number[] = [];
  for (let k = 0; k < frames; k++) {
    const f = frames === 1 ? 0 : k / (frames - 1);
    const jitter = k === 0 || k === frames - 1 ? 0 : rng.normal(0, 0.08) / frames;
    frameTimes.push(first + (last - first) * Math.min(1, Math.max(0, f ** gamma + jitter)));
  }
  frameTimes.sort((a, b) => a - b);
  return { arterial, dispersion: rng.uniform(0.15, 0.4), blush, venous, frameTimes };
}

/**
 * Random timing for a complete run of `frames` frames (20-60): the same curves as randomTiming, but the first frame
 * is taken before the contrast reaches the image (the mask phase: 0.2-0.6 s before the bolus arrives at the root)
 * and the last one late in the venous phase (9-12 s), so every pixel's contrast rises, peaks and washes out within
 * the run; frames closer together early on (exponent 1.0-1.3), as arterial-phase protocols acquire.
 */
export function randomCompleteRunTiming(rng: Rng, frames: number): BolusTiming {
  const arterial: GammaCurve = { t0: 0, alpha: rng.uniform(2.8, 4), beta: rng.uniform(0.3, 0.5) };
  const blush: GammaCurve = { t0: rng.uniform(1.0, 1.6), alpha: rng.uniform(2.5, 3.5), beta: rng.uniform(0.45, 0.7) };
  const venous: GammaCurve = { t0: rng.uniform(2.6, 3.4), alpha: rng.uniform(2.5, 3.5), beta: rng.uniform(0.5, 0.8) };
  const first = -rng.uniform(0.2, 0.6);
  const last = rng.uniform(9, 12);
  const gamma = rng.uniform(1.0, 1.3);
  const frameTimes: number[] = [];
  for (let k = 0; k < frames; k++) frameTimes.push(first + (last - first) * (k / (frames - 1)) ** gamma);
  return { arterial, dispersion: rng.uniform(0.15, 0.4), blush, venous, frameTimes };
}

/** The shape and timing of the arterial curve at a point `delay` seconds downstream of the root. */
export function arterialCurve(timing: BolusTiming, delay: number): GammaCurve {
  const c = timing.arterial;
  return { t0: c.t0 + delay, alpha: c.alpha, beta: c.beta * (1 + timing.dispersion * delay) };
}

/** The venous curve at a point whose filling lags the start of the venous phase by `delay` seconds. */
export function venousCurve(timing: BolusTiming, delay: number): GammaCurve {
  const c = timing.venous;
  return { t0: c.t0 + delay, alpha: c.alpha, beta: c.beta };
}
