// AffineNorm: what the normalisation layers share: an optional elementwise weight and bias applied after
// normalising (absent ones are registered as null by each layer), reset to the identity transform.
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { ones_, zeros_ } from './init.js';

export abstract class AffineNorm extends Module {
  get weight(): Tensor | null {
    return this.optionalParam('weight');
  }
  get bias(): Tensor | null {
    return this.optionalParam('bias');
  }

  /** Weight ones, bias zeros. */
  resetParameters(): void {
    const { weight, bias } = this;
    if (weight) ones_(weight);
    if (bias) zeros_(bias);
  }
}
