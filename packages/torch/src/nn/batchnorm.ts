// Batch normalisation, as torch.nn.BatchNorm1d/2d/3d, with the same parameters, buffers and update rule.
import type { Tensor } from '../tensor.js';
import { empty, ones, zeros } from '../creation.js';
import { noGrad } from '../autograd.js';
import { batchNorm } from '../ops/normalization.js';
import { AffineNorm } from './affine-norm.js';
import type { FactoryOptions } from './options.js';

export interface NormOptions extends Omit<FactoryOptions, 'generator'> {
  eps?: number;
  /** Weight of the newest batch in the running statistics; null keeps a cumulative (equal-weight) average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * What batch and instance normalisation share (PyTorch's _NormBase): weight and bias parameters when affine,
 * then running_mean, running_var and num_batches_tracked buffers when tracking, registered in PyTorch's order.
 */
export class NormBase extends AffineNorm {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  protected constructor(
    numFeatures: number,
    options: NormOptions,
    defaults: { affine: boolean; trackRunningStats: boolean },
  ) {
    super();
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? defaults.affine;
    this.trackRunningStats = options.trackRunningStats ?? defaults.trackRunningStats;
    const factory = { dtype: options.dtype, device: options.device };
    this.registerParameter('weight', this.affine ? empty([numFeatures], factory) : null);
    this.registerParameter('bias', this.affine ? empty([numFeatures], factory) : null);
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], factory));
      this.registerBuffer('running_var', ones([numFeatures], factory));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64', device: options.device }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }

  get runningMean(): Tensor | null {
    return this.buffer('running_mean');
  }
  get runningVar(): Tensor | null {
    return this.buffer('running_var');
  }
  get numBatchesTracked(): Tensor | null {
    return this.buffer('num_batches_tracked');
  }

  /** Running mean 0, running variance 1, no batches seen. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  /** Running statistics reset; weight ones, bias zeros. */
  override resetParameters(): void {
    this.resetRunningStats();
    super.resetParameters();
  }
}

/** Normalises each channel over the batch and spatial dimensions; eval() switches to the running statistics. */
export class BatchNorm extends NormBase {
  private readonly inputDims: readonly number[];

  protected constructor(numFeatures: number, options: NormOptions, inputDims: readonly number[]) {
    super(numFeatures, options, { affine: true, trackRunningStats: true });
    this.inputDims = inputDims;
  }

  forward(x: Tensor): Tensor {
    if (!this.inputDims.includes(x.ndim)) {
      throw new Error(
        `${this.typeName}: expected ${this.inputDims.map((d) => `${d}D`).join(' or ')} input (got ${x.ndim}D input)`,
      );
    }
    // The factor PyTorch passes as momentum: with momentum null, 1/n makes the running statistics an equal-weight
    // average over the n batches seen so far.
    let factor = this.momentum ?? 0;
    const counter = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && counter) {
      counter.add_(1);
      if (this.momentum === null) factor = 1 / counter.item();
    }
    // Batch statistics when training, or when there are no running statistics to use.
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    if (useBatchStats) {
      const shape = x.shape;
      const perChannel = shape.reduce((a, b) => a * b, 1) / shape[1];
      if (perChannel <= 1)
        throw new Error(
          `${this.typeName}: expected more than 1 value per channel when training, got input size [${shape.join(', ')}]`,
        );
    }
    // Only update (and so only pass) the running statistics when tracking them; in eval they are always used.
    const passStats = !this.training || this.trackRunningStats;
    return batchNorm(x, passStats ? this.runningMean : null, passStats ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }
}

/** Over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: NormOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}
/** Over [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: NormOptions = {}) {
    super(numFeatures, options, [4]);
  }
}
/** Over [N, C, D, H, W]. */
export class BatchNorm3d extends BatchNorm {
  constructor(numFeatures: number, options: NormOptions = {}) {
    super(numFeatures, options, [5]);
  }
}
