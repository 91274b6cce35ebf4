// UNet_3D (official models/d3/unet_3d.py): a 3D U-Net over [B, C, T, H, W] whose first pooling keeps the frames and
// the next three halve them too, closed by a head that maps the 8 frames to the classes.
import { cat, F, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { boolOption, positiveIntOption } from './blocks/model-options.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { DRM, DRM_FRAMES } from './blocks/drm.js';

type Stride = readonly [number, number, number];

/** (Conv3d without bias, BatchNorm3d, ReLU) twice. */
class DoubleConv extends nn.Module {
  readonly double_conv: nn.Sequential;

  constructor(inChannels: number, outChannels: number, midChannels?: number) {
    super();
    const mid = midChannels || outChannels;
    this.double_conv = this.registerModule('double_conv', new nn.Sequential(
      new nn.Conv3d(inChannels, mid, 3, { padding: 1, bias: false }),
      new nn.BatchNorm3d(mid),
      new nn.ReLU({ inplace: true }),
      new nn.Conv3d(mid, outChannels, 3, { padding: 1, bias: false }),
      new nn.BatchNorm3d(outChannels),
      new nn.ReLU({ inplace: true }),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.double_conv.forward(x);
  }
}

/** Max pooling by stride, then DoubleConv. */
class Down extends nn.Module {
  readonly maxpool_conv: nn.Sequential;

  constructor(inChannels: number, outChannels: number, stride: Stride) {
    super();
    this.maxpool_conv = this.registerModule('maxpool_conv', new nn.Sequential(
      new nn.MaxPool3d(stride, { stride }),
      new DoubleConv(inChannels, outChannels),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.maxpool_conv.forward(x);
  }
}

/** ConvTranspose3d halving the channels, concatenation after the skip, DoubleConv. */
class Up extends nn.Module {
  readonly up: nn.ConvTranspose3d;
  readonly conv: DoubleConv;

  constructor(inChannels: number, outChannels: number, stride: Stride) {
    super();
    this.up = this.registerModule('up', new nn.ConvTranspose3d(inChannels, Math.floor(inChannels / 2), stride, { stride }));
    this.conv = this.registerModule('conv', new DoubleConv(inChannels, outChannels));
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    let up = this.up.forward(x1);
    // Official oddity: the 2D U-Net's size fix-up applied to 5-D tensors, so the differences are taken in frames
    // (dim 2) and height (dim 3) but padded onto height and width. Sizes always agree for the inputs we accept.
    const diffY = x2.size(2) - up.size(2);
    const diffX = x2.size(3) - up.size(3);
    if (diffX !== 0 || diffY !== 0) {
      const hx = Math.floor(diffX / 2);
      const hy = Math.floor(diffY / 2);
      up = F.pad(up, [hx, diffX - hx, hy, diffY - hy]);
    }
    return this.conv.forward(cat([x2, up], 1));
  }
}

/** The official OutConv: the same layers as the DRM head (Conv3d to one channel, squeeze, Conv2d over 8 frames). */
class OutConv extends DRM {}

export class UNet_3D extends nn.Module {
  readonly options: ModelOptions;
  readonly inc: DoubleConv;
  readonly down1: Down;
  readonly down2: Down;
  readonly down3: Down;
  readonly down4: Down;
  readonly up1: Up;
  readonly up2: Up;
  readonly up3: Up;
  readonly up4: Up;
  readonly outc: OutConv;

  constructor(options: ModelOptions) {
    super();
    const numChannels = positiveIntOption(options, 'num_channels', 'UNet_3D');
    const numClasses = positiveIntOption(options, 'num_classes', 'UNet_3D');
    const bilinear = boolOption(options, 'bilinear', 'UNet_3D');
    // With bilinear the official code halves down4's output but still builds up1 for 1024 input channels, so
    // its forward fails; refuse it here with a clear message instead.
    if (bilinear) throw new Error('UNet_3D: bilinear=true does not work in the official code (up1 expects 1024 channels, down4 gives 512)');
    this.options = { ...options };
    const factor = bilinear ? 2 : 1;
    this.inc = this.registerModule('inc', new DoubleConv(numChannels, 64));
    this.down1 = this.registerModule('down1', new Down(64, 128, [1, 2, 2]));
    this.down2 = this.registerModule('down2', new Down(128, 256, [2, 2, 2]));
    this.down3 = this.registerModule('down3', new Down(256, 512, [2, 2, 2]));
    this.down4 = this.registerModule('down4', new Down(512, 1024 / factor, [2, 2, 2]));
    this.up1 = this.registerModule('up1', new Up(1024, 512 / factor, [2, 2, 2]));
    this.up2 = this.registerModule('up2', new Up(512, 256 / factor, [2, 2, 2]));
    this.up3 = this.registerModule('up3', new Up(256, 128 / factor, [2, 2, 2]));
    this.up4 = this.registerModule('up4', new Up(128, 64, [1, 2, 2]));
    this.outc = this.registerModule('outc', new OutConv(64, numClasses));
    // The official UNet_3D keeps PyTorch's default initialisation (no InitWeights).
  }

  forward(x: Tensor): Tensor {
    checkInput(unet3dSpec, this.options, x);
    checkInputChannels('UNet_3D', x, Number(this.options.num_channels));
    const x1 = this.inc.forward(x);
    const x2 = this.down1.forward(x1);
    const x3 = this.down2.forward(x2);
    const x4 = this.down3.forward(x3);
    const x5 = this.down4.forward(x4);
    let y = this.up1.forward(x5, x4);
    y = this.up2.forward(y, x3);
    y = this.up3.forward(y, x2);
    y = this.up4.forward(y, x1);
    return this.outc.forward(y);
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
