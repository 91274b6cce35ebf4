// Adam and AdamW with PyTorch 2's arithmetic (the single-tensor path of torch.optim.Adam / AdamW), operation for
// operation: the moments are updated with lerp_ and addcmul_, the bias corrections are computed in float64 on the
// host, and the step is one addcdiv_.
import type { Tensor } from '../tensor.js';
import { zerosLike } from '../creation.js';
import { keep } from '../scope.js';
import { Optimizer, addScaled, definedOnly, type ParamGroup, type ParamGroupSpec } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay, p *= 1 - lr * weightDecay. */
  weightDecay: number;
  /** Use the maximum of all second moments so far (AMSGrad). */
  amsgrad: boolean;
  /** Maximise the objective instead (the gradient's sign flipped). */
  maximize: boolean;
}

interface AdamState {
  [key: string]: Tensor | number;
  step: number;
  exp_avg: Tensor;
  exp_avg_sq: Tensor;
}

/** The shared update; `decoupled` selects AdamW's weight decay. */
abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected override validateGroup(group: ParamGroup<AdamOptions>): void {
    super.validateGroup(group);
    const [b1, b2] = group.betas;
    if (!(group.eps >= 0)) throw new Error(`${this.constructor.name}: invalid eps ${group.eps}`);
    if (!(b1 >= 0 && b1 < 1)) throw new Error(`${this.constructor.name}: invalid beta1 ${b1}`);
    if (!(b2 >= 0 && b2 < 1)) throw new Error(`${this.constructor.name}: invalid beta2 ${b2}`);
    if (!(group.weightDecay >= 0))
      throw new Error(`${this.constructor.name}: invalid weightDecay ${group.weightDecay}`);
  }

  protected updateParam(param: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    let s = this.state.get(param) as AdamState | undefined;
    if (!s) {
      const init: AdamState = { step: 0, exp_avg: zerosLike(param), exp_avg_sq: zerosLike(param) };
      if (amsgrad) init.max_exp_avg_sq = zerosLike(param);
      s = this.initState(param, init);
    }
    s.step += 1;
    let g = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) {
      if (this.decoupled) param.mul_(1 - lr * weightDecay);
      else g = addScaled(g, param, weightDecay);
    }
    s.exp_avg.lerp_(g, 1 - beta1);
    s.exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2);

    const biasCorrection1 = 1 - beta1 ** s.step;
    const biasCorrection2 = 1 - beta2 ** s.step;
    const stepSize = lr / biasCorrection1;
    const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
    let second = s.exp_avg_sq;
    if (amsgrad) {
      // (made here too when amsgrad was switched on after the state was created)
      const max = (s.max_exp_avg_sq ??= keep(zerosLike(param))) as Tensor;
      max.maximum_(s.exp_avg_sq);
      second = max;
    }
    const denom = second.sqrt().div_(biasCorrection2Sqrt).add_(eps);
    param.addcdiv_(s.exp_avg, denom, -stepSize);
  }
}

/**
 * Adam (torch.optim.Adam): weightDecay is an L2 penalty added to the gradient.
 *   g = grad (+ weightDecay * p);  m = lerp(m, g, 1 - b1);  v = b2 v + (1 - b2) g²
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec<AdamOptions>>, options: Partial<AdamOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      ...definedOnly(options),
    });
  }
}

/**
 * AdamW (torch.optim.AdamW): decoupled weight decay, p *= 1 - lr * weightDecay before the Adam step.
 * weightDecay defaults to 0.01.
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec<AdamOptions>>, options: Partial<AdamOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 1e-2,
      amsgrad: false,
      maximize: false,
      ...definedOnly(options),
    });
  }
}
