// Attention U-Net (Oktay et al.) as the official models/d2/att_unet.py: a U-Net whose skips are gated by additive
// attention from the decoder, with nearest-neighbour upsampling. Frames are input channels.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { positiveIntOption, probabilityOption } from './blocks/model-options.js';
import { doubleConv } from './blocks/unet-blocks.js';

/** Additive attention gate: the skip x scaled by sigmoid(psi(relu(W_g g + W_x x))). */
export class Attention_block extends nn.Module {
  readonly W_g: nn.Sequential;
  readonly W_x: nn.Sequential;
  readonly psi: nn.Sequential;
  readonly relu: nn.ReLU;

  constructor(F_g: number, F_l: number, F_int: number) {
    super();
    this.W_g = this.registerModule('W_g', new nn.Sequential(new nn.Conv2d(F_g, F_int, 1), new nn.BatchNorm2d(F_int)));
    this.W_x = this.registerModule('W_x', new nn.Sequential(new nn.Conv2d(F_l, F_int, 1), new nn.BatchNorm2d(F_int)));
    this.psi = this.registerModule(
      'psi',
      new nn.Sequential(new nn.Conv2d(F_int, 1, 1), new nn.BatchNorm2d(1), new nn.Sigmoid()),
    );
    this.relu = this.registerModule('relu', new nn.ReLU({ inplace: true }));
  }

  forward(g: Tensor, x: Tensor): Tensor {
    const psi = this.psi.forward(this.relu.forward(this.W_g.forward(g).add(this.W_x.forward(x))));
    return x.mul(psi);
  }
}

/** (3x3 conv, batch norm, channel dropout, ReLU) twice. */
export class conv_block extends nn.Module {
  readonly conv: nn.Sequential;

  constructor(ch_in: number, ch_out: number, dropout = 0) {
    super();
    this.conv = this.registerModule('conv', doubleConv(ch_in, ch_out, { dp: dropout }));
  }

  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

/** Nearest-neighbour upsampling by 2, then 3x3 conv, batch norm, ReLU. */
export class up_conv extends nn.Module {
  readonly up: nn.Sequential;

