// QS-UNet as the official models/d3tod2/qs_unet.py: per-frame 2-D convolutions, then at every level a
// bidirectional convolutional GRU over the frames; the frames are merged by a max over time at each level, and a
// 2-D U-Net decoder gives the logits. Deeper levels downsample the GRU output concatenated with the raw sequence
// resized to that level. Works for any number of frames.
import { F, cat, nn, stack, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { positiveIntOption, probabilityOption } from './blocks/model-options.js';
import { checkInputChannels, mapFrames } from './blocks/frames.js';
import { ConvGRUCell as BiConvGRUCell } from './blocks/conv-gru.js';
import { down as Down, upLayers } from './blocks/res-blocks.js';
import { DoubleConv as UNetDoubleConv, OutConv } from './blocks/unet-blocks.js';

/** (3x3 convolution without bias, batch norm, 2-D dropout, leaky ReLU 0.1) twice. */
export class DoubleConv extends UNetDoubleConv {
  constructor(in_channels: number, out_channels: number, mid_channels?: number, dp = 0) {
    super(in_channels, out_channels, mid_channels, { dp, act: () => new nn.LeakyReLU(0.1, { inplace: true }) });
  }
}

/** A DoubleConv on each frame of [B, C, T, H, W]; the result is [B, T, C', H, W]. */
export class Seq_doubleConv extends nn.Module {
  readonly SeqConv: DoubleConv;

  constructor(in_channels: number, out_channels: number, mid_channels?: number, dp = 0) {
    super();
    this.SeqConv = this.registerModule('SeqConv', new DoubleConv(in_channels, out_channels, mid_channels, dp));
  }

  forward(x: Tensor): Tensor {
    // Frame by frame in training (batch-norm statistics per frame, as official); all frames at once in eval.
    return mapFrames(x, 2, (f) => this.SeqConv.forward(f), !this.training, 1);
  }
}

// qs_unet.py's Down (2x2 strided convolution without bias, batch norm, leaky ReLU 0.1) is Res-UNet's down
// (blocks/res-blocks), its OutConv (the 1x1 classifier) unet.py's, and its BiConvGRUCell is ST-UNet's ConvGRUCell
// (blocks/conv-gru).
export { Down, OutConv, BiConvGRUCell };

/** A Down on each frame of [B, T, C, H, W]. */
export class Sequence_down extends nn.Module {
  readonly down: Down;

  constructor(in_c: number, out_c: number) {
    super();
    this.down = this.registerModule('down', new Down(in_c, out_c));
  }

  forward(x: Tensor): Tensor {
    return mapFrames(x, 1, (f) => this.down.forward(f), !this.training);
  }
}

/** Transposed 2x2 convolution, batch norm, leaky ReLU; concatenation [skip, up]; DoubleConv. */
export class Up extends nn.Module {
  readonly up: nn.Sequential;
  readonly conv: DoubleConv;

  constructor(in_c: number, out_c: number, dp = 0) {
    super();
    this.up = this.registerModule('up', upLayers(in_c, out_c));
    this.conv = this.registerModule('conv', new DoubleConv(out_c * 2, out_c, undefined, dp));
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    return this.conv.forward(cat([x2, this.up.forward(x1)], 1));
  }
}

/**
 * A bidirectional ConvGRU over [B, T, C, H, W]: returns the merged sequence and its max over time. With is_down,
 * the raw sequence s [B, T, C0, H0, W0] is first resized (trilinear over C0, H, W) to input_channels x H x W,
 * concatenated before x along channels, and every frame is downsampled by 2.
 */
export class BiConvGRU extends nn.Module {
  readonly input_channels: number;
  readonly down: Sequence_down | null = null;
  readonly convgru_forward: BiConvGRUCell;
  readonly convgru_backward: BiConvGRUCell;
  readonly bidirection_conv: nn.Conv2d;

  constructor(input_channels: number, output_channels: number, is_down = true) {
    super();
    this.input_channels = input_channels;
    if (is_down) this.down = this.registerModule('down', new Sequence_down(input_channels * 2, output_channels));
    this.convgru_forward = this.registerModule(
      'convgru_forward',
      new BiConvGRUCell(output_channels, output_channels, 3),
    );
    this.convgru_backward = this.registerModule(
      'convgru_backward',
      new BiConvGRUCell(output_channels, output_channels, 3),
    );
    this.bidirection_conv = this.registerModule(
      'bidirection_conv',
      new nn.Conv2d(2 * output_channels, output_channels, 3, { stride: 1, padding: 1 }),
    );
  }

  forward(x: Tensor, s?: Tensor): { sequences: Tensor; last: Tensor } {
    if (this.down) {
      if (!s) throw new Error('BiConvGRU: a downsampling level needs the raw sequence s');
      const [, , , h, w] = x.shape;
      // The frames sit in the channel slot here, so the resize interpolates the input channels up to
      // input_channels (plain repetition for a 1-channel input) and keeps every frame.
      const resized = F.interpolate(s, { size: [this.input_channels, h, w], mode: 'trilinear', alignCorners: false });
      x = this.down.forward(cat([resized, x], 2));
    }
    const frames = x.size(1);
    // Both directions start from the features of their first frame as hidden state, not from zeros.
    const forwardStates: Tensor[] = [];
    let hidden = x.select(1, 0);
    for (let i = 0; i < frames; i++) {
      hidden = this.convgru_forward.forward(x.select(1, i), hidden);
      forwardStates.push(hidden);
    }
    const backwardStates: Tensor[] = [];
    hidden = x.select(1, frames - 1);
    for (let i = 0; i < frames; i++) {
      hidden = this.convgru_backward.forward(x.select(1, frames - 1 - i), hidden);
      backwardStates.push(hidden);
    }
    backwardStates.reverse();
    // One convolution for all frames: it has no batch statistics, so this equals the official per-frame loop.
    const both = cat([stack(forwardStates, 1), stack(backwardStates, 1)], 2);
    const sequences = mapFrames(both, 1, (f) => this.bidirection_conv.forward(f).tanh(), true);
    const last = sequences.max(1).values;
    return { sequences, last };
  }
}

export class QS_UNet extends nn.Module {
  readonly options: ModelOptions;
  readonly num_channels: number;
  readonly num_classes: number;
  readonly inc: Seq_doubleConv;
  readonly en1: BiConvGRU;
  readonly en2: BiConvGRU;
  readonly en3: BiConvGRU;
  readonly en4: BiConvGRU;
  readonly en5: BiConvGRU;
  readonly up4: Up;
  readonly up3: Up;
  readonly up2: Up;
  readonly up1: Up;
  readonly outc: OutConv;

  constructor(options: ModelOptions) {
    super();
    const num_channels = positiveIntOption(options, 'num_channels', 'QS_UNet');
    const num_classes = positiveIntOption(options, 'num_classes', 'QS_UNet');
    const dp = probabilityOption(options, 'dp', 'QS_UNet');
    this.options = { ...options, num_channels, num_classes, dp };
    this.num_channels = num_channels;
    this.num_classes = num_classes;
    // The official model keeps PyTorch's default initialisation (no InitWeights).
    this.inc = this.registerModule('inc', new Seq_doubleConv(num_channels, 32, undefined, dp));
    this.en1 = this.registerModule('en1', new BiConvGRU(32, 32, false));
    this.en2 = this.registerModule('en2', new BiConvGRU(32, 64));
    this.en3 = this.registerModule('en3', new BiConvGRU(64, 128));
    this.en4 = this.registerModule('en4', new BiConvGRU(128, 256));
    this.en5 = this.registerModule('en5', new BiConvGRU(256, 512));

    this.up4 = this.registerModule('up4', new Up(512, 256, dp));
    this.up3 = this.registerModule('up3', new Up(256, 128, dp));
    this.up2 = this.registerModule('up2', new Up(128, 64, dp));
    this.up1 = this.registerModule('up1', new Up(64, 32, dp));
    this.outc = this.registerModule('outc', new OutConv(32, num_classes));
  }

  forward(x: Tensor): Tensor {
    checkInput(qsUNetSpec, this.options, x);
    checkInputChannels('QS_UNet', x, this.num_channels);
    const s = x.permute(0, 2, 1, 3, 4);
    const e1 = this.en1.forward(this.inc.forward(x));
    const e2 = this.en2.forward(e1.sequences, s);
    const e3 = this.en3.forward(e2.sequences, s);
    const e4 = this.en4.forward(e3.sequences, s);
    const e5 = this.en5.forward(e4.sequences, s);
    let y = this.up4.forward(e5.last, e4.last);
    y = this.up3.forward(y, e3.last);
    y = this.up2.forward(y, e2.last);
    y = this.up1.forward(y, e1.last);
    return this.outc.forward(y);
  }
}

export const qsUNetSpec: ModelSpec = {
  name: 'QS_UNet',
  kind: '3d->2d',
  aliases: ['qs-unet', 'qsunet'],
  summary:
    'U-Net with a bidirectional ConvGRU over the frames at each level, merged by a max over time; any frame count',
  frames: () => 'any',
  sizeMultiple: 16,
  defaults: { num_classes: 2, num_channels: 1, dp: 0.2 },
  officialDefaults: { dp: 0.2 },
  build: (o) => new QS_UNet(o),
};
