// FR-UNet (official models/d2/fr_unet.py): a full-resolution grid of residual blocks over three downsampled levels,
// fused across resolutions by strided and transposed convolutions, with the mean of five heads. Frames are input
// channels; input_reduce may first pick frames, or take their mean or minimum.
import { nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { initWeights } from './blocks/init-weights.js';
import { down, up } from './blocks/res-blocks.js';
import {
  Res_conv,
  block,
  conv2dHeads,
  feature_fuse,
  frUNetFilters,
  frUNetGridForward,
  frUNetHead,
  frUNetOptions,
  reduceFrames,
  registerFRUNetDecoder,
  type BlockParts,
  type FRUNetDecoder,
  type InputReduce,
} from './blocks/fr-unet-blocks.js';

// FR-UNet's up (transposed convolution, batch norm, LeakyReLU) and down (strided convolution, batch norm,
// LeakyReLU) are Res-UNet's: no dropout, unlike VSS-Net's Up and Down.
export { block, down, feature_fuse, up };

/** FR-UNet's residual double convolution: Res_conv with batch norm. */
export class conv extends Res_conv {
  constructor(in_c: number, out_c: number, dp = 0) {
    super(in_c, out_c, dp, true);
  }
}

/** FR-UNet's block parts: the block's dropout reaches only its conv. */
export const frUNetBlockParts: BlockParts = {
  fuse: (i, o) => new feature_fuse(i, o),
  conv: (i, o, dp) => new conv(i, o, dp),
  up: (i, o) => new up(i, o),
  down: (i, o) => new down(i, o),
};

/** The grid's blocks block1_3 ... block40, the heads final1 ... final5 and the unused fuse: see registerFRUNetDecoder. */
export interface FR_UNet extends FRUNetDecoder {}

export class FR_UNet extends nn.Module {
  readonly options: ModelOptions;
  readonly input_reduce: InputReduce;
  readonly num_channels: number;
  readonly out_ave: boolean;

  constructor(options: ModelOptions) {
    super();
    const name = 'FR_UNet';
    const o = frUNetOptions(options, name);
    this.input_reduce = o.input_reduce;
    this.out_ave = o.out_ave;
    // A reduction decides the input width: one frame for mean/min, the list's length for a list.
    const reduce = this.input_reduce;
    this.num_channels =
      reduce === 'mean' || reduce === 'min' ? 1 : Array.isArray(reduce) ? reduce.length : o.num_channels;
    this.options = { ...options, ...o };
    const filters = frUNetFilters(o.feature_scale, name);

    const blk = (in_c: number, out_c: number, is_up: boolean, is_down: boolean) =>
      new block(in_c, out_c, o.dropout, is_up, is_down, o.fuse, frUNetBlockParts);
    Object.assign(
      this,
      registerFRUNetDecoder(this, filters, this.num_channels, blk, conv2dHeads(filters[0], o.num_classes)),
    );
    this.apply(initWeights);
  }

  forward(input: Tensor): Tensor {
    checkInput(frUNetSpec, this.options, input);
    const x = reduceFrames(input, 1, this.input_reduce, 'FR_UNet');
    if (x.size(1) !== this.num_channels) {
      throw new Error(
        `FR_UNet is built for ${this.num_channels} input channel(s), got ${x.size(1)} in [${input.shape.join(', ')}]`,
      );
    }
    const [x1_3, x_down1_3] = this.block1_3.forward(x);
    return frUNetHead(this, frUNetGridForward(this, x1_3, x_down1_3), this.out_ave);
  }
}

export const frUNetSpec: ModelSpec = {
  name: 'FR_UNet',
  kind: '2d',
  aliases: ['fr-unet', 'frunet', 'fr-unet-2d'],
  summary: 'FR-UNet: full-resolution multi-scale residual grid with five averaged heads; the frames are input channels',
  // With a reduction any frame count the reduction accepts will do (forward checks list indices).
  frames: (o) => (o.input_reduce === undefined || o.input_reduce === null ? Number(o.num_channels) : 'any'),
  sizeMultiple: 8,
  defaults: {
    input_reduce: null,
    num_classes: 2,
    num_channels: 8,
    feature_scale: 2,
    dropout: 0.1,
    fuse: true,
    out_ave: true,
  },
  officialDefaults: {
    input_reduce: null,
    num_classes: 2,
    num_channels: 1,
    feature_scale: 2,
    dropout: 0.1,
    fuse: true,
    out_ave: true,
  },
  build: (o) => new FR_UNet(o),
};
