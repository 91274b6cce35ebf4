// SVS-Net as the official models/d3tod2/svs_net.py: a 3-D encoder that halves height and width six times while
// keeping the 8 frames, skips that fold the 8 frames into one with an 8x1x1 convolution, and a 2-D decoder with
// channel attention at each level.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { positiveIntOption } from './blocks/model-options.js';
import { checkInputChannels } from './blocks/frames.js';

/** A 1x2x2 strided convolution (halves height and width), batch norm and ReLU, after optional 3-D dropout. */
export class Conv3d extends nn.Module {
  readonly in_c: number;
  readonly out_c: number;
  readonly conv: nn.Conv3d;
  readonly batcnorn: nn.BatchNorm3d;
  readonly relu: nn.ReLU;
  readonly dropout: nn.Dropout3d | null = null;

  constructor(in_c: number, out_c: number, dropout_p = 0) {
    super();
    this.in_c = in_c;
    this.out_c = out_c;
    this.conv = this.registerModule(
      'conv',
      new nn.Conv3d(in_c, out_c, [1, 2, 2], { padding: 0, stride: [1, 2, 2], bias: false }),
    );
    this.batcnorn = this.registerModule('batcnorn', new nn.BatchNorm3d(out_c));
    this.relu = this.registerModule('relu', new nn.ReLU({ inplace: true }));
    if (dropout_p !== 0) this.dropout = this.registerModule('dropout', new nn.Dropout3d(dropout_p));
  }

  forward(x: Tensor): Tensor {
    const dropped = this.dropout ? this.dropout.forward(x) : x;
    return this.relu.forward(this.batcnorn.forward(this.conv.forward(dropped)));
  }
}

/** One encoder stage: a 1x1x1 convolution (first stage) or a downsampling Conv3d, then an optional 3x3x3 convolution. */
export class Encoder extends nn.Module {
  readonly conv: nn.Conv3d | Conv3d;
  readonly post_conv: nn.Conv3d | null = null;

  constructor(in_c: number, out_c: number, dropout_p = 0, is_first_stage = false, post_conv = true) {
    super();
    this.conv = this.registerModule(
      'conv',
      is_first_stage ? new nn.Conv3d(in_c, out_c, 1, { padding: 0 }) : new Conv3d(in_c, out_c, dropout_p),
    );
    if (post_conv) this.post_conv = this.registerModule('post_conv', new nn.Conv3d(out_c, out_c, 3, { padding: 1 }));
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    return this.post_conv ? this.post_conv.forward(y) : y;
  }
}

/** Bilinear 2x upsampling (align_corners false), 3x3 convolution, batch norm, ReLU. */
export class Upsampling extends nn.Module {
  readonly in_c: number;
  readonly out_c: number;
  readonly upsampling: nn.Upsample;
  readonly conv: nn.Conv2d;
  readonly batcnorn: nn.BatchNorm2d;
  readonly relu: nn.ReLU;

  constructor(in_c: number, out_c: number) {
    super();
    this.in_c = in_c;
    this.out_c = out_c;
    this.upsampling = this.registerModule('upsampling', new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }));
    this.conv = this.registerModule('conv', new nn.Conv2d(in_c, out_c, 3, { padding: 1, stride: 1, bias: false }));
    this.batcnorn = this.registerModule('batcnorn', new nn.BatchNorm2d(out_c));
    this.relu = this.registerModule('relu', new nn.ReLU({ inplace: true }));
  }

  forward(x: Tensor): Tensor {
    return this.relu.forward(this.batcnorn.forward(this.conv.forward(this.upsampling.forward(x))));
  }
}

/** Gates the low-level features lf by a per-channel weight from both inputs, then adds the high-level ones hf. */
export class Channel_attention_block extends nn.Module {
  readonly GAP: nn.AdaptiveMaxPool2d;
  readonly conv1: nn.Conv2d;
  readonly relu: nn.ReLU;
  readonly conv2: nn.Conv2d;
  readonly sigmoid: nn.Sigmoid;

  constructor(in_c: number) {
    super();
    // Named GAP (global average pooling), but the official layer is a global max pool; kept as max.
    this.GAP = this.registerModule('GAP', new nn.AdaptiveMaxPool2d(1));
    this.conv1 = this.registerModule('conv1', new nn.Conv2d(in_c * 2, in_c, 1, { padding: 0, stride: 1 }));
    this.relu = this.registerModule('relu', new nn.ReLU({ inplace: true }));
    this.conv2 = this.registerModule('conv2', new nn.Conv2d(in_c, in_c, 1, { padding: 0, stride: 1 }));
    this.sigmoid = this.registerModule('sigmoid', new nn.Sigmoid());
  }

  forward(lf: Tensor, hf: Tensor): Tensor {
    const x = cat([lf, hf], 1);
    const gate = this.sigmoid.forward(this.conv2.forward(this.relu.forward(this.conv1.forward(this.GAP.forward(x)))));
    return lf.mul(gate).add(hf);
  }
}

/** Upsamples x, fuses it with the (time-folded) skip lf by channel attention, and applies a 3x3 convolution. */
export class Decoder extends nn.Module {
  readonly upsampling: Upsampling;
  readonly CAB: Channel_attention_block;
  readonly conv: nn.Conv2d;

  constructor(in_c: number, out_c: number) {
    super();
    this.upsampling = this.registerModule('upsampling', new Upsampling(in_c, out_c));
    this.CAB = this.registerModule('CAB', new Channel_attention_block(out_c));
    this.conv = this.registerModule('conv', new nn.Conv2d(out_c, out_c, 3, { padding: 1, stride: 1 }));
  }

