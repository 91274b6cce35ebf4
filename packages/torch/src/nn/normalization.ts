// Group and layer normalisation, as torch.nn.GroupNorm and torch.nn.LayerNorm (no running statistics).
import type { Tensor } from '../tensor.js';
import { empty } from '../creation.js';
import { groupNorm, layerNorm } from '../ops/normalization.js';
import { AffineNorm } from './affine-norm.js';
import type { FactoryOptions } from './options.js';

type Factory = Omit<FactoryOptions, 'generator'>;

/** Normalises over groups of channels (and the spatial dimensions) per sample; weight and bias are per channel. */
export class GroupNorm extends AffineNorm {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;

  constructor(numGroups: number, numChannels: number, options: Factory & { eps?: number; affine?: boolean } = {}) {
    super();
    if (numChannels % numGroups !== 0)
      throw new Error(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    const factory = { dtype: options.dtype, device: options.device };
    this.registerParameter('weight', this.affine ? empty([numChannels], factory) : null);
    this.registerParameter('bias', this.affine ? empty([numChannels], factory) : null);
    this.resetParameters();
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
}

export interface LayerNormOptions extends Factory {
  eps?: number;
  elementwiseAffine?: boolean;
  /** Whether the affine transform has a bias (PyTorch ≥ 2.1; ignored without elementwiseAffine). */
  bias?: boolean;
}

/** Normalises over the trailing normalizedShape dimensions of each sample. */
export class LayerNorm extends AffineNorm {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const factory = { dtype: options.dtype, device: options.device };
    this.registerParameter('weight', this.elementwiseAffine ? empty(this.normalizedShape, factory) : null);
    this.registerParameter(
      'bias',
      this.elementwiseAffine && (options.bias ?? true) ? empty(this.normalizedShape, factory) : null,
    );
    this.resetParameters();
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
