// UNet-CCT as the official models/d2/unet_cct.py (a PyMIC port), the backbone of the DMPLS weak-supervision
// recipe: one U-Net encoder (16-256 channels, leaky ReLU, dropout growing with depth) shared by a main decoder
// and an auxiliary decoder that sees the encoder features through channel dropout. Frames are input channels.
//
// Where we differ: the official forward returns (main, aux). Ours returns the main logits only, because the
// predictor and validation take one tensor; forwardWithAuxiliary gives both for training. Only UNet_CCT is
// ported; the file's UNet, UNet_DS, UNet_CCT_3H and the unused decoders and feature perturbations are not.
// Kept as released: the parameter table says bilinear false, but the decoder never passes it on, so every
// UpBlock takes its default (1x1 convolution, then bilinear upsampling); the transposed-convolution branch
// cannot be reached and is left out. The auxiliary dropout is on in eval mode too (see forwardWithAuxiliary).
import { F, cat, nn, scope, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { positiveIntOption } from './blocks/model-options.js';

/** Channel widths of the five encoder levels. */
const FEATURE_CHANNELS = [16, 32, 64, 128, 256] as const;
/** The element dropout inside each encoder level's block (the decoder's blocks have none). */
const ENCODER_DROPOUT = [0.05, 0.1, 0.2, 0.3, 0.5] as const;
/** The channel dropout on every encoder feature before the auxiliary decoder. */
const AUX_FEATURE_DROPOUT = 0.5;

/** (3x3 convolution, batch norm, leaky ReLU) twice, with an element dropout between the two, as `conv_conv`. */
export class ConvBlock extends nn.Module {
  readonly conv_conv: nn.Sequential;

  constructor(in_channels: number, out_channels: number, dropout_p: number) {
    super();
    this.conv_conv = this.registerModule(
      'conv_conv',
      new nn.Sequential(
        new nn.Conv2d(in_channels, out_channels, 3, { padding: 1 }),
        new nn.BatchNorm2d(out_channels),
        new nn.LeakyReLU(),
        new nn.Dropout(dropout_p),
        new nn.Conv2d(out_channels, out_channels, 3, { padding: 1 }),
        new nn.BatchNorm2d(out_channels),
        new nn.LeakyReLU(),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    return this.conv_conv.forward(x);
  }
}

/** 2x2 max pooling, then a ConvBlock. */
export class DownBlock extends nn.Module {
  readonly maxpool_conv: nn.Sequential;

  constructor(in_channels: number, out_channels: number, dropout_p: number) {
    super();
    this.maxpool_conv = this.registerModule(
      'maxpool_conv',
      new nn.Sequential(new nn.MaxPool2d(2), new ConvBlock(in_channels, out_channels, dropout_p)),
    );
  }

  forward(x: Tensor): Tensor {
    return this.maxpool_conv.forward(x);
  }
}

/** The deeper map narrowed to the skip's width by a 1x1 convolution, upsampled (bilinear) by 2, [skip, up], ConvBlock. */
export class UpBlock extends nn.Module {
  readonly conv1x1: nn.Conv2d;
  readonly up: nn.Upsample;
  readonly conv: ConvBlock;

  constructor(in_channels1: number, in_channels2: number, out_channels: number, dropout_p: number) {
    super();
    this.conv1x1 = this.registerModule('conv1x1', new nn.Conv2d(in_channels1, in_channels2, 1));
    this.up = this.registerModule('up', new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }));
    this.conv = this.registerModule('conv', new ConvBlock(in_channels2 * 2, out_channels, dropout_p));
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    const up = this.up.forward(this.conv1x1.forward(x1));
    return this.conv.forward(cat([x2, up], 1));
  }
}

/** The five encoder levels; forward gives every level's features, shallowest first. */
export class Encoder extends nn.Module {
  readonly in_conv: ConvBlock;
  readonly down1: DownBlock;
  readonly down2: DownBlock;
  readonly down3: DownBlock;
  readonly down4: DownBlock;

  constructor(in_chns: number) {
    super();
    const [c0, c1, c2, c3, c4] = FEATURE_CHANNELS;
    const [p0, p1, p2, p3, p4] = ENCODER_DROPOUT;
    this.in_conv = this.registerModule('in_conv', new ConvBlock(in_chns, c0, p0));
    this.down1 = this.registerModule('down1', new DownBlock(c0, c1, p1));
    this.down2 = this.registerModule('down2', new DownBlock(c1, c2, p2));
    this.down3 = this.registerModule('down3', new DownBlock(c2, c3, p3));
    this.down4 = this.registerModule('down4', new DownBlock(c3, c4, p4));
  }

  forward(x: Tensor): Tensor[] {
    const x0 = this.in_conv.forward(x);
    const x1 = this.down1.forward(x0);
    const x2 = this.down2.forward(x1);
    const x3 = this.down3.forward(x2);
    const x4 = this.down4.forward(x3);
    return [x0, x1, x2, x3, x4];
  }
}

/** Four UpBlocks from the deepest features back to full size, then a 3x3 classifier. */
export class Decoder extends nn.Module {
  readonly up1: UpBlock;
  readonly up2: UpBlock;
  readonly up3: UpBlock;
  readonly up4: UpBlock;
  readonly out_conv: nn.Conv2d;

  constructor(class_num: number) {
    super();
    const [c0, c1, c2, c3, c4] = FEATURE_CHANNELS;
    this.up1 = this.registerModule('up1', new UpBlock(c4, c3, c3, 0));
    this.up2 = this.registerModule('up2', new UpBlock(c3, c2, c2, 0));
    this.up3 = this.registerModule('up3', new UpBlock(c2, c1, c1, 0));
    this.up4 = this.registerModule('up4', new UpBlock(c1, c0, c0, 0));
    this.out_conv = this.registerModule('out_conv', new nn.Conv2d(c0, class_num, 3, { padding: 1 }));
  }

  forward(feature: readonly Tensor[]): Tensor {
    const [x0, x1, x2, x3, x4] = feature;
    let x = this.up1.forward(x4, x3);
    x = this.up2.forward(x, x2);
    x = this.up3.forward(x, x1);
    x = this.up4.forward(x, x0);
    return this.out_conv.forward(x);
  }
}

export class UNet_CCT extends nn.Module {
  readonly options: ModelOptions;
  readonly encoder: Encoder;
  readonly main_decoder: Decoder;
  readonly aux_decoder1: Decoder;

  constructor(options: ModelOptions) {
    super();
    const num_channels = positiveIntOption(options, 'num_channels', 'UNet_CCT');
    const num_classes = positiveIntOption(options, 'num_classes', 'UNet_CCT');
    this.options = { ...options, num_channels, num_classes };
    // The official model keeps PyTorch's default initialisation.
    this.encoder = this.registerModule('encoder', new Encoder(num_channels));
    this.main_decoder = this.registerModule('main_decoder', new Decoder(num_classes));
    this.aux_decoder1 = this.registerModule('aux_decoder1', new Decoder(num_classes));
  }

  /** The main decoder's logits: what prediction and validation use (the official forward's first output). */
  forward(x: Tensor): Tensor {
    checkInput(unetCctSpec, this.options, x);
    return this.main_decoder.forward(this.encoder.forward(x));
  }

  /**
   * [main, aux] from one encoder pass, as the official forward: the auxiliary decoder reads every encoder level
   * through channel dropout (p 0.5). As released, that dropout does not look at the training flag, so the
   * auxiliary output is random in eval mode too (drawn from the global generator); the main output is not.
   */
  forwardWithAuxiliary(x: Tensor): [Tensor, Tensor] {
    // forward() gets its scope from Module; this method makes its own so that the features are freed on return.
    return scope(() => {
      checkInput(unetCctSpec, this.options, x);
      const feature = this.encoder.forward(x);
      const main = this.main_decoder.forward(feature);
      const aux = this.aux_decoder1.forward(feature.map((f) => F.dropout2d(f, AUX_FEATURE_DROPOUT, true)));
      return [main, aux];
    });
  }
}

export const unetCctSpec: ModelSpec = {
  name: 'UNet_CCT',
  kind: '2d',
  aliases: ['unet-cct', 'unetcct', 'cct'],
  summary:
    'UNet-CCT (DMPLS backbone): a 16-256-channel U-Net encoder, a main and an auxiliary decoder; the frames are input channels',
  frames: (o) => Number(o.num_channels),
  sizeMultiple: 16,
  // The weak-supervision builder makes UNet_CCT with two classes (DMPLS ignores unlabelled pixels in its loss),
  // where its other 2d models get three.
  defaults: { num_classes: 2, num_channels: 8 },
  officialDefaults: {},
  build: (o) => new UNet_CCT(o),
};