  constructor(ch_in: number, ch_out: number) {
    super();
    this.up = this.registerModule(
      'up',
      new nn.Sequential(
        new nn.Upsample({ scaleFactor: 2 }),
        new nn.Conv2d(ch_in, ch_out, 3, { padding: 1 }),
        new nn.BatchNorm2d(ch_out),
        new nn.ReLU({ inplace: true }),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    return this.up.forward(x);
  }
}

export class Att_UNet extends nn.Module {
  readonly options: ModelOptions;
  readonly Maxpool: nn.MaxPool2d;
  readonly Conv1: conv_block;
  readonly Conv2: conv_block;
  readonly Conv3: conv_block;
  readonly Conv4: conv_block;
  readonly Conv5: conv_block;
  readonly Up5: up_conv;
  readonly Att5: Attention_block;
  readonly Up_conv5: conv_block;
  readonly Up4: up_conv;
  readonly Att4: Attention_block;
  readonly Up_conv4: conv_block;
  readonly Up3: up_conv;
  readonly Att3: Attention_block;
  readonly Up_conv3: conv_block;
  readonly Up2: up_conv;
  readonly Att2: Attention_block;
  readonly Up_conv2: conv_block;
  readonly Conv_1x1: nn.Conv2d;

  constructor(options: ModelOptions) {
    super();
    const num_classes = positiveIntOption(options, 'num_classes', 'Att_UNet');
    const num_channels = positiveIntOption(options, 'num_channels', 'Att_UNet');
    const scale_factor = positiveIntOption(options, 'scale_factor', 'Att_UNet');
    const dropout = probabilityOption(options, 'dropout', 'Att_UNet');
    this.options = { ...options, num_classes, num_channels, scale_factor, dropout };
    const f = [64, 128, 256, 512, 1024].map((c) => Math.floor(c / scale_factor));
    // The official model keeps PyTorch's default initialisation (no InitWeights).
    this.Maxpool = this.registerModule('Maxpool', new nn.MaxPool2d(2, { stride: 2 }));
    // The first block and the last decoder block get no dropout, as in the official code.
    this.Conv1 = this.registerModule('Conv1', new conv_block(num_channels, f[0]));
    this.Conv2 = this.registerModule('Conv2', new conv_block(f[0], f[1], dropout));
    this.Conv3 = this.registerModule('Conv3', new conv_block(f[1], f[2], dropout));
    this.Conv4 = this.registerModule('Conv4', new conv_block(f[2], f[3], dropout));
    this.Conv5 = this.registerModule('Conv5', new conv_block(f[3], f[4], dropout));
    this.Up5 = this.registerModule('Up5', new up_conv(f[4], f[3]));
    this.Att5 = this.registerModule('Att5', new Attention_block(f[3], f[3], f[2]));
    this.Up_conv5 = this.registerModule('Up_conv5', new conv_block(f[4], f[3], dropout));
    this.Up4 = this.registerModule('Up4', new up_conv(f[3], f[2]));
    this.Att4 = this.registerModule('Att4', new Attention_block(f[2], f[2], f[1]));
    this.Up_conv4 = this.registerModule('Up_conv4', new conv_block(f[3], f[2], dropout));
    this.Up3 = this.registerModule('Up3', new up_conv(f[2], f[1]));
    this.Att3 = this.registerModule('Att3', new Attention_block(f[1], f[1], f[0]));
    this.Up_conv3 = this.registerModule('Up_conv3', new conv_block(f[2], f[1], dropout));
    this.Up2 = this.registerModule('Up2', new up_conv(f[1], f[0]));
    this.Att2 = this.registerModule('Att2', new Attention_block(f[0], f[0], Math.floor(f[0] / 2)));
    this.Up_conv2 = this.registerModule('Up_conv2', new conv_block(f[1], f[0]));
    this.Conv_1x1 = this.registerModule('Conv_1x1', new nn.Conv2d(f[0], num_classes, 1));
  }

  forward(x: Tensor): Tensor {
    checkInput(attUnetSpec, this.options, x);
    const x1 = this.Conv1.forward(x);
    const x2 = this.Conv2.forward(this.Maxpool.forward(x1));
    const x3 = this.Conv3.forward(this.Maxpool.forward(x2));
    const x4 = this.Conv4.forward(this.Maxpool.forward(x3));
    const x5 = this.Conv5.forward(this.Maxpool.forward(x4));
    // Each decoder stage: upsample, gate the skip with the upsampled features, concatenate [skip, up].
    const stage = (up: up_conv, att: Attention_block, conv: conv_block, low: Tensor, skip: Tensor): Tensor => {
      const d = up.forward(low);
      return conv.forward(cat([att.forward(d, skip), d], 1));
    };
    const d5 = stage(this.Up5, this.Att5, this.Up_conv5, x5, x4);
    const d4 = stage(this.Up4, this.Att4, this.Up_conv4, d5, x3);
    const d3 = stage(this.Up3, this.Att3, this.Up_conv3, d4, x2);
    const d2 = stage(this.Up2, this.Att2, this.Up_conv2, d3, x1);
    return this.Conv_1x1.forward(d2);
  }
}

export const attUnetSpec: ModelSpec = {
  name: 'Att_UNet',
  kind: '2d',
  aliases: ['att-unet', 'attention-unet', 'attunet'],
  summary:
    'Attention U-Net: U-Net skips gated by additive attention, channels 32-512 (scale_factor 2); the frames are input channels',
  frames: (o) => Number(o.num_channels),
  sizeMultiple: 16,
  defaults: { num_classes: 2, num_channels: 8, scale_factor: 2, dropout: 0 },
  officialDefaults: { num_classes: 1, num_channels: 1, scale_factor: 2, dropout: 0 },
  build: (o) => new Att_UNet(o),
};
