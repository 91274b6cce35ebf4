// Res-UNet as the official models/d2/res_unet.py: a three-level U-Net with learned (strided) down- and
// upsampling. Frames are input channels. Two official oddities shape its output (see forward and blocks/res-blocks).
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { initWeights } from './blocks/init-weights.js';
import { registerResUNetLevels, resUNetForward, type ResUNetLevels } from './blocks/res-blocks.js';
import { positiveIntOption, positiveNumberOption, probabilityOption } from './blocks/model-options.js';

/** The blocks enconv1 ... deconv1 (blocks/res-blocks), set in the constructor by registerResUNetLevels. */
export interface Res_UNet extends ResUNetLevels {}

export class Res_UNet extends nn.Module {
  readonly options: ModelOptions;
  readonly final: nn.Conv2d;

  constructor(options: ModelOptions) {
    super();
    const model = 'Res_UNet';
    const num_channels = positiveIntOption(options, 'num_channels', model);
    const num_classes = positiveIntOption(options, 'num_classes', model);
    const feature_scale = positiveNumberOption(options, 'feature_scale', model);
    const dropout = probabilityOption(options, 'dropout', model);
    this.options = { ...options, num_channels, num_classes, feature_scale, dropout };
    const f = [64, 128, 256, 512, 1024].map((c) => Math.trunc(c / feature_scale));

    Object.assign(this, registerResUNetLevels(this, num_channels, f, dropout));
    this.final = this.registerModule('final', new nn.Conv2d(f[0], num_classes, 1));

    this.apply(initWeights);
  }

  forward(inputs: Tensor): Tensor {
    checkInput(resUnetSpec, this.options, inputs);
    const [enconv1, up1] = resUNetForward(this, inputs);
    // Official oddity: the head reads up1, not deconv1(cat([enconv1, up1])), whose result the official forward
    // computes and throws away. deconv1 (and so the first skip) never reaches the output and its parameters get
    // no gradient; it still runs in training, where it moves its batch-norm running statistics as the official
    // forward does (as PSC's). In eval it has no effect and is skipped.
    if (this.training) this.deconv1.forward(cat([enconv1, up1], 1));
    return this.final.forward(up1);
  }
}

export const resUnetSpec: ModelSpec = {
  name: 'Res_UNet',
  kind: '2d',
  aliases: ['res-unet', 'resunet', 'residual-unet'],
  summary:
    'Res-UNet: three-level U-Net with strided-conv down and transposed-conv upsampling, 64-512 channels; the frames are input channels',
  frames: (o) => Number(o.num_channels),
  sizeMultiple: 8,
  defaults: { num_classes: 2, num_channels: 8, feature_scale: 1, dropout: 0 },
  officialDefaults: { num_channels: 1, num_classes: 1, feature_scale: 1, dropout: 0 },
  build: (o) => new Res_UNet(o),
};
