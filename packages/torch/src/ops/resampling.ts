// Resizing and padding, as torch.nn.functional.interpolate and pad.
import { native } from '../native.js';
import { Tensor } from '../tensor.js';

export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area';

export interface InterpolateOptions {
  size?: number | readonly number[];
  scaleFactor?: number | readonly number[];
  mode?: InterpolateMode;
  alignCorners?: boolean;
}

/**
 * F.interpolate with recompute_scale_factor=None: with scaleFactor the output size is floor(in * scale) and the
 * kernel samples with that scale, exactly as PyTorch does. alignCorners applies to the linear modes only.
 */
export function interpolate(input: Tensor, o: InterpolateOptions): Tensor {
  const mode = o.mode ?? 'nearest';
  if (o.size === undefined && o.scaleFactor === undefined) throw new Error('interpolate: give size or scaleFactor');
  if (o.size !== undefined && o.scaleFactor !== undefined)
    throw new Error('interpolate: give size or scaleFactor, not both');
  if (o.alignCorners && !['linear', 'bilinear', 'bicubic', 'trilinear'].includes(mode)) {
    throw new Error(`interpolate: alignCorners only applies to linear modes, not '${mode}'`);
  }
  const size = o.size === undefined ? null : typeof o.size === 'number' ? [o.size] : [...o.size];
  const scale =
    o.scaleFactor === undefined ? null : typeof o.scaleFactor === 'number' ? [o.scaleFactor] : [...o.scaleFactor];
  return new Tensor(native.interpolate(input.handle, size, scale, mode, o.alignCorners ?? false));
}

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** pads lists (left, right) pairs starting from the last dimension, as F.pad. */
export function pad(input: Tensor, pads: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (pads.length % 2 !== 0) throw new Error(`pad: the pad list must have an even length, got ${pads.length}`);
  return new Tensor(native.pad(input.handle, [...pads], mode, value));
}
