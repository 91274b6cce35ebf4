// Activation layers, as torch.nn.ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax and LogSoftmax. ReLU and
// LeakyReLU honour `inplace` as PyTorch does (same autograd rules); the others accept it and return new tensors.
import type { Tensor } from '../tensor.js';
import { elu, gelu, leakyRelu, logSoftmax, softmax } from '../ops/activation.js';
import { Module } from './module.js';

export interface InplaceOption {
  /** Accepted for PyTorch compatibility; ignored. */
  inplace?: boolean;
}

export class ReLU extends Module {
  readonly inplace: boolean;
  constructor(options: InplaceOption = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  // inplace as in PyTorch: no new tensor, the input is overwritten (saves memory traffic in deep nets).
  forward(x: Tensor): Tensor {
    return this.inplace ? x.relu_() : x.relu();
  }
}

export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;
  constructor(negativeSlope = 0.01, options: InplaceOption = {}) {
    super();
    this.negativeSlope = negativeSlope;
    this.inplace = options.inplace ?? false;
  }
  forward(x: Tensor): Tensor {
    return this.inplace ? x.leakyRelu_(this.negativeSlope) : leakyRelu(x, this.negativeSlope);
  }
}

export class ELU extends Module {
  readonly alpha: number;
  readonly inplace: boolean;
  constructor(alpha = 1, options: InplaceOption = {}) {
    super();
    this.alpha = alpha;
    this.inplace = options.inplace ?? false;
  }
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
}

export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
  }
  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** Softmax along dim (required: PyTorch's implicit choice of dim is deprecated). */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = dim;
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
}

/** log(softmax(x)) along dim, computed stably. */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = dim;
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
}
