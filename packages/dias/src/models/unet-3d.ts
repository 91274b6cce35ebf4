// UNet_3D (official models/d3/unet_3d.py): a 3D U-Net over [B, C, T, H, W] whose first pooling keeps the frames and
// the next three halve them too, closed by a head that maps the 8 frames to the classes.
import { nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { boolOption, positiveIntOption } from './blocks/model-options.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { DRM, DRM_FRAMES } from './blocks/drm.js';
import { DIM_3D } from './blocks/dims.js';
import { registerUNetLevels, unetForward, type UNetLevels } from './blocks/unet-blocks.js';

/** The official OutConv: the same layers as the DRM head (Conv3d to one channel, squeeze, Conv2d over 8 frames). */
class OutConv extends DRM {}

/**
 * The blocks inc ... up4: unet.py's (blocks/unet-blocks) in 3D, with pooling kernels and strides (1, 2, 2) for
 * down1 and up4 and (2, 2, 2) for the rest, set in the constructor by registerUNetLevels.
 */
export interface UNet_3D extends UNetLevels {}

export class UNet_3D extends nn.Module {
  readonly options: ModelOptions;
  readonly outc: OutConv;

  constructor(options: ModelOptions) {
    super();
    const numChannels = positiveIntOption(options, 'num_channels', 'UNet_3D');
    const numClasses = positiveIntOption(options, 'num_classes', 'UNet_3D');
    const bilinear = boolOption(options, 'bilinear', 'UNet_3D');
    // With bilinear the official code halves down4's output but still builds up1 for 1024 input channels, so
    // its forward fails; refuse it here with a clear message instead.
    if (bilinear)
      throw new Error(
        'UNet_3D: bilinear=true does not work in the official code (up1 expects 1024 channels, down4 gives 512)',
      );
    this.options = { ...options };
    Object.assign(
      this,
      registerUNetLevels(this, numChannels, bilinear, DIM_3D, [
        [1, 2, 2],
        [2, 2, 2],
        [2, 2, 2],
        [2, 2, 2],
      ]),
    );
    this.outc = this.registerModule('outc', new OutConv(64, numClasses));
    // The official UNet_3D keeps PyTorch's default initialisation (no InitWeights).
  }

  forward(x: Tensor): Tensor {
    checkInput(unet3dSpec, this.options, x);
    checkInputChannels('UNet_3D', x, Number(this.options.num_channels));
    return this.outc.forward(unetForward(this, x));
  }
}

export const unet3dSpec: ModelSpec = {
  name: 'UNet_3D',
  kind: '3d',
  aliases: ['unet-3d', 'unet3d'],
  summary: '3D U-Net (4 poolings, 3 of them also in time) with the DRM-style head over the 8 frames',
  // Three poolings halve the frames and the head's Conv2d takes exactly 8.
  frames: () => DRM_FRAMES,
  sizeMultiple: 16,
  defaults: { num_classes: 2, num_channels: 1, bilinear: false },
  officialDefaults: { bilinear: false },
  build: (o) => new UNet_3D(o),
};
