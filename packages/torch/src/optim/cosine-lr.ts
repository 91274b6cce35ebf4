// Cosine decay with linear warm-up and optional restarts: timm's CosineLRScheduler (timm 0.9), without lr noise.
import { LRScheduler, cyclePosition, warmupDefaults, type SchedulableOptimizer, type WarmupOptions } from './lr-scheduler.js';

export interface CosineLROptions extends WarmupOptions {
  /** Length of the first cycle, in steps of t (required). */
  tInitial: number;
  /** The lr the cosine decays to and stays at after the last cycle. */
  lrMin?: number;
  /** Each cycle is cycleMul times longer than the previous one. */
  cycleMul?: number;
  /** Each cycle's peak is cycleDecay times the previous one's. */
  cycleDecay?: number;
  /** Number of cycles; afterwards the lr stays lrMin. */
  cycleLimit?: number;
  /** k-decay exponent (1: plain cosine). */
  kDecay?: number;
}

/**
 * lr(t) = warmupLrInit + t * (base - warmupLrInit) / warmupT during the warm-up (t < warmupT); afterwards, with
 * t' = t (or t - warmupT with warmupPrefix) in cycle i at position tCurr of length tI:
 *   lrMin + 0.5 * (base * cycleDecay^i - lrMin) * (1 + cos(pi * tCurr^k / tI^k))   while i < cycleLimit,
 *   lrMin                                                                          after.
 * With the defaults (one cycle) that is lrMin + 0.5 (base - lrMin)(1 + cos(pi t' / tInitial)), then lrMin.
 */
export class CosineLRScheduler extends LRScheduler<CosineLROptions> {
  constructor(optimizer: SchedulableOptimizer, options: CosineLROptions) {
    if (!(options.tInitial > 0)) throw new Error('CosineLRScheduler: tInitial must be > 0');
    if (!((options.lrMin ?? 0) >= 0)) throw new Error('CosineLRScheduler: lrMin must be >= 0');
    super(optimizer, {
      tInitial: options.tInitial,
      lrMin: options.lrMin ?? 0,
      cycleMul: options.cycleMul ?? 1,
      cycleDecay: options.cycleDecay ?? 1,
      cycleLimit: options.cycleLimit ?? 1,
      kDecay: options.kDecay ?? 1,
      ...warmupDefaults(options, false),
    });
  }

  protected scheduledLr(t: number): number[] {
    const { tInitial, lrMin, cycleMul, cycleDecay, cycleLimit, kDecay: k } = this.options;
    const { i, tI, tCurr } = cyclePosition(t, tInitial, cycleMul);
    if (i >= cycleLimit) return this.baseValues.map(() => lrMin);
    const gamma = cycleDecay ** i;
    return this.baseValues.map((v) => {
      const lrMax = v * gamma;
      return lrMin + 0.5 * (lrMax - lrMin) * (1 + Math.cos((Math.PI * tCurr ** k) / tI ** k));
    });
  }

  /** Length of the schedule over `cycles` cycles (default cycleLimit), the warm-up included with warmupPrefix. */
  getCycleLength(cycles = 0): number {
    const { tInitial, cycleMul, cycleLimit, warmupT, warmupPrefix } = this.options;
    const n = Math.max(1, cycles || cycleLimit);
    const t = cycleMul === 1 ? tInitial * n : Math.floor((-tInitial * (cycleMul ** n - 1)) / (1 - cycleMul));
    return warmupPrefix ? t + warmupT : t;
  }
}
