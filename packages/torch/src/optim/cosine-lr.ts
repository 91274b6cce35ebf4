// Cosine decay with linear warm-up and optional restarts: timm's CosineLRScheduler (timm 0.9), without lr noise.
import type { SchedulableOptimizer } from './lr-scheduler.js';
import { CycleDecayLRScheduler, cycleDecayDefaults, type CycleDecayOptions } from './cycle-decay-lr.js';

export interface CosineLROptions extends CycleDecayOptions {
  /** Length of the first cycle, in steps of t (required). */
  tInitial: number;
}

/**
 * lr(t) = warmupLrInit + t * (base - warmupLrInit) / warmupT during the warm-up (t < warmupT); afterwards, with
 * t' = t (or t - warmupT with warmupPrefix) in cycle i at position tCurr of length tI:
 *   lrMin + 0.5 * (base * cycleDecay^i - lrMin) * (1 + cos(pi * tCurr^k / tI^k))   while i < cycleLimit,
 *   lrMin                                                                          after.
 * With the defaults (one cycle) that is lrMin + 0.5 (base - lrMin)(1 + cos(pi t' / tInitial)), then lrMin.
 */
export class CosineLRScheduler extends CycleDecayLRScheduler<CosineLROptions> {
  constructor(optimizer: SchedulableOptimizer, options: CosineLROptions) {
    if (!(options.tInitial > 0)) throw new Error('CosineLRScheduler: tInitial must be > 0');
    super(optimizer, { tInitial: options.tInitial, ...cycleDecayDefaults('CosineLRScheduler', options) });
  }

  protected firstCycleLength(): number {
    return this.options.tInitial;
  }

  protected decayFraction(tCurr: number, tI: number, k: number): number {
    return 0.5 * (1 + Math.cos((Math.PI * tCurr ** k) / tI ** k));
  }

  /** Length of the schedule over `cycles` cycles (default cycleLimit), the warm-up included with warmupPrefix. */
  getCycleLength(cycles = 0): number {
    const { tInitial, cycleMul, cycleLimit, warmupT, warmupPrefix } = this.options;
    const n = Math.max(1, cycles || cycleLimit);
    const t = cycleMul === 1 ? tInitial * n : Math.floor((-tInitial * (cycleMul ** n - 1)) / (1 - cycleMul));
    return warmupPrefix ? t + warmupT : t;
  }
}
