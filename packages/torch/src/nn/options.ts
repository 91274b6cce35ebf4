// Options shared by layers that create parameters, as PyTorch's factory_kwargs (device, dtype), plus the
// generator their reset_parameters draws from.
import type { Device, DType } from '../dtype.js';
import type { Generator } from '../creation.js';

export interface FactoryOptions {
  dtype?: DType;
  device?: Device;
  /** Draws the initial values from this generator instead of the global one. */
  generator?: Generator;
}
