// Instance normalisation, as torch.nn.InstanceNorm1d/2d/3d: each (sample, channel) is normalised over its own
// spatial extent. As in PyTorch, affine and trackRunningStats default to false.
import type { Tensor } from '../tensor.js';
import { instanceNorm } from '../ops/normalization.js';
import { NormBase, type NormOptions } from './batchnorm.js';

export class InstanceNorm extends NormBase {
  /** The rank of an unbatched input: channels plus the spatial dimensions. */
  private readonly unbatchedDims: number;

  protected constructor(numFeatures: number, options: NormOptions, spatialDims: number) {
    super(numFeatures, options, { affine: false, trackRunningStats: false });
    this.unbatchedDims = spatialDims + 1;
  }

  forward(x: Tensor): Tensor {
    const n = this.unbatchedDims;
    if (x.ndim !== n && x.ndim !== n + 1)
      throw new Error(`${this.typeName}: expected ${n}D or ${n + 1}D input (got ${x.ndim}D input)`);
    const channels = x.size(x.ndim - n);
    // Without affine parameters the channel count is not needed, so PyTorch only rejects a mismatch when affine.
    if (this.affine && channels !== this.numFeatures) {
      throw new Error(
        `${this.typeName}: expected input's size at dim=${x.ndim - n} to match numFeatures (${this.numFeatures}), but got: ${channels}`,
      );
    }
    const useInputStats = this.training || !this.trackRunningStats;
    if (useInputStats) {
      const spatial = x.shape.slice(x.ndim - n + 1).reduce((a, b) => a * b, 1);
      if (spatial <= 1)
        throw new Error(
          `${this.typeName}: expected more than 1 spatial element when training, got input size [${x.shape.join(', ')}]`,
        );
    }
    const batched = x.ndim === n ? x.unsqueeze(0) : x;
    // PyTorch's InstanceNorm never advances num_batches_tracked and treats momentum null as 0 here.
    const out = instanceNorm(batched, {
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      weight: this.weight,
      bias: this.bias,
      useInputStats,
      momentum: this.momentum ?? 0,
      eps: this.eps,
    });
    if (batched === x) return out;
    batched.dispose();
    try {
      return out.squeeze(0);
    } finally {
      out.dispose();
    }
  }
}

/** Over [N, C, L] or unbatched [C, L]. */
export class InstanceNorm1d extends InstanceNorm {
  constructor(numFeatures: number, options: NormOptions = {}) {
    super(numFeatures, options, 1);
  }
}
/** Over [N, C, H, W] or unbatched [C, H, W]. */
export class InstanceNorm2d extends InstanceNorm {
  constructor(numFeatures: number, options: NormOptions = {}) {
    super(numFeatures, options, 2);
  }
}
/** Over [N, C, D, H, W] or unbatched [C, D, H, W]. */
export class InstanceNorm3d extends InstanceNorm {
  constructor(numFeatures: number, options: NormOptions = {}) {
    super(numFeatures, options, 3);
  }
}
