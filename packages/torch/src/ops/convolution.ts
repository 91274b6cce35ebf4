// Convolutions and the linear map, as torch.nn.functional.
import { native } from '../native.js';
import { Tensor } from '../tensor.js';

export type IntOrTuple = number | readonly number[];

/** Expands a number to one entry per spatial dimension, as PyTorch's _ntuple. */
export function tuple(value: IntOrTuple, rank: number): number[] {
  return typeof value === 'number' ? new Array(rank).fill(value) : [...value];
}

export interface ConvOptions {
  stride?: IntOrTuple;
  /** Numbers, or 'same' / 'valid'. */
  padding?: IntOrTuple | 'same' | 'valid';
  dilation?: IntOrTuple;
  groups?: number;
}

function conv(rank: number, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, o: ConvOptions): Tensor {
  const padding = typeof o.padding === 'string' ? o.padding : tuple(o.padding ?? 0, rank);
  return new Tensor(
    native.conv(
      input.handle,
      weight.handle,
      bias?.handle ?? null,
      tuple(o.stride ?? 1, rank),
      padding,
      tuple(o.dilation ?? 1, rank),
      o.groups ?? 1,
    ),
  );
}

export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return conv(1, input, weight, bias, options);
}
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return conv(2, input, weight, bias, options);
}
export function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return conv(3, input, weight, bias, options);
}

export interface ConvTransposeOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
  groups?: number;
  dilation?: IntOrTuple;
}

function convTranspose(
  rank: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  o: ConvTransposeOptions,
): Tensor {
  return new Tensor(
    native.convTranspose(
      input.handle,
      weight.handle,
      bias?.handle ?? null,
      tuple(o.stride ?? 1, rank),
      tuple(o.padding ?? 0, rank),
      tuple(o.outputPadding ?? 0, rank),
      o.groups ?? 1,
      tuple(o.dilation ?? 1, rank),
    ),
  );
}

export function convTranspose1d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTranspose(1, input, weight, bias, options);
}
export function convTranspose2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTranspose(2, input, weight, bias, options);
}
export function convTranspose3d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTranspose(3, input, weight, bias, options);
}

export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return new Tensor(native.linear(input.handle, weight.handle, bias?.handle ?? null));
}