  forward(x: Tensor, lf: Tensor): Tensor {
    const hf = this.upsampling.forward(x);
    return this.conv.forward(this.CAB.forward(lf.squeeze(2), hf));
  }
}

export class SVS_Net extends nn.Module {
  readonly options: ModelOptions;
  readonly encoder1: Encoder;
  readonly encoder2: Encoder;
  readonly encoder3: Encoder;
  readonly encoder4: Encoder;
  readonly encoder5: Encoder;
  readonly encoder6: Encoder;
  readonly encoder7: Encoder;
  readonly skip_connect1: nn.Conv3d;
  readonly skip_connect2: nn.Conv3d;
  readonly skip_connect3: nn.Conv3d;
  readonly skip_connect4: nn.Conv3d;
  readonly skip_connect5: nn.Conv3d;
  readonly skip_connect6: nn.Conv3d;
  readonly skip_connect7: nn.Conv3d;
  readonly decoder1: Decoder;
  readonly decoder2: Decoder;
  readonly decoder3: Decoder;
  readonly decoder4: Decoder;
  readonly decoder5: Decoder;
  readonly decoder6: Decoder;
  readonly conv: nn.Conv2d;

  constructor(options: ModelOptions) {
    super();
    const num_channels = positiveIntOption(options, 'num_channels', 'SVS_Net');
    const num_classes = positiveIntOption(options, 'num_classes', 'SVS_Net');
    this.options = { ...options, num_channels, num_classes };
    // The official model keeps PyTorch's default initialisation (no InitWeights).
    this.encoder1 = this.registerModule('encoder1', new Encoder(num_channels, 8, 0, true));
    this.encoder2 = this.registerModule('encoder2', new Encoder(8, 16));
    this.encoder3 = this.registerModule('encoder3', new Encoder(16, 32));
    this.encoder4 = this.registerModule('encoder4', new Encoder(32, 64));
    this.encoder5 = this.registerModule('encoder5', new Encoder(64, 128));
    this.encoder6 = this.registerModule('encoder6', new Encoder(128, 256, 0.5));
    this.encoder7 = this.registerModule('encoder7', new Encoder(256, 512, 0.5, false, false));

    // Each skip folds the 8 frames into one: this is what ties the model to 8 frames.
    this.skip_connect1 = this.registerModule('skip_connect1', new nn.Conv3d(8, 8, [8, 1, 1]));
    this.skip_connect2 = this.registerModule('skip_connect2', new nn.Conv3d(16, 16, [8, 1, 1]));
    this.skip_connect3 = this.registerModule('skip_connect3', new nn.Conv3d(32, 32, [8, 1, 1]));
    this.skip_connect4 = this.registerModule('skip_connect4', new nn.Conv3d(64, 64, [8, 1, 1]));
    this.skip_connect5 = this.registerModule('skip_connect5', new nn.Conv3d(128, 128, [8, 1, 1]));
    this.skip_connect6 = this.registerModule('skip_connect6', new nn.Conv3d(256, 256, [8, 1, 1]));
    this.skip_connect7 = this.registerModule('skip_connect7', new nn.Conv3d(512, 512, [8, 1, 1]));

    this.decoder1 = this.registerModule('decoder1', new Decoder(16, 8));
    this.decoder2 = this.registerModule('decoder2', new Decoder(32, 16));
    this.decoder3 = this.registerModule('decoder3', new Decoder(64, 32));
    this.decoder4 = this.registerModule('decoder4', new Decoder(128, 64));
    this.decoder5 = this.registerModule('decoder5', new Decoder(256, 128));
    this.decoder6 = this.registerModule('decoder6', new Decoder(512, 256));

    this.conv = this.registerModule('conv', new nn.Conv2d(8, num_classes, 1));
  }

  forward(x: Tensor): Tensor {
    checkInput(svsNetSpec, this.options, x);
    checkInputChannels('SVS_Net', x, Number(this.options.num_channels));
    const en1 = this.encoder1.forward(x);
    const en2 = this.encoder2.forward(en1);
    const en3 = this.encoder3.forward(en2);
    const en4 = this.encoder4.forward(en3);
    const en5 = this.encoder5.forward(en4);
    const en6 = this.encoder6.forward(en5);
    const en7 = this.encoder7.forward(en6);

    const sc1 = this.skip_connect1.forward(en1);
    const sc2 = this.skip_connect2.forward(en2);
    const sc3 = this.skip_connect3.forward(en3);
    const sc4 = this.skip_connect4.forward(en4);
    const sc5 = this.skip_connect5.forward(en5);
    const sc6 = this.skip_connect6.forward(en6);
    const sc7 = this.skip_connect7.forward(en7);

    let y = this.decoder6.forward(sc7.squeeze(2), sc6);
    y = this.decoder5.forward(y, sc5);
    y = this.decoder4.forward(y, sc4);
    y = this.decoder3.forward(y, sc3);
    y = this.decoder2.forward(y, sc2);
    y = this.decoder1.forward(y, sc1);
    return this.conv.forward(y);
  }
}

export const svsNetSpec: ModelSpec = {
  name: 'SVS_Net',
  kind: '3d->2d',
  aliases: ['svs-net', 'svsnet', 'svs'],
  summary:
    '3-D encoder over 8 frames, 8x1x1 convolutions folding time in the skips, 2-D decoder with channel attention',
  frames: () => 8,
  // Six stride-2 stages: the deepest level is 1/64 of the input.
  sizeMultiple: 64,
  defaults: { num_classes: 2, num_channels: 1 },
  officialDefaults: {},
  build: (o) => new SVS_Net(o),
};
