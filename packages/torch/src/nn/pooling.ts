// Pooling layers, as torch.nn.MaxPool2d/3d, AvgPool2d/3d and AdaptiveAvgPool2d/3d, AdaptiveMaxPool2d.
import type { Tensor } from '../tensor.js';
import { tuple, type IntOrTuple } from '../ops/convolution.js';
import {
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  avgPool2d,
  avgPool3d,
  maxPool2d,
  maxPool3d,
  type AvgPoolOptions,
  type MaxPoolOptions,
} from '../ops/pooling.js';
import { Module } from './module.js';

/** Max pooling; stride defaults to the kernel size. Returning indices is not supported (use F.maxPool2dWithIndices). */
export class MaxPoolNd extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
  readonly ceilMode: boolean;
  private readonly pool: (x: Tensor, kernelSize: IntOrTuple, options: MaxPoolOptions) => Tensor;

  protected constructor(rank: number, kernelSize: IntOrTuple, options: MaxPoolOptions, pool: MaxPoolNd['pool']) {
    super();
    this.kernelSize = tuple(kernelSize, rank);
    this.stride = tuple(options.stride ?? kernelSize, rank);
    this.padding = tuple(options.padding ?? 0, rank);
    this.dilation = tuple(options.dilation ?? 1, rank);
    this.ceilMode = options.ceilMode ?? false;
    this.pool = pool;
  }

  forward(x: Tensor): Tensor {
    return this.pool(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    });
  }
}

export class MaxPool2d extends MaxPoolNd {
  constructor(kernelSize: IntOrTuple, options: MaxPoolOptions = {}) {
    super(2, kernelSize, options, maxPool2d);
  }
}
export class MaxPool3d extends MaxPoolNd {
  constructor(kernelSize: IntOrTuple, options: MaxPoolOptions = {}) {
    super(3, kernelSize, options, maxPool3d);
  }
}

/** Average pooling; stride defaults to the kernel size, and padding counts in the average unless countIncludePad is false. */
export class AvgPoolNd extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  private readonly pool: (x: Tensor, kernelSize: IntOrTuple, options: AvgPoolOptions) => Tensor;

  protected constructor(rank: number, kernelSize: IntOrTuple, options: AvgPoolOptions, pool: AvgPoolNd['pool']) {
    super();
    this.kernelSize = tuple(kernelSize, rank);
    this.stride = tuple(options.stride ?? kernelSize, rank);
    this.padding = tuple(options.padding ?? 0, rank);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
    this.pool = pool;
  }

  forward(x: Tensor): Tensor {
    return this.pool(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }
}

export class AvgPool2d extends AvgPoolNd {
  constructor(kernelSize: IntOrTuple, options: AvgPoolOptions = {}) {
    super(2, kernelSize, options, avgPool2d);
  }
}
export class AvgPool3d extends AvgPoolNd {
  constructor(kernelSize: IntOrTuple, options: AvgPoolOptions = {}) {
    super(3, kernelSize, options, avgPool3d);
  }
}

/** A spatial output size; null keeps that dimension's input size, as None does in PyTorch. */
export type AdaptiveSize = number | readonly (number | null)[];

/** Pools to a fixed output size whatever the input size. */
export class AdaptivePoolNd extends Module {
  readonly outputSize: AdaptiveSize;
  private readonly rank: number;
  private readonly pool: (x: Tensor, outputSize: IntOrTuple) => Tensor;

  protected constructor(rank: number, outputSize: AdaptiveSize, pool: AdaptivePoolNd['pool']) {
    super();
    if (typeof outputSize !== 'number' && outputSize.length !== rank) {
      throw new Error(`${this.typeName}: outputSize must have ${rank} entries, got [${outputSize.join(', ')}]`);
    }
    this.outputSize = outputSize;
    this.rank = rank;
    this.pool = pool;
  }

  forward(x: Tensor): Tensor {
    const size =
      typeof this.outputSize === 'number'
        ? this.outputSize
        : this.outputSize.map((s, i) => s ?? x.size(x.ndim - this.rank + i));
    return this.pool(x, size);
  }
}

export class AdaptiveAvgPool2d extends AdaptivePoolNd {
  constructor(outputSize: AdaptiveSize) {
    super(2, outputSize, adaptiveAvgPool2d);
  }
}
export class AdaptiveAvgPool3d extends AdaptivePoolNd {
  constructor(outputSize: AdaptiveSize) {
    super(3, outputSize, adaptiveAvgPool3d);
  }
}
export class AdaptiveMaxPool2d extends AdaptivePoolNd {
  constructor(outputSize: AdaptiveSize) {
    super(2, outputSize, adaptiveMaxPool2d);
  }
}
export class AdaptiveMaxPool3d extends AdaptivePoolNd {
  constructor(outputSize: AdaptiveSize) {
    super(3, outputSize, adaptiveMaxPool3d);
  }
}
