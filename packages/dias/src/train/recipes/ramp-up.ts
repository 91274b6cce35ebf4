// The sigmoid-shaped ramp-up of unsupervised loss weights (Laine and Aila 2017, used by mean teacher and the
// WSL4MIS scribble baselines): exp(−5 (1 − t)²) for t = the fraction of the ramp done, 1 after it; every step of
// the run gets its own value (t counts steps, not whole epochs).
import type { StepContext } from '../recipe.js';

export function rampUpWeight(at: Pick<StepContext, 'epoch' | 'step' | 'stepsPerEpoch'>, rampUpEpochs: number): number {
  if (rampUpEpochs <= 0) return 1;
  const done = (at.epoch - 1 + at.step / at.stepsPerEpoch) / rampUpEpochs;
  if (done >= 1) return 1;
  const t = Math.max(0, done);
  return Math.exp(-5 * (1 - t) * (1 - t));
}
