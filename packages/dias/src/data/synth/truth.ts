// Ground truth that the generator knows exactly and a reader of the frames can only estimate: the artery/vein
// label (0 background, 1 artery, 2 vein) and, where one vessel dominates a pixel, the times its contrast arrives
// and peaks. These let the 3-class task and the parametric (colour-coded) maps of `dias perfusion` be tested.
//
// Timing definitions (the same that eval/perfusion.ts measures, so the two can be compared directly):
//   time to peak  the time the pixel's opacification peaks: for a gamma variate (bolus.ts) t0 + alpha * beta.
//   arrival       the time the pixel's opacification first reaches ARRIVAL_FRACTION of its peak. Opacification
//                 is B (1 - exp(-A)) for attenuation A = W g(t) (W the pixel's peak attenuation, g the normalised
//                 gamma variate), so the fraction f of the peak opacification is reached where
//                 g = -ln(1 - f (1 - exp(-W))) / W, on the rising side of the curve; for faint vessels (W -> 0) this
//                 is simply g = f.
// Both in milliseconds from the first frame (the frame times' origin), NaN where no single vessel dominates: a
// pixel counts when it lies inside the dominant vessel's lumen, is visible (label 1 or 2) and that vessel gives
// at least DOMINANCE of the pixel's peak attenuation (overlaps of an artery and a vein, or of two branches with
// different timing, have no single curve to recover).
import { arterialCurve, venousCurve, type BolusTiming, type GammaCurve } from './bolus.js';
import type { Footprint } from './render.js';

export const AV_BACKGROUND = 0;
export const AV_ARTERY = 1;
export const AV_VEIN = 2;
/** The fraction of the peak opacification that defines arrival. */
export const ARRIVAL_FRACTION = 0.2;
/** Share of the pixel's peak attenuation the dominant vessel must give for the pixel to carry timing truth. */
export const DOMINANCE = 0.9;

/** 0 background, 1 artery, 2 vein; where an artery and a vein overlap the pixel is artery (as in the 0/255 label). */
export function arteryVeinLabel(artery: Uint8Array, vein: Uint8Array): Uint8Array {
  const out = new Uint8Array(artery.length);
  for (let i = 0; i < out.length; i++) out[i] = artery[i] ? AV_ARTERY : vein[i] ? AV_VEIN : AV_BACKGROUND;
  return out;
}

/** r in (0, 1] with exp(alpha (ln r + 1 - r)) = g: where the normalised gamma variate first reaches g. */
export function riseFraction(alpha: number, g: number): number {
  if (g >= 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const r = 0.5 * (lo + hi);
    if (Math.exp(alpha * (Math.log(r) + 1 - r)) < g) lo = r;
    else hi = r;
  }
  return 0.5 * (lo + hi);
}

export interface TimingTruth {
  /** Arrival (ARRIVAL_FRACTION of the peak opacification), ms from the first frame; NaN where undefined. */
  arrivalMs: Float32Array;
  /** Time to peak, ms from the first frame; NaN where undefined. */
  ttpMs: Float32Array;
}

export interface TimingTruthInput {
  W: number;
  H: number;
  timing: BolusTiming;
  arteryFootprint: Footprint;
  veinFootprint: Footprint;
  /** Transit delay (s) per centreline vertex of each tree. */
  arteryDelays: Float32Array;
  veinDelays: Float32Array;
  /** Attenuation per mm at full concentration, and the veins' peak concentration relative to the arteries'. */
  mu: number;
  venousPeak: number;
  /** The artery/vein label: truth only where it is 1 or 2. */
  avLabel: Uint8Array;
}

export function timingTruth(p: TimingTruthInput): TimingTruth {
  const n = p.W * p.H;
  const total = new Float32Array(n);
  const best = new Float32Array(n);
  const bestVertex = new Int32Array(n).fill(-1);
  const bestVein = new Uint8Array(n);
  const bestCore = new Uint8Array(n);
  const scan = (fp: Footprint, weight: number, vein: number): void => {
    for (let k = 0; k < fp.count; k++) {
      const i = fp.index[k];
      const w = weight * fp.chord[k];
      total[i] += w;
      if (w > best[i]) {
        best[i] = w;
        bestVertex[i] = fp.vertex[k];
        bestVein[i] = vein;
        bestCore[i] = fp.core[k];
      }
    }
  };
  scan(p.arteryFootprint, p.mu, 0);
  scan(p.veinFootprint, p.mu * p.venousPeak, 1);
  const arrivalMs = new Float32Array(n).fill(NaN);
  const ttpMs = new Float32Array(n).fill(NaN);
  const origin = p.timing.frameTimes[0];
  for (let i = 0; i < n; i++) {
    if (!p.avLabel[i] || bestVertex[i] < 0 || !bestCore[i] || best[i] < DOMINANCE * total[i]) continue;
    const curve: GammaCurve = bestVein[i]
      ? venousCurve(p.timing, p.veinDelays[bestVertex[i]])
      : arterialCurve(p.timing, p.arteryDelays[bestVertex[i]]);
    // The vein's peak attenuation is its weight already (venousPeak included); W is the pixel's at the peak.
    const Wpk = total[i];
    const g = Wpk > 1e-6 ? -Math.log(1 - ARRIVAL_FRACTION * (1 - Math.exp(-Wpk))) / Wpk : ARRIVAL_FRACTION;
    const peak = curve.alpha * curve.beta;
    ttpMs[i] = (curve.t0 + peak - origin) * 1000;
    arrivalMs[i] = (curve.t0 + riseFraction(curve.alpha, g) * peak - origin) * 1000;
  }
  return { arrivalMs, ttpMs };
}
