// CycleDecayLRScheduler: what timm's cosine and poly schedules share. Each cycle decays the lr from a peak to lrMin;
// cycles may grow (cycleMul) and their peaks shrink (cycleDecay), and after cycleLimit cycles the lr stays lrMin.
// A subclass supplies only the first cycle's length and the shape of the decay within a cycle.
import { LRScheduler, warmupDefaults, type WarmupOptions } from './lr-scheduler.js';

export interface CycleDecayOptions extends WarmupOptions {
  /** The lr each cycle decays to, and stays at after the last cycle. */
  lrMin?: number;
  /** Each cycle is cycleMul times longer than the previous one. */
  cycleMul?: number;
  /** Each cycle's peak is cycleDecay times the previous one's. */
  cycleDecay?: number;
  /** Number of cycles; afterwards the lr stays lrMin. */
  cycleLimit?: number;
  /** k-decay exponent (1: plain decay), applied to the position in the cycle and its length. */
  kDecay?: number;
}

/**
 * Validates lrMin and fills the cycle and warm-up defaults (timm's defaults: one cycle, warm-up not a prefix).
 * `scheduler` names the caller in the error.
 */
export function cycleDecayDefaults(scheduler: string, o: CycleDecayOptions): Required<CycleDecayOptions> {
  if (!((o.lrMin ?? 0) >= 0)) throw new Error(`${scheduler}: lrMin must be >= 0`);
  return {
    lrMin: o.lrMin ?? 0,
    cycleMul: o.cycleMul ?? 1,
    cycleDecay: o.cycleDecay ?? 1,
    cycleLimit: o.cycleLimit ?? 1,
    kDecay: o.kDecay ?? 1,
    ...warmupDefaults(o, false),
  };
}

/** Which cycle t falls in, its length and the position in it (timm's cycle arithmetic for cosine and poly). */
export function cyclePosition(t: number, tInitial: number, cycleMul: number): { i: number; tI: number; tCurr: number } {
  if (cycleMul !== 1) {
    const i = Math.floor(Math.log(1 - (t / tInitial) * (1 - cycleMul)) / Math.log(cycleMul));
    const tI = cycleMul ** i * tInitial;
    const tCurr = t - ((1 - cycleMul ** i) / (1 - cycleMul)) * tInitial;
    return { i, tI, tCurr };
  }
  const i = Math.floor(t / tInitial);
  return { i, tI: tInitial, tCurr: t - tInitial * i };
}

export abstract class CycleDecayLRScheduler<O extends CycleDecayOptions> extends LRScheduler<O> {
  /** Length of the first cycle (timm's t_initial), from the subclass's own option. */
  protected abstract firstCycleLength(): number;

  /**
   * The fraction of (peak - lrMin) left at position tCurr of a cycle of length tI: 1 at the start, falling towards 0.
   * k is the kDecay exponent.
   */
  protected abstract decayFraction(tCurr: number, tI: number, k: number): number;

  protected scheduledLr(t: number): number[] {
    // TypeScript cannot see through Required<O> for a generic O, though O extends CycleDecayOptions.
    const { lrMin, cycleMul, cycleDecay, cycleLimit, kDecay } = this.options as Required<CycleDecayOptions>;
    const { i, tI, tCurr } = cyclePosition(t, this.firstCycleLength(), cycleMul);
    if (i >= cycleLimit) return this.baseValues.map(() => lrMin);
    const gamma = cycleDecay ** i;
    const fraction = this.decayFraction(tCurr, tI, kDecay);
    return this.baseValues.map((v) => lrMin + (v * gamma - lrMin) * fraction);
  }
}
