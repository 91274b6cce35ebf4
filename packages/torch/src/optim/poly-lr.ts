// Polynomial decay with linear warm-up: timm's PolyLRScheduler (timm 0.9), without lr noise.
import type { SchedulableOptimizer } from './lr-scheduler.js';
import { CycleDecayLRScheduler, cycleDecayDefaults, type CycleDecayOptions } from './cycle-decay-lr.js';

export interface PolyLROptions extends CycleDecayOptions {
  /** Steps of t over which the lr decays to lrMin (timm's t_initial; required). */
  totalSteps: number;
  /** Exponent of the decay (timm's default 0.5; 1 is linear, nnU-Net uses 0.9). */
  power?: number;
}

/**
 * After the warm-up (see CosineLRScheduler for the warm-up and cycles), in cycle i at position tCurr of length tI:
 *   lrMin + (base * cycleDecay^i - lrMin) * (1 - tCurr^k / tI^k)^power   while i < cycleLimit, lrMin after.
 */
export class PolyLRScheduler extends CycleDecayLRScheduler<PolyLROptions> {
  constructor(optimizer: SchedulableOptimizer, options: PolyLROptions) {
    if (!(options.totalSteps > 0)) throw new Error('PolyLRScheduler: totalSteps must be > 0');
    super(optimizer, {
      totalSteps: options.totalSteps,
      power: options.power ?? 0.5,
      ...cycleDecayDefaults('PolyLRScheduler', options),
    });
  }

  protected firstCycleLength(): number {
    return this.options.totalSteps;
  }

  protected decayFraction(tCurr: number, tI: number, k: number): number {
    return (1 - tCurr ** k / tI ** k) ** this.options.power;
  }
}
