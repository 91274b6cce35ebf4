// Dropout layers, as torch.nn.Dropout/Dropout2d/Dropout3d: active only in training mode.
import type { Tensor } from '../tensor.js';
import { dropout, dropout2d, dropout3d } from '../ops/activation.js';
import { Module } from './module.js';

export class DropoutBase extends Module {
  /** The probability of zeroing an element (or a channel). */
  readonly p: number;
  /** Accepted for PyTorch compatibility; the result is always a new tensor. */
  readonly inplace: boolean;

  constructor(p = 0.5, options: { inplace?: boolean } = {}) {
    super();
    if (!(p >= 0 && p <= 1))
      throw new Error(`${this.typeName}: dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = options.inplace ?? false;
  }
}

/** Zeroes each element with probability p and scales the survivors by 1/(1-p); the identity in eval mode. */
export class Dropout extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

/** Zeroes whole channels of [N, C, H, W] input with probability p (a 3D input counts as [N, C, L], as in PyTorch). */
export class Dropout2d extends DropoutBase {
  forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`Dropout2d: expected 3D or 4D input (got ${x.ndim}D input)`);
    return dropout2d(x, this.p, this.training);
  }
}

/** Zeroes whole channels of [N, C, D, H, W] (or unbatched [C, D, H, W]) input with probability p. */
export class Dropout3d extends DropoutBase {
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 && x.ndim !== 5) throw new Error(`Dropout3d: expected 4D or 5D input (got ${x.ndim}D input)`);
    if (x.ndim === 5) return dropout3d(x, this.p, this.training);
    // The feature-dropout kernel takes dim 0 as the batch, so an unbatched input gets a batch of one.
    const batched = x.unsqueeze(0);
    const out = dropout3d(batched, this.p, this.training);
    batched.dispose();
    try {
      return out.squeeze(0);
    } finally {
      out.dispose();
    }
  }
}
