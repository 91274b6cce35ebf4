// U-Net (Ronneberger et al.) as the official models/d2/unet.py: four max-pool stages of double 3x3 convolutions
// with batch norm, and transposed-convolution (or bilinear) upsampling. Frames are input channels.
import { F, cat, nn, scope, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { boolOption, positiveIntOption } from './blocks/model-options.js';

/** (3x3 conv without bias, batch norm, ReLU) twice. */
export class DoubleConv extends nn.Module {
  readonly double_conv: nn.Sequential;

  constructor(in_channels: number, out_channels: number, mid_channels?: number) {
    super();
    const mid = mid_channels || out_channels;
    this.double_conv = this.registerModule('double_conv', new nn.Sequential(
      new nn.Conv2d(in_channels, mid, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(mid),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(mid, out_channels, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(out_channels),
      new nn.ReLU({ inplace: true }),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.double_conv.forward(x);
  }
}

/** 2x2 max pooling, then a DoubleConv. */
export class Down extends nn.Module {
  readonly maxpool_conv: nn.Sequential;

  constructor(in_channels: number, out_channels: number) {
    super();
    this.maxpool_conv = this.registerModule('maxpool_conv', new nn.Sequential(new nn.MaxPool2d(2), new DoubleConv(in_channels, out_channels)));
  }

  forward(x: Tensor): Tensor {
    return this.maxpool_conv.forward(x);
  }
}

/** Upsampling by 2, padding to the skip's size, concatenation [skip, up] and a DoubleConv. */
export class Up extends nn.Module {
  readonly up: nn.Upsample | nn.ConvTranspose2d;
  readonly conv: DoubleConv;

  constructor(in_channels: number, out_channels: number, bilinear = true) {
    super();
    if (bilinear) {
      this.up = this.registerModule('up', new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }));
      this.conv = this.registerModule('conv', new DoubleConv(in_channels, out_channels, Math.floor(in_channels / 2)));
    } else {
      this.up = this.registerModule('up', new nn.ConvTranspose2d(in_channels, Math.floor(in_channels / 2), 2, { stride: 2 }));
      this.conv = this.registerModule('conv', new DoubleConv(in_channels, out_channels));
    }
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    let up = this.up.forward(x1);
    const diffY = x2.size(2) - up.size(2);
    const diffX = x2.size(3) - up.size(3);
    // Only non-zero for sizes that are not multiples of 16, which the spec rejects; kept as the official code has it.
    if (diffX !== 0 || diffY !== 0) {
      up = F.pad(up, [Math.floor(diffX / 2), diffX - Math.floor(diffX / 2), Math.floor(diffY / 2), diffY - Math.floor(diffY / 2)]);
    }
    return this.conv.forward(cat([x2, up], 1));
  }
}

/** The 1x1 classifier. */
export class OutConv extends nn.Module {
  readonly conv: nn.Conv2d;

  constructor(in_channels: number, out_channels: number) {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d(in_channels, out_channels, 1));
  }

  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

export class UNet extends nn.Module {
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
    const num_channels = positiveIntOption(options, 'num_channels', 'UNet');
    const num_classes = positiveIntOption(options, 'num_classes', 'UNet');
    const bilinear = boolOption(options, 'bilinear', 'UNet');
    this.options = { ...options, num_channels, num_classes, bilinear };
    // The official model keeps PyTorch's default initialisation (no InitWeights).
    this.inc = this.registerModule('inc', new DoubleConv(num_channels, 64));
    this.down1 = this.registerModule('down1', new Down(64, 128));
    this.down2 = this.registerModule('down2', new Down(128, 256));
    this.down3 = this.registerModule('down3', new Down(256, 512));
    const factor = bilinear ? 2 : 1;
    this.down4 = this.registerModule('down4', new Down(512, 1024 / factor));
    this.up1 = this.registerModule('up1', new Up(1024, 512 / factor, bilinear));
    this.up2 = this.registerModule('up2', new Up(512, 256 / factor, bilinear));
    this.up3 = this.registerModule('up3', new Up(256, 128 / factor, bilinear));
    this.up4 = this.registerModule('up4', new Up(128, 64, bilinear));
    this.outc = this.registerModule('outc', new OutConv(64, num_classes));
  }

  forward(x: Tensor): Tensor {
    checkInput(unetSpec, this.options, x);
    return scope(() => {
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
    });
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
