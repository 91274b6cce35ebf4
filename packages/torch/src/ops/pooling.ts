// Max, average and adaptive pooling, as torch.nn.functional.
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { tuple, type IntOrTuple } from './convolution.js';

export interface MaxPoolOptions {
  /** Defaults to the kernel size, as PyTorch. */
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  ceilMode?: boolean;
}

function maxPool(rank: number, input: Tensor, kernelSize: IntOrTuple, o: MaxPoolOptions, withIndices: boolean) {
  const kernel = tuple(kernelSize, rank);
  return native.maxPool(
    input.handle,
    kernel,
    tuple(o.stride ?? kernel, rank),
    tuple(o.padding ?? 0, rank),
    tuple(o.dilation ?? 1, rank),
    o.ceilMode ?? false,
    withIndices,
  );
}

export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, options: MaxPoolOptions = {}): Tensor {
  return new Tensor(maxPool(1, input, kernelSize, options, false));
}
export function maxPool2d(input: Tensor, kernelSize: IntOrTuple, options: MaxPoolOptions = {}): Tensor {
  return new Tensor(maxPool(2, input, kernelSize, options, false));
}
export function maxPool3d(input: Tensor, kernelSize: IntOrTuple, options: MaxPoolOptions = {}): Tensor {
  return new Tensor(maxPool(3, input, kernelSize, options, false));
}
/** Max pooling that also returns the flat indices of the maxima (for unpooling). */
export function maxPool2dWithIndices(
  input: Tensor,
  kernelSize: IntOrTuple,
  options: MaxPoolOptions = {},
): { values: Tensor; indices: Tensor } {
  const [v, i] = maxPool(2, input, kernelSize, options, true);
  return { values: new Tensor(v), indices: new Tensor(i) };
}

export interface AvgPoolOptions {
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

function avgPool(rank: number, input: Tensor, kernelSize: IntOrTuple, o: AvgPoolOptions): Tensor {
  const kernel = tuple(kernelSize, rank);
  return new Tensor(
    native.avgPool(
      input.handle,
      kernel,
      tuple(o.stride ?? kernel, rank),
      tuple(o.padding ?? 0, rank),
      o.ceilMode ?? false,
      o.countIncludePad ?? true,
      o.divisorOverride ?? null,
    ),
  );
}

export function avgPool1d(input: Tensor, kernelSize: IntOrTuple, options: AvgPoolOptions = {}): Tensor {
  return avgPool(1, input, kernelSize, options);
}
export function avgPool2d(input: Tensor, kernelSize: IntOrTuple, options: AvgPoolOptions = {}): Tensor {
  return avgPool(2, input, kernelSize, options);
}
export function avgPool3d(input: Tensor, kernelSize: IntOrTuple, options: AvgPoolOptions = {}): Tensor {
  return avgPool(3, input, kernelSize, options);
}

export function adaptiveAvgPool1d(input: Tensor, outputSize: IntOrTuple): Tensor {
  return new Tensor(native.adaptivePool('adaptiveAvgPool', input.handle, tuple(outputSize, 1)));
}
export function adaptiveAvgPool2d(input: Tensor, outputSize: IntOrTuple): Tensor {
  return new Tensor(native.adaptivePool('adaptiveAvgPool', input.handle, tuple(outputSize, 2)));
}
export function adaptiveAvgPool3d(input: Tensor, outputSize: IntOrTuple): Tensor {
  return new Tensor(native.adaptivePool('adaptiveAvgPool', input.handle, tuple(outputSize, 3)));
}
export function adaptiveMaxPool1d(input: Tensor, outputSize: IntOrTuple): Tensor {
  return new Tensor(native.adaptivePool('adaptiveMaxPool', input.handle, tuple(outputSize, 1)));
}
export function adaptiveMaxPool2d(input: Tensor, outputSize: IntOrTuple): Tensor {
  return new Tensor(native.adaptivePool('adaptiveMaxPool', input.handle, tuple(outputSize, 2)));
}
export function adaptiveMaxPool3d(input: Tensor, outputSize: IntOrTuple): Tensor {
  return new Tensor(native.adaptivePool('adaptiveMaxPool', input.handle, tuple(outputSize, 3)));
}
