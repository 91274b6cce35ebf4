// The official models' weight initialisation (models/utils.py InitWeights), applied with Module.apply():
// Kaiming-normal (a = 0.02) convolution weights and zero biases; LayerNorm to identity.
import { nn, type Module } from '@dias-ts/torch';

export function initWeights(module: Module): void {
  if (
    module instanceof nn.Conv2d ||
    module instanceof nn.Conv3d ||
    module instanceof nn.ConvTranspose2d ||
    module instanceof nn.ConvTranspose3d
  ) {
    nn.init.kaimingNormal_(module.weight, { a: 0.02 });
    const bias = module.optionalParam('bias');
    if (bias) nn.init.constant_(bias, 0);
  } else if (module instanceof nn.LayerNorm) {
    const weight = module.optionalParam('weight');
    const bias = module.optionalParam('bias');
    if (weight) nn.init.constant_(weight, 1);
    if (bias) nn.init.constant_(bias, 0);
  }
}
