// Res_UNet_3D (official models/d3/res_unet_3d.py): a 3-level 3D U-Net with strided-conv downsampling (frames halved
// with the rest) and transposed-conv upsampling, closed by the DRM head over the 8 frames.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { positiveIntOption, probabilityOption } from './blocks/model-options.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { DRM, DRM_FRAMES } from './blocks/drm.js';
import { initWeights } from './blocks/init-weights.js';
import { DIM_3D } from './blocks/dims.js';
import { registerResUNetLevels, resUNetForward, type ResUNetLevels } from './blocks/res-blocks.js';

/** The blocks enconv1 ... deconv1: Res_UNet's (blocks/res-blocks) in 3D, set in the constructor by registerResUNetLevels. */
export interface Res_UNet_3D extends ResUNetLevels {}

export class Res_UNet_3D extends nn.Module {
  readonly options: ModelOptions;
  readonly in_channels: number;
  readonly feature_scale: number;
  readonly DRM: DRM;

  constructor(options: ModelOptions) {
    super();
    const name = 'Res_UNet_3D';
    this.in_channels = positiveIntOption(options, 'num_channels', name);
    const numClasses = positiveIntOption(options, 'num_classes', name);
    this.feature_scale = positiveIntOption(options, 'feature_scale', name);
    const dp = probabilityOption(options, 'dropout', name);
    this.options = { ...options };
    const f = [64, 128, 256, 512, 1024].map((c) => Math.trunc(c / this.feature_scale));
    Object.assign(this, registerResUNetLevels(this, this.in_channels, f, dp, DIM_3D));
    this.DRM = this.registerModule('DRM', new DRM(f[0], numClasses));
    this.apply(initWeights);
  }

  forward(inputs: Tensor): Tensor {
    checkInput(resUnet3dSpec, this.options, inputs);
    checkInputChannels('Res_UNet_3D', inputs, Number(this.options.num_channels));
    const [enconv1, up1] = resUNetForward(this, inputs);
    const deconv1 = this.deconv1.forward(cat([enconv1, up1], 1));
    return this.DRM.forward(deconv1);
  }
}

export const resUnet3dSpec: ModelSpec = {
  name: 'Res_UNet_3D',
  kind: '3d',
  aliases: ['res-unet-3d', 'resunet3d'],
  summary: '3-level 3D U-Net with strided-conv down and transposed-conv up steps (frames halved too), DRM head',
  // Three halvings of the frames, and the head's Conv2d takes exactly 8.
  frames: () => DRM_FRAMES,
  sizeMultiple: 8,
  defaults: { num_classes: 2, num_channels: 1, feature_scale: 2, dropout: 0 },
  officialDefaults: { num_classes: 1, num_channels: 1, feature_scale: 2, dropout: 0 },
  build: (o) => new Res_UNet_3D(o),
};
