// Flatten, as torch.nn.Flatten.
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Flattens dims startDim..endDim into one; the defaults keep the batch dimension. */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}
