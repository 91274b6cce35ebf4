// Convolutions, as torch.nn.Conv1d/2d/3d and ConvTranspose1d/2d/3d.
import type { Tensor } from '../tensor.js';
import { empty, type Generator } from '../creation.js';
import {
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  tuple,
  type ConvOptions,
  type ConvTransposeOptions,
  type IntOrTuple,
} from '../ops/convolution.js';
import { pad } from '../ops/resampling.js';
import { Module } from './module.js';
import { defaultLayerInit_ } from './layer-init.js';
import type { FactoryOptions } from './options.js';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

type ConvFn = (input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvOptions) => Tensor;
type ConvTransposeFn = (input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvTransposeOptions) => Tensor;
const CONV: readonly ConvFn[] = [conv1d, conv2d, conv3d];
const CONV_TRANSPOSE: readonly ConvTransposeFn[] = [convTranspose1d, convTranspose2d, convTranspose3d];

interface ConvCommonOptions extends FactoryOptions {
  stride?: IntOrTuple;
  dilation?: IntOrTuple;
  groups?: number;
  bias?: boolean;
}

export interface ConvLayerOptions extends ConvCommonOptions {
  /** Numbers, or 'same' / 'valid'. */
  padding?: IntOrTuple | 'same' | 'valid';
  paddingMode?: PaddingMode;
}

export interface ConvTransposeLayerOptions extends ConvCommonOptions {
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
}

function checkTuple(name: string, value: number[], rank: number, typeName: string): number[] {
  if (value.length !== rank)
    throw new Error(`${typeName}: ${name} must have ${rank} entries, got [${value.join(', ')}]`);
  return value;
}

/** What every convolution shares: channels, geometry, the weight and bias, and PyTorch's default init. */
export class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly groups: number;
  readonly transposed: boolean;

  protected constructor(
    rank: number,
    transposed: boolean,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvCommonOptions,
  ) {
    super();
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups <= 0)
      throw new Error(`${this.typeName}: groups must be a positive integer, got ${groups}`);
    if (inChannels % groups !== 0)
      throw new Error(`${this.typeName}: in_channels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0)
      throw new Error(`${this.typeName}: out_channels (${outChannels}) must be divisible by groups (${groups})`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = checkTuple('kernelSize', tuple(kernelSize, rank), rank, this.typeName);
    this.stride = checkTuple('stride', tuple(options.stride ?? 1, rank), rank, this.typeName);
    this.dilation = checkTuple('dilation', tuple(options.dilation ?? 1, rank), rank, this.typeName);
    this.groups = groups;
    this.transposed = transposed;
    const factory = { dtype: options.dtype, device: options.device };
    // A transposed convolution's weight is [in, out/groups, ...k]; a plain one's [out, in/groups, ...k].
    const weightShape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    this.registerParameter('weight', empty(weightShape, factory));
    this.registerParameter('bias', (options.bias ?? true) ? empty([outChannels], factory) : null);
    this.resetParameters(options.generator);
  }

  get weight(): Tensor {
    return this.param('weight');
  }
  get bias(): Tensor | null {
    return this.optionalParam('bias');
  }

  /**
   * PyTorch's default: kaiming_uniform_(a=√5), i.e. U(±1/√fanIn), for the weight and U(±1/√fanIn) for the bias,
   * with fanIn from the weight as laid out (so for a transposed convolution, out/groups * k).
   */
  resetParameters(generator?: Generator): void {
    defaultLayerInit_(this.weight, this.bias, 'keep', generator);
  }
}

/** A convolution over `rank` spatial dimensions, with PyTorch's padding modes. */
export class Conv extends ConvNd {
  readonly padding: number[] | 'same' | 'valid';
  readonly paddingMode: PaddingMode;
  private readonly convolve: ConvFn;
  /** F.pad's list for a non-zeros paddingMode: per dimension, last first, (left, right). */
  private readonly explicitPadding: number[];

  protected constructor(
    rank: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvLayerOptions,
  ) {
    super(rank, false, inChannels, outChannels, kernelSize, options);
    this.convolve = CONV[rank - 1];
    const padding = options.padding ?? 0;
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid')
        throw new Error(
          `${this.typeName}: invalid padding string '${padding as string}', should be one of 'valid', 'same'`,
        );
      if (padding === 'same' && this.stride.some((s) => s !== 1))
        throw new Error(`${this.typeName}: padding='same' is not supported for strided convolutions`);
      this.padding = padding;
    } else {
      this.padding = checkTuple('padding', tuple(padding, rank), rank, this.typeName);
    }
    const mode = options.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(mode)) {
      throw new Error(
        `${this.typeName}: paddingMode must be one of zeros, reflect, replicate, circular, got '${mode}'`,
      );
    }
    this.paddingMode = mode;
    // As PyTorch's _reversed_padding_repeated_twice; 'same' puts the extra element of an odd total on the right.
    this.explicitPadding = [];
    for (let i = rank - 1; i >= 0; i--) {
      if (this.padding === 'valid') this.explicitPadding.push(0, 0);
      else if (this.padding === 'same') {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        const left = Math.floor(total / 2);
        this.explicitPadding.push(left, total - left);
      } else this.explicitPadding.push(this.padding[i], this.padding[i]);
    }
  }

  forward(x: Tensor): Tensor {
    const options = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros')
      return this.convolve(x, this.weight, this.bias, { ...options, padding: this.padding });
    const padded = pad(x, this.explicitPadding, this.paddingMode);
    try {
      return this.convolve(padded, this.weight, this.bias, { ...options, padding: 0 });
    } finally {
      padded.dispose();
    }
  }
}

export class Conv1d extends Conv {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvLayerOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
}
export class Conv2d extends Conv {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvLayerOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
}
export class Conv3d extends Conv {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvLayerOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
}

/** A transposed convolution (the gradient of a convolution with respect to its input). Zero padding only, as PyTorch. */
export class ConvTranspose extends ConvNd {
  readonly padding: number[];
  readonly outputPadding: number[];
  private readonly convolve: ConvTransposeFn;

  protected constructor(
    rank: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvTransposeLayerOptions,
  ) {
    super(rank, true, inChannels, outChannels, kernelSize, options);
    this.convolve = CONV_TRANSPOSE[rank - 1];
    this.padding = checkTuple('padding', tuple(options.padding ?? 0, rank), rank, this.typeName);
    this.outputPadding = checkTuple('outputPadding', tuple(options.outputPadding ?? 0, rank), rank, this.typeName);
  }

  forward(x: Tensor): Tensor {
    return this.convolve(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }
}

export class ConvTranspose1d extends ConvTranspose {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvTransposeLayerOptions = {},
  ) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
}
export class ConvTranspose2d extends ConvTranspose {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvTransposeLayerOptions = {},
  ) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
}
export class ConvTranspose3d extends ConvTranspose {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvTransposeLayerOptions = {},
  ) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
}
