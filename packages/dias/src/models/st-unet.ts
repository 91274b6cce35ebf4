// ST-UNet as the official models/d3tod2/st_unet.py: at each level a 2-D double convolution (instance norm) on
// every frame, then a forward convolutional GRU over the frames whose last state is that level's skip; 1x2x2 max
// pooling between levels; a 2-D U-Net decoder with bilinear (align_corners) upsampling. Any number of frames.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { positiveIntOption, probabilityOption } from './blocks/model-options.js';
import { checkInputChannels, mapFrames } from './blocks/frames.js';
import { ConvGRUCell } from './blocks/conv-gru.js';
import { DoubleConv as UNetDoubleConv, OutConv } from './blocks/unet-blocks.js';

/** (3x3 convolution without bias, instance norm, 2-D dropout, ReLU) twice. */
export class DoubleConv extends UNetDoubleConv {
  constructor(in_channels: number, out_channels: number, mid_channels?: number, dp = 0) {
    super(in_channels, out_channels, mid_channels, { is_BN: false, dp });
  }
}

// st_unet.py's OutConv (the 1x1 classifier) is unet.py's, and its ConvGRUCell is blocks/conv-gru's.
export { ConvGRUCell, OutConv };

/**
 * One encoder level over [B, C, T, H, W]: a DoubleConv on every frame, a forward ConvGRU whose last state is the
 * level's output, and (with is_down) the per-frame features max-pooled 1x2x2 for the next level.
 */
export class ConvGRU extends nn.Module {
  readonly is_down: boolean;
  readonly down: nn.MaxPool3d;
  readonly doubel_Conv: DoubleConv;
  readonly convgru_forward: ConvGRUCell;

  constructor(input_channels: number, output_channels: number, is_down = true) {
    super();
    this.is_down = is_down;
    this.down = this.registerModule('down', new nn.MaxPool3d([1, 2, 2], { stride: [1, 2, 2] }));
    this.doubel_Conv = this.registerModule('doubel_Conv', new DoubleConv(input_channels, output_channels));
    this.convgru_forward = this.registerModule('convgru_forward', new ConvGRUCell(output_channels, output_channels, 3));
  }

  forward(x: Tensor): { down: Tensor | null; last: Tensor } {
    // All frames in one batch: instance norm is per image and the dropout here has p = 0, so this equals the
    // official frame-by-frame loop in training as well.
    const features = mapFrames(x, 2, (f) => this.doubel_Conv.forward(f), true);
    // The hidden state starts as the first frame's features, not zeros.
    let hidden = features.select(2, 0);
    for (let i = 0; i < features.size(2); i++) hidden = this.convgru_forward.forward(features.select(2, i), hidden);
    return { down: this.is_down ? this.down.forward(features) : null, last: hidden };
  }
}

/** Bilinear 2x upsampling (align_corners true) and a 1x1 convolution halving the channels; [skip, up]; DoubleConv. */
export class Up extends nn.Module {
  readonly up: nn.Sequential;
  readonly conv: DoubleConv;

  constructor(out_c: number, dp = 0) {
    super();
    this.up = this.registerModule(
      'up',
      new nn.Sequential(
        new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
        new nn.Conv2d(out_c * 2, out_c, 1),
      ),
    );
    this.conv = this.registerModule('conv', new DoubleConv(out_c * 2, out_c, undefined, dp));
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    return this.conv.forward(cat([x2, this.up.forward(x1)], 1));
  }
}

export class ST_UNet extends nn.Module {
  readonly options: ModelOptions;
  readonly num_channels: number;
  readonly num_classes: number;
  readonly en1: ConvGRU;
  readonly en2: ConvGRU;
  readonly en3: ConvGRU;
  readonly en4: ConvGRU;
  readonly en5: ConvGRU;
  readonly de1: Up;
  readonly de2: Up;
  readonly de3: Up;
  readonly de4: Up;
  readonly outc: OutConv;

  constructor(options: ModelOptions) {
    super();
    const num_channels = positiveIntOption(options, 'num_channels', 'ST_UNet');
    const num_classes = positiveIntOption(options, 'num_classes', 'ST_UNet');
    // Accepted as the official constructor does, but unused there: the decoder blocks are built without it, so
    // every dropout in the model has p = 0.
    const dp = probabilityOption(options, 'dp', 'ST_UNet');
    this.options = { ...options, num_channels, num_classes, dp };
    this.num_channels = num_channels;
    this.num_classes = num_classes;
    // The official model keeps PyTorch's default initialisation (no InitWeights).
    this.en1 = this.registerModule('en1', new ConvGRU(num_channels, 64, true));
    this.en2 = this.registerModule('en2', new ConvGRU(64, 128, true));
    this.en3 = this.registerModule('en3', new ConvGRU(128, 256, true));
    this.en4 = this.registerModule('en4', new ConvGRU(256, 512, true));
    this.en5 = this.registerModule('en5', new ConvGRU(512, 1024, false));

    this.de1 = this.registerModule('de1', new Up(64));
    this.de2 = this.registerModule('de2', new Up(128));
    this.de3 = this.registerModule('de3', new Up(256));
    this.de4 = this.registerModule('de4', new Up(512));

    this.outc = this.registerModule('outc', new OutConv(64, num_classes));
  }

  forward(x: Tensor): Tensor {
    checkInput(stUNetSpec, this.options, x);
    checkInputChannels('ST_UNet', x, this.num_channels);
    const [h, w] = x.shape.slice(-2);
    // Instance norm at the deepest level (1/16) needs more than one pixel, as in PyTorch; said here by name.
    if ((h / 16) * (w / 16) <= 1)
      throw new Error(`ST_UNet needs more than one pixel at 1/16 scale (e.g. 32x32 or 16x32), got ${h}x${w}`);
    const e1 = this.en1.forward(x);
    const e2 = this.en2.forward(e1.down!);
    const e3 = this.en3.forward(e2.down!);
    const e4 = this.en4.forward(e3.down!);
    const e5 = this.en5.forward(e4.down!);
    let y = this.de4.forward(e5.last, e4.last);
    y = this.de3.forward(y, e3.last);
    y = this.de2.forward(y, e2.last);
    y = this.de1.forward(y, e1.last);
    return this.outc.forward(y);
  }
}

export const stUNetSpec: ModelSpec = {
  name: 'ST_UNet',
  kind: '3d->2d',
  aliases: ['st-unet', 'stunet'],
  summary:
    'U-Net whose encoder runs a ConvGRU over the frames at each level (instance norm, 64-1024 channels); any frame count',
  frames: () => 'any',
  // Four 2x poolings; instance norm at the deepest level also needs more than one pixel there (inputs of 32 and up).
  sizeMultiple: 16,
  defaults: { num_classes: 2, num_channels: 1, dp: 0.2 },
  officialDefaults: { dp: 0.2 },
  build: (o) => new ST_UNet(o),
};
