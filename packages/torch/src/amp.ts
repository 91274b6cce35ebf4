// Mixed precision: autocast regions and a gradient scaler, as torch.autocast and torch.cuda.amp.GradScaler.
import { native } from './native.js';
import { Tensor } from './tensor.js';
import { noGrad } from './autograd.js';
import type { DType } from './dtype.js';

/**
 * Runs fn with autocast on for the device type ('cuda' or 'cpu'): eligible ops (convolutions, matmuls) run in
 * dtype (float16 or bfloat16), the rest in float32. fn must be synchronous.
 */
export function autocast<T>(
  deviceType: 'cuda' | 'cpu',
  fn: () => T,
  dtype: DType = deviceType === 'cuda' ? 'float16' : 'bfloat16',
): T {
  const previous = native.autocastEnter(deviceType, dtype);
  try {
    return fn();
  } finally {
    native.autocastExit(deviceType, previous);
  }
}

export interface GradScalerOptions {
  initScale?: number;
  growthFactor?: number;
  backoffFactor?: number;
  growthInterval?: number;
  enabled?: boolean;
}

/** Minimal optimizer shape the scaler needs. */
interface Steppable {
  step(): void;
  readonly paramGroups: readonly { params: readonly Tensor[] }[];
}

/**
 * Scales the loss so float16 gradients do not underflow, unscales before the step, skips steps whose gradients
 * are not finite and adapts the scale (torch.cuda.amp.GradScaler's policy).
 */
export class GradScaler {
  private scaleValue: number;
  private growthTracker = 0;
  private readonly o: Required<GradScalerOptions>;
  private unscaled = false;
  private foundInf = false;

  constructor(options: GradScalerOptions = {}) {
    this.o = { initScale: 65536, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000, enabled: true, ...options };
    this.scaleValue = this.o.initScale;
  }
  get scale(): number {
    return this.scaleValue;
  }
  scaleLoss(loss: Tensor): Tensor {
    return this.o.enabled ? loss.mul(this.scaleValue) : loss;
  }
  /** Divides the gradients by the scale in place and notes whether any is inf/NaN. */
  unscale(optimizer: Steppable): void {
    if (!this.o.enabled || this.unscaled) return;
    const inv = 1 / this.scaleValue;
    noGrad(() => {
      for (const group of optimizer.paramGroups) {
        for (const p of group.params) {
          const g = p.grad;
          if (!g) continue;
          g.mul_(inv);
          const finite = g.isfinite();
          const all = finite.all();
          if (all.item() === 0) this.foundInf = true;
          all.dispose();
          finite.dispose();
          g.dispose();
        }
      }
    });
    this.unscaled = true;
  }
  /** Unscales if needed, then steps unless a gradient was not finite. Returns whether the step was taken. */
  step(optimizer: Steppable): boolean {
    if (!this.o.enabled) {
      optimizer.step();
      return true;
    }
    this.unscale(optimizer);
    const skip = this.foundInf;
    if (!skip) optimizer.step();
    return !skip;
  }
  /** Adapts the scale after a step: back off on inf/NaN, grow after growthInterval clean steps. */
  update(): void {
    if (!this.o.enabled) return;
    if (this.foundInf) {
      this.scaleValue *= this.o.backoffFactor;
      this.growthTracker = 0;
    } else if (++this.growthTracker >= this.o.growthInterval) {
      this.scaleValue *= this.o.growthFactor;
      this.growthTracker = 0;
    }
    this.foundInf = false;
    this.unscaled = false;
  }
  stateDict(): { scale: number; growthTracker: number } {
    return { scale: this.scaleValue, growthTracker: this.growthTracker };
  }
  loadStateDict(state: { scale: number; growthTracker: number }): void {
    this.scaleValue = state.scale;
    this.growthTracker = state.growthTracker;
  }
}
