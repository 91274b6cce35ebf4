// Linear and Identity, as torch.nn.Linear and torch.nn.Identity.
import type { Tensor } from '../tensor.js';
import { empty, type Generator } from '../creation.js';
import { linear } from '../ops/convolution.js';
import { Module } from './module.js';
import { defaultLayerInit_ } from './layer-init.js';
import type { FactoryOptions } from './options.js';

/** Returns its input; a placeholder where an architecture expects a layer. Constructor arguments are ignored. */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

export interface LinearOptions extends FactoryOptions {
  bias?: boolean;
}

/** y = x Wᵀ + b, with weight [outFeatures, inFeatures]. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const factory = { dtype: options.dtype, device: options.device };
    this.registerParameter('weight', empty([outFeatures, inFeatures], factory));
    this.registerParameter('bias', (options.bias ?? true) ? empty([outFeatures], factory) : null);
    this.resetParameters(options.generator);
  }

  get weight(): Tensor {
    return this.param('weight');
  }
  get bias(): Tensor | null {
    return this.optionalParam('bias');
  }

  /** PyTorch's default: kaiming_uniform_(a=√5), i.e. U(±1/√fanIn), for the weight and U(±1/√fanIn) for the bias. */
  resetParameters(generator?: Generator): void {
    defaultLayerInit_(this.weight, this.bias, 'zeros', generator);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
