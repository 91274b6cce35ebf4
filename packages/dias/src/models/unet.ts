// U-Net (Ronneberger et al.) as the official models/d2/unet.py: four max-pool stages of double 3x3 convolutions
// with batch norm, and transposed-convolution (or bilinear) upsampling. Frames are input channels.
import { nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { boolOption, positiveIntOption } from './blocks/model-options.js';
import { OutConv, registerUNetLevels, unetForward, type UNetLevels } from './blocks/unet-blocks.js';

// unet.py's DoubleConv, Down, Up and OutConv are blocks/unet-blocks'.
export { DoubleConv, Down, OutConv, Up } from './blocks/unet-blocks.js';

/** The blocks inc ... up4 (blocks/unet-blocks), set in the constructor by registerUNetLevels. */
export interface UNet extends UNetLevels {}

export class UNet extends nn.Module {
  readonly options: ModelOptions;
  readonly outc: OutConv;

  constructor(options: ModelOptions) {
    super();
    const num_channels = positiveIntOption(options, 'num_channels', 'UNet');
    const num_classes = positiveIntOption(options, 'num_classes', 'UNet');
    const bilinear = boolOption(options, 'bilinear', 'UNet');
    this.options = { ...options, num_channels, num_classes, bilinear };
    // The official model keeps PyTorch's default initialisation (no InitWeights).
    Object.assign(this, registerUNetLevels(this, num_channels, bilinear));
    this.outc = this.registerModule('outc', new OutConv(64, num_classes));
  }

  forward(x: Tensor): Tensor {
    checkInput(unetSpec, this.options, x);
    return this.outc.forward(unetForward(this, x));
  }
}

export const unetSpec: ModelSpec = {
  name: 'UNet',
  kind: '2d',
  aliases: ['unet', 'unet-2d'],
  summary: 'U-Net with 64-1024 channels and transposed-convolution upsampling; the frames are input channels',
  frames: (o) => Number(o.num_channels),
  sizeMultiple: 16,
  defaults: { num_classes: 2, num_channels: 8, bilinear: false },
  officialDefaults: { bilinear: false },
  build: (o) => new UNet(o),
};
