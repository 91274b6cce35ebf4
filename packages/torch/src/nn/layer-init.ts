// PyTorch's default initialisation of Linear and convolution layers (their reset_parameters), kept in one place.
// Not part of nn.init, which mirrors torch.nn.init's public functions.
import type { Tensor } from '../tensor.js';
import type { Generator } from '../creation.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';

/**
 * kaiming_uniform_(a=√5), i.e. U(±1/√fanIn), for the weight and U(±1/√fanIn) for the bias, with fanIn from the
 * weight as laid out. PyTorch differs between layers only when fanIn is 0: Linear fills the bias from U(0, 0)
 * ('zeros') while the convolutions leave it as it is ('keep'); emptyFanInBias chooses which.
 */
export function defaultLayerInit_(
  weight: Tensor,
  bias: Tensor | null,
  emptyFanInBias: 'zeros' | 'keep',
  generator?: Generator,
): void {
  kaimingUniform_(weight, { a: Math.sqrt(5), generator });
  if (!bias) return;
  const [fanIn] = calculateFanInAndFanOut(weight);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  if (fanIn > 0 || emptyFanInBias === 'zeros') uniform_(bias, -bound, bound, generator);
}
