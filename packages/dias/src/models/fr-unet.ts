// FR-UNet (official models/d2/fr_unet.py): a full-resolution grid of residual blocks over three downsampled levels,
// fused across resolutions by strided and transposed convolutions, with the mean of five heads. Frames are input
// channels; input_reduce may first pick frames, or take their mean or minimum.
import { cat, nn, scope, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { initWeights } from './blocks/init-weights.js';
import { boolOption, positiveIntOption, probabilityOption } from './blocks/model-options.js';
import {
  Down, Res_conv, Up, block, feature_fuse, frUNetFilters, frUNetHead, inputReduceOption, positiveNumberOption, reduceFrames,
  type BlockParts, type InputReduce,
} from './blocks/fr-unet-blocks.js';

export { block, feature_fuse };

/** FR-UNet's residual double convolution: Res_conv with batch norm. */
export class conv extends Res_conv {
  constructor(in_c: number, out_c: number, dp = 0) {
    super(in_c, out_c, dp, true);
  }
}

/** FR-UNet's upsampling: transposed convolution, batch norm, LeakyReLU (no dropout, unlike VSS-Net's Up). */
export class up extends Up {
  constructor(in_c: number, out_c: number) {
    super(in_c, out_c, null, true);
  }
}

/** FR-UNet's downsampling: strided convolution, batch norm, LeakyReLU (no dropout). */
export class down extends Down {
  constructor(in_c: number, out_c: number) {
    super(in_c, out_c, null, true);
  }
}

/** FR-UNet's block parts: the block's dropout reaches only its conv. */
export const frUNetBlockParts: BlockParts = {
  fuse: (i, o) => new feature_fuse(i, o),
  conv: (i, o, dp) => new conv(i, o, dp),
  up: (i, o) => new up(i, o),
  down: (i, o) => new down(i, o),
};

export class FR_UNet extends nn.Module {
  readonly options: ModelOptions;
  readonly input_reduce: InputReduce;
  readonly num_channels: number;
  readonly out_ave: boolean;
  readonly block1_3: block;
  readonly block1_2: block;
  readonly block1_1: block;
  readonly block10: block;
  readonly block11: block;
  readonly block12: block;
  readonly block13: block;
  readonly block2_2: block;
  readonly block2_1: block;
  readonly block20: block;
  readonly block21: block;
  readonly block22: block;
  readonly block3_1: block;
  readonly block30: block;
  readonly block31: block;
  readonly block40: block;
  readonly final1: nn.Conv2d;
  readonly final2: nn.Conv2d;
  readonly final3: nn.Conv2d;
  readonly final4: nn.Conv2d;
  readonly final5: nn.Conv2d;
  /** Registered (and initialised) but unused, as in the official model. */
  readonly fuse: nn.Conv2d;

  constructor(options: ModelOptions) {
    super();
    const name = 'FR_UNet';
    this.input_reduce = inputReduceOption(options, name);
    const num_classes = positiveIntOption(options, 'num_classes', name);
    const channels = positiveIntOption(options, 'num_channels', name);
    const feature_scale = positiveNumberOption(options, 'feature_scale', name);
    const dropout = probabilityOption(options, 'dropout', name);
    const fuse = boolOption(options, 'fuse', name);
    this.out_ave = boolOption(options, 'out_ave', name);
    // A reduction decides the input width: one frame for mean/min, the list's length for a list.
    const reduce = this.input_reduce;
    this.num_channels = reduce === 'mean' || reduce === 'min' ? 1 : Array.isArray(reduce) ? reduce.length : channels;
    this.options = { ...options, input_reduce: reduce, num_classes, num_channels: channels, feature_scale, dropout, fuse, out_ave: this.out_ave };
    const filters = frUNetFilters(feature_scale, name);

    const blk = (name: string, in_c: number, out_c: number, is_up: boolean, is_down: boolean) =>
      this.registerModule(name, new block(in_c, out_c, dropout, is_up, is_down, fuse, frUNetBlockParts));
    this.block1_3 = blk('block1_3', this.num_channels, filters[0], false, true);
    this.block1_2 = blk('block1_2', filters[0], filters[0], false, true);
    this.block1_1 = blk('block1_1', filters[0] * 2, filters[0], false, true);
    this.block10 = blk('block10', filters[0] * 2, filters[0], false, true);
    this.block11 = blk('block11', filters[0] * 2, filters[0], false, true);
    this.block12 = blk('block12', filters[0] * 2, filters[0], false, false);
    this.block13 = blk('block13', filters[0] * 2, filters[0], false, false);
    this.block2_2 = blk('block2_2', filters[1], filters[1], true, true);
    this.block2_1 = blk('block2_1', filters[1] * 2, filters[1], true, true);
    this.block20 = blk('block20', filters[1] * 3, filters[1], true, true);
    this.block21 = blk('block21', filters[1] * 3, filters[1], true, false);
    this.block22 = blk('block22', filters[1] * 3, filters[1], true, false);
    this.block3_1 = blk('block3_1', filters[2], filters[2], true, true);
    this.block30 = blk('block30', filters[2] * 2, filters[2], true, false);
    this.block31 = blk('block31', filters[2] * 3, filters[2], true, false);
    this.block40 = blk('block40', filters[3], filters[3], true, false);
    const head = (name: string) => this.registerModule(name, new nn.Conv2d(filters[0], num_classes, 1, { padding: 0, bias: true }));
    this.final1 = head('final1');
    this.final2 = head('final2');
    this.final3 = head('final3');
    this.final4 = head('final4');
    this.final5 = head('final5');
    this.fuse = this.registerModule('fuse', new nn.Conv2d(5, num_classes, 1, { padding: 0, bias: true }));
    this.apply(initWeights);
  }

  forward(input: Tensor): Tensor {
    checkInput(frUNetSpec, this.options, input);
    return scope(() => {
      const x = reduceFrames(input, 1, this.input_reduce, 'FR_UNet');
      if (x.size(1) !== this.num_channels) {
        throw new Error(`FR_UNet is built for ${this.num_channels} input channel(s), got ${x.size(1)} in [${input.shape.join(', ')}]`);
      }
      const [x1_3, x_down1_3] = this.block1_3.forward(x);
      const [x1_2, x_down1_2] = this.block1_2.forward(x1_3);
      const [x2_2, x_up2_2, x_down2_2] = this.block2_2.forward(x_down1_3);
      const [x1_1, x_down1_1] = this.block1_1.forward(cat([x1_2, x_up2_2], 1));
      const [x2_1, x_up2_1, x_down2_1] = this.block2_1.forward(cat([x_down1_2, x2_2], 1));
      const [x3_1, x_up3_1, x_down3_1] = this.block3_1.forward(x_down2_2);
      const [x10, x_down10] = this.block10.forward(cat([x1_1, x_up2_1], 1));
      const [x20, x_up20, x_down20] = this.block20.forward(cat([x_down1_1, x2_1, x_up3_1], 1));
      const [x30, x_up30] = this.block30.forward(cat([x_down2_1, x3_1], 1));
      const [, x_up40] = this.block40.forward(x_down3_1);
      const [x11, x_down11] = this.block11.forward(cat([x10, x_up20], 1));
      const [x21, x_up21] = this.block21.forward(cat([x_down10, x20, x_up30], 1));
      const [, x_up31] = this.block31.forward(cat([x_down20, x30, x_up40], 1));
      const [x12] = this.block12.forward(cat([x11, x_up21], 1));
      const [, x_up22] = this.block22.forward(cat([x_down11, x21, x_up31], 1));
      const [x13] = this.block13.forward(cat([x12, x_up22], 1));
      return frUNetHead([this.final1, this.final2, this.final3, this.final4, this.final5], [x1_1, x10, x11, x12, x13], this.out_ave);
    });
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
  defaults: { input_reduce: null, num_classes: 2, num_channels: 8, feature_scale: 2, dropout: 0.1, fuse: true, out_ave: true },
  officialDefaults: { input_reduce: null, num_classes: 2, num_channels: 1, feature_scale: 2, dropout: 0.1, fuse: true, out_ave: true },
  build: (o) => new FR_UNet(o),
};
