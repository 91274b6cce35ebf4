// UNet-DP as the official models/d2/unet_dp.py, the backbone of the SSCR weak-supervision recipes: unet.py's U-Net
// (64-1024 channels, transposed-convolution or bilinear upsampling) with an element dropout (p 0.2 by default)
// after the first ReLU of every double convolution, decoder included. Frames are input channels; one output, as
// the official forward.
//
// Kept as released: with bilinear upsampling the decoder's double convolutions go straight from in to out
// channels (unet.py narrows to in/2 first), so the bilinear variant's weights differ in shape from UNet's.
// DoubleConv's mid_channels argument is never used by the official file and is left out.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { boolOption, positiveIntOption, probabilityOption } from './blocks/model-options.js';
import { OutConv, padToSkip } from './blocks/unet-blocks.js';

// unet_dp.py's OutConv (the 1x1 classifier) is unet.py's.
export { OutConv };

/** (3x3 convolution without bias, batch norm, ReLU) twice, with an element dropout after the first ReLU, as `double_conv`. */
export class DoubleConv extends nn.Module {
  readonly double_conv: nn.Sequential;

  constructor(in_channels: number, out_channels: number, dropout_p: number) {
    super();
    this.double_conv = this.registerModule(
      'double_conv',
      new nn.Sequential(
        new nn.Conv2d(in_channels, out_channels, 3, { padding: 1, bias: false }),
        new nn.BatchNorm2d(out_channels),
        new nn.ReLU({ inplace: true }),
        new nn.Dropout(dropout_p),
        new nn.Conv2d(out_channels, out_channels, 3, { padding: 1, bias: false }),
        new nn.BatchNorm2d(out_channels),
        new nn.ReLU({ inplace: true }),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    return this.double_conv.forward(x);
  }
}

/** 2x2 max pooling, then a DoubleConv. */
export class Down extends nn.Module {
  readonly maxpool_conv: nn.Sequential;

  constructor(in_channels: number, out_channels: number, dropout_p: number) {
    super();
    this.maxpool_conv = this.registerModule(
      'maxpool_conv',
      new nn.Sequential(new nn.MaxPool2d(2), new DoubleConv(in_channels, out_channels, dropout_p)),
    );
  }

  forward(x: Tensor): Tensor {
    return this.maxpool_conv.forward(x);
  }
}

/** Upsampling (bilinear by 2, or a transposed convolution halving the channels), padding to the skip's size, [skip, up], DoubleConv. */
export class Up extends nn.Module {
  readonly up: nn.Upsample | nn.ConvTranspose2d;
  readonly conv: DoubleConv;

  constructor(in_channels: number, out_channels: number, bilinear: boolean, dropout_p: number) {
    super();
    this.up = this.registerModule(
      'up',
      bilinear
        ? new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true })
        : new nn.ConvTranspose2d(in_channels, Math.floor(in_channels / 2), 2, { stride: 2 }),
    );
    this.conv = this.registerModule('conv', new DoubleConv(in_channels, out_channels, dropout_p));
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    return this.conv.forward(cat([x2, padToSkip(this.up.forward(x1), x2)], 1));
  }
}

export class UNet_DP extends nn.Module {
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
    const model = 'UNet_DP';
    const num_channels = positiveIntOption(options, 'num_channels', model);
    const num_classes = positiveIntOption(options, 'num_classes', model);
    const dropout_p = probabilityOption(options, 'dropout_p', model);
    const bilinear = boolOption(options, 'bilinear', model);
    this.options = { ...options, num_channels, num_classes, dropout_p, bilinear };
    // The official model keeps PyTorch's default initialisation. With bilinear upsampling the deepest level and
    // the first three ups give half the channels, as in unet.py.
    const factor = bilinear ? 2 : 1;
    const d = (name: string, i: number, o: number) => this.registerModule(name, new Down(i, o, dropout_p));
    const u = (name: string, i: number, o: number) => this.registerModule(name, new Up(i, o, bilinear, dropout_p));
    this.inc = this.registerModule('inc', new DoubleConv(num_channels, 64, dropout_p));
    this.down1 = d('down1', 64, 128);
    this.down2 = d('down2', 128, 256);
    this.down3 = d('down3', 256, 512);
    this.down4 = d('down4', 512, 1024 / factor);
    this.up1 = u('up1', 1024, 512 / factor);
    this.up2 = u('up2', 512, 256 / factor);
    this.up3 = u('up3', 256, 128 / factor);
    this.up4 = u('up4', 128, 64);
    this.outc = this.registerModule('outc', new OutConv(64, num_classes));
  }

  forward(x: Tensor): Tensor {
    checkInput(unetDpSpec, this.options, x);
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

export const unetDpSpec: ModelSpec = {
  name: 'UNet_DP',
  kind: '2d',
  aliases: ['unet-dp', 'unetdp'],
  summary:
    'UNet-DP (SSCR backbone): U-Net, 64-1024 channels, dropout 0.2 in every double convolution; the frames are input channels',
  frames: (o) => Number(o.num_channels),
  sizeMultiple: 16,
  // As the weak-supervision builder makes it: three output classes (the official scoring reads the first two).
  defaults: { num_classes: 3, num_channels: 8, dropout_p: 0.2, bilinear: false },
  officialDefaults: { dropout_p: 0.2, bilinear: false },
  build: (o) => new UNet_DP(o),
};
