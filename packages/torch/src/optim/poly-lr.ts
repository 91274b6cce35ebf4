// Polynomial decay with linear warm-up: timm's PolyLRScheduler (timm 0.9), without lr noise.
import { LRScheduler, cyclePosition, warmupDefaults, type SchedulableOptimizer, type WarmupOptions } from './lr-scheduler.js';

export interface PolyLROptions extends WarmupOptions {
  /** Steps of t over which the lr decays to lrMin (timm's t_initial; required). */
  totalSteps: number;
  /** Exponent of the decay (timm's default 0.5; 1 is linear, nnU-Net uses 0.9). */
  power?: number;
  /** The lr reached at totalSteps and kept afterwards. */
  lrMin?: number;
  cycleMul?: number;
  cycleDecay?: number;
  cycleLimit?: number;
  kDecay?: number;
}

/**
 * After the warm-up (see CosineLRScheduler for the warm-up and cycles), in cycle i at position tCurr of length tI:
 *   lrMin + (base * cycleDecay^i - lrMin) * (1 - tCurr^k / tI^k)^power   while i < cycleLimit, lrMin after.
 */
export class PolyLRScheduler extends LRScheduler<PolyLROptions> {
  constructor(optimizer: SchedulableOptimizer, options: PolyLROptions) {
    if (!(options.totalSteps > 0)) throw new Error('PolyLRScheduler: totalSteps must be > 0');
    if (!((options.lrMin ?? 0) >= 0)) throw new Error('PolyLRScheduler: lrMin must be >= 0');
    super(optimizer, {
      totalSteps: options.totalSteps,
      power: options.power ?? 0.5,
      lrMin: options.lrMin ?? 0,
      cycleMul: options.cycleMul ?? 1,
      cycleDecay: options.cycleDecay ?? 1,
      cycleLimit: options.cycleLimit ?? 1,
      kDecay: options.kDecay ?? 1,
      ...warmupDefaults(options, false),
    });
  }

  protected scheduledLr(t: number): number[] {
    const { totalSteps, power, lrMin, cycleMul, cycleDecay, cycleLimit, kDecay: k } = this.options;
    const { i, tI, tCurr } = cyclePosition(t, totalSteps, cycleMul);
    if (i >= cycleLimit) return this.baseValues.map(() => lrMin);
    const gamma = cycleDecay ** i;
    return this.baseValues.map((v) => lrMin + (v * gamma - lrMin) * (1 - tCurr ** k / tI ** k) ** power);
  }
}
