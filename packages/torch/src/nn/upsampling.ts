// Upsample, as torch.nn.Upsample: F.interpolate with the options fixed at construction.
import type { Tensor } from '../tensor.js';
import { interpolate, type InterpolateMode } from '../ops/resampling.js';
import { Module } from './module.js';

export interface UpsampleOptions {
  /** The output's spatial size (one number for every dimension, or one per dimension). */
  size?: number | readonly number[];
  /** The multiplier of the spatial size. Give size or scaleFactor. */
  scaleFactor?: number | readonly number[];
  mode?: InterpolateMode;
  /** Linear modes only. */
  alignCorners?: boolean;
}

export class Upsample extends Module {
  readonly size: number | readonly number[] | undefined;
  readonly scaleFactor: number | readonly number[] | undefined;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | undefined;

  constructor(options: UpsampleOptions) {
    super();
    if ((options.size === undefined) === (options.scaleFactor === undefined))
      throw new Error('Upsample: give exactly one of size and scaleFactor');
    this.size = options.size;
    this.scaleFactor = options.scaleFactor;
    this.mode = options.mode ?? 'nearest';
    this.alignCorners = options.alignCorners;
  }

  forward(x: Tensor): Tensor {
    return interpolate(x, {
      size: this.size,
      scaleFactor: this.scaleFactor,
      mode: this.mode,
      alignCorners: this.alignCorners,
    });
  }
}
