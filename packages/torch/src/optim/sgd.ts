// SGD with momentum, dampening, L2 weight decay and Nesterov momentum: torch.optim.SGD's update rules, operation
// for operation (its single-tensor path), so results match PyTorch's on the same inputs.
import type { Tensor } from '../tensor.js';
import { Optimizer, addScaled, definedOnly, type ParamGroup, type ParamGroupSpec } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  /** L2 penalty, added to the gradient. */
  weightDecay: number;
  nesterov: boolean;
  /** Maximise the objective instead (the gradient's sign flipped). */
  maximize: boolean;
}

interface SGDState {
  [key: string]: Tensor | number;
  momentum_buffer: Tensor;
}

/**
 * Stochastic gradient descent, as torch.optim.SGD:
 *   g = grad (+ weightDecay * p)
 *   buf = g on the first step, then buf = momentum * buf + (1 - dampening) * g
 *   g = nesterov ? g + momentum * buf : buf           (when momentum != 0)
 *   p -= lr * g
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec<SGDOptions>>, options: Partial<SGDOptions> = {}) {
    super(params, {
      lr: 1e-3,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
      ...definedOnly(options),
    });
  }

  protected override validateGroup(group: ParamGroup<SGDOptions>): void {
    super.validateGroup(group);
    if (!(group.momentum >= 0)) throw new Error(`SGD: invalid momentum ${group.momentum}`);
    if (!(group.weightDecay >= 0)) throw new Error(`SGD: invalid weightDecay ${group.weightDecay}`);
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected updateParam(param: Tensor, grad: Tensor, group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    let g = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) g = addScaled(g, param, weightDecay);
    if (momentum !== 0) {
      const s = this.state.get(param) as SGDState | undefined;
      let buf: Tensor;
      if (!s?.momentum_buffer) {
        buf = this.initState<SGDState>(param, { momentum_buffer: g.clone() }).momentum_buffer;
      } else {
        buf = s.momentum_buffer;
        buf.mul_(momentum).add_(g, 1 - dampening);
      }
      g = nesterov ? addScaled(g, buf, momentum) : buf;
    }
    param.add_(g, -lr);
  }
}
