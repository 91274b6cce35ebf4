// FR_UNet_3D (official models/d3/fr_unet_3d.py): the full-resolution U-Net in 3D. Its down/up steps use (1, 2, 2)
// kernels, so the frames are never pooled; the five heads reduce the 8 frames to the classes and are averaged.
import { nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { boolOption, positiveIntOption, probabilityOption } from './blocks/model-options.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { DIM_3D } from './blocks/dims.js';
import { DRM, DRM_FRAMES } from './blocks/drm.js';
import { initWeights } from './blocks/init-weights.js';
import { down, up } from './blocks/res-blocks.js';
import {
  block,
  feature_fuse,
  frUNetGridForward,
  frUNetHead,
  registerFRUNetDecoder,
  type BlockParts,
  type FRUNetDecoder,
} from './blocks/fr-unet-blocks.js';

/** Two (Conv3d, BatchNorm3d, Dropout3d, LeakyReLU) with a residual sum. in_c is kept but unused, as officially. */
class conv extends nn.Module {
  readonly in_c: number;
  readonly out_c: number;
  readonly conv: nn.Sequential;
  readonly relu: nn.LeakyReLU;

  constructor(inC: number, outC: number, dp = 0) {
    super();
    this.in_c = inC;
    this.out_c = outC;
    this.conv = this.registerModule(
      'conv',
      new nn.Sequential(
        new nn.Conv3d(outC, outC, 3, { padding: 1, bias: false }),
        new nn.BatchNorm3d(outC),
        new nn.Dropout3d(dp),
        new nn.LeakyReLU(0.1, { inplace: true }),
        new nn.Conv3d(outC, outC, 3, { padding: 1, bias: false }),
        new nn.BatchNorm3d(outC),
        new nn.Dropout3d(dp),
        new nn.LeakyReLU(0.1, { inplace: true }),
      ),
    );
    this.relu = this.registerModule('relu', new nn.LeakyReLU(0.1, { inplace: true }));
  }

  forward(x: Tensor): Tensor {
    return this.relu.forward(this.conv.forward(x).add(x));
  }
}

const SPATIAL: readonly number[] = [1, 2, 2];

/**
 * FR_UNet_3D's block parts: FR-UNet's block (blocks/fr-unet-blocks) in 3D, with its own conv; feature_fuse with
 * 1x1x1, 3x3x3 and dilated 3x3x3 convolutions and BatchNorm3d; up and down with a (1, 2, 2) kernel and stride,
 * so the frames are never pooled (a transposed or strided Conv3d, BatchNorm3d, LeakyReLU).
 */
const fr3dBlockParts: BlockParts = {
  fuse: (i, o) => new feature_fuse(i, o, true, DIM_3D),
  conv: (i, o, dp) => new conv(i, o, dp),
  up: (i, o) => new up(i, o, { dim: DIM_3D, stride: SPATIAL }),
  down: (i, o) => new down(i, o, { dim: DIM_3D, stride: SPATIAL }),
};

/** The official final_conv: the DRM head's layers (Conv3d to one channel, squeeze, Conv2d over 8 frames). */
class final_conv extends DRM {}

/** The grid's blocks block1_3 ... block40, the heads final1 ... final5 and the unused fuse: see registerFRUNetDecoder. */
export interface FR_UNet_3D extends FRUNetDecoder<final_conv, nn.Conv3d> {}

export class FR_UNet_3D extends nn.Module {
  readonly options: ModelOptions;
  readonly out_ave: boolean;

  constructor(options: ModelOptions) {
    super();
    const name = 'FR_UNet_3D';
    const numClasses = positiveIntOption(options, 'num_classes', name);
    const numChannels = positiveIntOption(options, 'num_channels', name);
    const featureScale = positiveIntOption(options, 'feature_scale', name);
    const dp = probabilityOption(options, 'dropout', name);
    const fuse = boolOption(options, 'fuse', name);
    this.out_ave = boolOption(options, 'out_ave', name);
    this.options = { ...options };
    const f = [64, 128, 256, 512, 1024].map((c) => Math.trunc(c / featureScale));
    const b = (inC: number, outC: number, isUp: boolean, isDown: boolean) =>
      new block(inC, outC, dp, isUp, isDown, fuse, fr3dBlockParts);
    Object.assign(
      this,
      registerFRUNetDecoder(this, f, numChannels, b, {
        head: () => new final_conv(f[0], numClasses),
        // Official oddity: built (and in the state dict) but never used in forward.
        fuse: () => new nn.Conv3d(5, numClasses, 1, { padding: 0, bias: true }),
      }),
    );
    this.apply(initWeights);
  }

  forward(x: Tensor): Tensor {
    checkInput(frUnet3dSpec, this.options, x);
    checkInputChannels('FR_UNet_3D', x, Number(this.options.num_channels));
    // Official oddity: without fuse the blocks' fuse layers are Conv2d (blocks/fr-unet-blocks), which cannot take the
    // 5-D features, so the official forward fails at the first block that fuses (block1_1 at the latest).
    if (!this.options.fuse)
      throw new Error(
        'FR_UNet_3D: fuse=false builds a Conv2d fuse layer (as officially), which cannot take the 5-D features',
      );
    const [x1_3, x_down1_3] = this.block1_3.forward(x);
    return frUNetHead(this, frUNetGridForward(this, x1_3, x_down1_3), this.out_ave);
  }
}

export const frUnet3dSpec: ModelSpec = {
  name: 'FR_UNet_3D',
  kind: '3d',
  aliases: ['fr-unet-3d', 'frunet3d'],
  summary: 'Full-resolution U-Net in 3D (spatial-only down/up steps), five DRM-style heads over the 8 frames averaged',
  // The frames are never pooled, but each head's Conv2d takes exactly 8.
  frames: () => DRM_FRAMES,
  sizeMultiple: 8,
  defaults: { num_classes: 2, num_channels: 1, feature_scale: 4, dropout: 0.2, fuse: true, out_ave: true },
  officialDefaults: { num_classes: 1, num_channels: 1, feature_scale: 4, dropout: 0.2, fuse: true, out_ave: true },
  build: (o) => new FR_UNet_3D(o),
};
