// Step decay with optional linear warm-up: timm's StepLRScheduler (timm 0.9), without lr noise; the same values
// as torch.optim.lr_scheduler.StepLR's closed form when there is no warm-up.
import { LRScheduler, warmupDefaults, type SchedulableOptimizer, type WarmupOptions } from './lr-scheduler.js';

export interface StepLROptions extends WarmupOptions {
  /** The lr is multiplied by gamma every stepSize steps of t (timm's decay_t; required). */
  stepSize: number;
  /** Decay factor (timm's decay_rate). Default 0.1 as PyTorch's StepLR. */
  gamma?: number;
}

/**
 * lr(t) = base * gamma^floor(t' / stepSize) after the warm-up, with t' = t - warmupT (warmupPrefix, timm's default
 * for this schedule) or t.
 */
export class StepLRScheduler extends LRScheduler<StepLROptions> {
  constructor(optimizer: SchedulableOptimizer, options: StepLROptions) {
    if (!(options.stepSize > 0)) throw new Error('StepLRScheduler: stepSize must be > 0');
    super(optimizer, { stepSize: options.stepSize, gamma: options.gamma ?? 0.1, ...warmupDefaults(options, true) });
  }

  protected scheduledLr(t: number): number[] {
    const { stepSize, gamma } = this.options;
    return this.baseValues.map((v) => v * gamma ** Math.floor(t / stepSize));
  }
}
