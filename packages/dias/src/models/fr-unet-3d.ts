// FR_UNet_3D (official models/d3/fr_unet_3d.py): the full-resolution U-Net in 3D. Its down/up steps use (1, 2, 2)
// kernels, so the frames are never pooled; the five heads reduce the 8 frames to the classes and are averaged.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { boolOption, positiveIntOption, probabilityOption } from './blocks/model-options.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { DRM, DRM_FRAMES } from './blocks/drm.js';
import { initWeights } from './blocks/init-weights.js';

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
    this.conv = this.registerModule('conv', new nn.Sequential(
      new nn.Conv3d(outC, outC, 3, { padding: 1, bias: false }),
      new nn.BatchNorm3d(outC),
      new nn.Dropout3d(dp),
      new nn.LeakyReLU(0.1, { inplace: true }),
      new nn.Conv3d(outC, outC, 3, { padding: 1, bias: false }),
      new nn.BatchNorm3d(outC),
      new nn.Dropout3d(dp),
      new nn.LeakyReLU(0.1, { inplace: true }),
    ));
    this.relu = this.registerModule('relu', new nn.LeakyReLU(0.1, { inplace: true }));
  }

  forward(x: Tensor): Tensor {
    return this.relu.forward(this.conv.forward(x).add(x));
  }
}

/** 1x1x1, 3x3x3 and dilated 3x3x3 convolutions summed, then BatchNorm3d. */
class feature_fuse extends nn.Module {
  readonly conv11: nn.Conv3d;
  readonly conv33: nn.Conv3d;
  readonly conv33_di: nn.Conv3d;
  readonly norm: nn.BatchNorm3d;

  constructor(inC: number, outC: number) {
    super();
    this.conv11 = this.registerModule('conv11', new nn.Conv3d(inC, outC, 1, { padding: 0, bias: false }));
    this.conv33 = this.registerModule('conv33', new nn.Conv3d(inC, outC, 3, { padding: 1, bias: false }));
    this.conv33_di = this.registerModule('conv33_di', new nn.Conv3d(inC, outC, 3, { padding: 2, bias: false, dilation: 2 }));
    this.norm = this.registerModule('norm', new nn.BatchNorm3d(outC));
  }

  forward(x: Tensor): Tensor {
    const sum = this.conv11.forward(x).add(this.conv33.forward(x)).add(this.conv33_di.forward(x));
    return this.norm.forward(sum);
  }
}

const SPATIAL: readonly number[] = [1, 2, 2];

/** Spatial upsampling: ConvTranspose3d with a (1, 2, 2) kernel, BatchNorm3d, LeakyReLU. */
class up extends nn.Module {
  readonly up: nn.Sequential;

  constructor(inC: number, outC: number, stride: readonly number[] = SPATIAL) {
    super();
    this.up = this.registerModule('up', new nn.Sequential(
      new nn.ConvTranspose3d(inC, outC, stride, { padding: 0, stride, bias: false }),
      new nn.BatchNorm3d(outC),
      new nn.LeakyReLU(0.1, { inplace: false }),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.up.forward(x);
  }
}

/** Spatial downsampling: Conv3d with a (1, 2, 2) kernel and stride, BatchNorm3d, LeakyReLU. */
class down extends nn.Module {
  readonly down: nn.Sequential;

  constructor(inC: number, outC: number, stride: readonly number[] = SPATIAL) {
    super();
    this.down = this.registerModule('down', new nn.Sequential(
      new nn.Conv3d(inC, outC, stride, { padding: 0, stride, bias: false }),
      new nn.BatchNorm3d(outC),
      new nn.LeakyReLU(0.1, { inplace: true }),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.down.forward(x);
  }
}

interface BlockOutput {
  x: Tensor;
  up?: Tensor;
  down?: Tensor;
}

/** Fuse the channels (when they change), the residual conv, then optional up and down branches. */
class block extends nn.Module {
  readonly in_c: number;
  readonly out_c: number;
  readonly fuse: feature_fuse | nn.Conv2d;
  readonly is_up: boolean;
  readonly is_down: boolean;
  readonly conv: conv;
  readonly up: up | null = null;
  readonly down: down | null = null;

  constructor(inC: number, outC: number, dp = 0, isUp = false, isDown = false, fuse = false) {
    super();
    this.in_c = inC;
    this.out_c = outC;
    // Official oddities: the fuse layer is built even where in_c == out_c and forward never uses it; and without
    // fuse it is a Conv2d, which cannot take the 5-D features (so fuse=false fails in forward, as officially).
    this.fuse = this.registerModule('fuse', fuse ? new feature_fuse(inC, outC) : new nn.Conv2d(inC, outC, 1, { stride: 1 }));
    this.is_up = isUp;
    this.is_down = isDown;
    this.conv = this.registerModule('conv', new conv(outC, outC, dp));
    if (isUp) this.up = this.registerModule('up', new up(outC, Math.floor(outC / 2)));
    if (isDown) this.down = this.registerModule('down', new down(outC, outC * 2));
  }

  forward(input: Tensor): BlockOutput {
    let x = input;
    if (this.in_c !== this.out_c) {
      if (this.fuse instanceof nn.Conv2d) throw new Error('FR_UNet_3D: fuse=false builds a Conv2d fuse layer (as officially), which cannot take the 5-D features');
      x = this.fuse.forward(x);
    }
    x = this.conv.forward(x);
    return { x, up: this.up?.forward(x), down: this.down?.forward(x) };
  }
}

/** The official final_conv: the DRM head's layers (Conv3d to one channel, squeeze, Conv2d over 8 frames). */
class final_conv extends DRM {}

/** A block's main output and one branch (the block must have been built with it). */
function split(out: BlockOutput, which: 'up' | 'down'): [Tensor, Tensor] {
  const t = out[which];
  if (!t) throw new Error(`FR_UNet_3D: internal error, a block has no ${which} branch`);
  return [out.x, t];
}

/** A block's main output, up branch and down branch. */
function both(out: BlockOutput): [Tensor, Tensor, Tensor] {
  return [out.x, split(out, 'up')[1], split(out, 'down')[1]];
}

export class FR_UNet_3D extends nn.Module {
  readonly options: ModelOptions;
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
  readonly final1: final_conv;
  readonly final2: final_conv;
  readonly final3: final_conv;
  readonly final4: final_conv;
  readonly final5: final_conv;
  readonly fuse: nn.Conv3d;

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
    const b = (name: string, inC: number, outC: number, isUp: boolean, isDown: boolean) =>
      this.registerModule(name, new block(inC, outC, dp, isUp, isDown, fuse));
    this.block1_3 = b('block1_3', numChannels, f[0], false, true);
    this.block1_2 = b('block1_2', f[0], f[0], false, true);
    this.block1_1 = b('block1_1', f[0] * 2, f[0], false, true);
    this.block10 = b('block10', f[0] * 2, f[0], false, true);
    this.block11 = b('block11', f[0] * 2, f[0], false, true);
    this.block12 = b('block12', f[0] * 2, f[0], false, false);
    this.block13 = b('block13', f[0] * 2, f[0], false, false);
    this.block2_2 = b('block2_2', f[1], f[1], true, true);
    this.block2_1 = b('block2_1', f[1] * 2, f[1], true, true);
    this.block20 = b('block20', f[1] * 3, f[1], true, true);
    this.block21 = b('block21', f[1] * 3, f[1], true, false);
    this.block22 = b('block22', f[1] * 3, f[1], true, false);
    this.block3_1 = b('block3_1', f[2], f[2], true, true);
    this.block30 = b('block30', f[2] * 2, f[2], true, false);
    this.block31 = b('block31', f[2] * 3, f[2], true, false);
    this.block40 = b('block40', f[3], f[3], true, false);
    this.final1 = this.registerModule('final1', new final_conv(f[0], numClasses));
    this.final2 = this.registerModule('final2', new final_conv(f[0], numClasses));
    this.final3 = this.registerModule('final3', new final_conv(f[0], numClasses));
    this.final4 = this.registerModule('final4', new final_conv(f[0], numClasses));
    this.final5 = this.registerModule('final5', new final_conv(f[0], numClasses));
    // Official oddity: built (and in the state dict) but never used in forward.
    this.fuse = this.registerModule('fuse', new nn.Conv3d(5, numClasses, 1, { padding: 0, bias: true }));
    this.apply(initWeights);
  }

  forward(x: Tensor): Tensor {
    checkInput(frUnet3dSpec, this.options, x);
    checkInputChannels('FR_UNet_3D', x, Number(this.options.num_channels));
    // Named as the official forward: xA_B is a block's main output, x_upA_B / x_downA_B its branches.
    const [x1_3, x_down1_3] = split(this.block1_3.forward(x), 'down');
    const [x1_2, x_down1_2] = split(this.block1_2.forward(x1_3), 'down');
    const [x2_2, x_up2_2, x_down2_2] = both(this.block2_2.forward(x_down1_3));
    const [x1_1, x_down1_1] = split(this.block1_1.forward(cat([x1_2, x_up2_2], 1)), 'down');
    const [x2_1, x_up2_1, x_down2_1] = both(this.block2_1.forward(cat([x_down1_2, x2_2], 1)));
    const [x3_1, x_up3_1, x_down3_1] = both(this.block3_1.forward(x_down2_2));
    const [x10, x_down10] = split(this.block10.forward(cat([x1_1, x_up2_1], 1)), 'down');
    const [x20, x_up20, x_down20] = both(this.block20.forward(cat([x_down1_1, x2_1, x_up3_1], 1)));
    const [x30, x_up30] = split(this.block30.forward(cat([x_down2_1, x3_1], 1)), 'up');
    const [, x_up40] = split(this.block40.forward(x_down3_1), 'up');
    const [x11, x_down11] = split(this.block11.forward(cat([x10, x_up20], 1)), 'down');
    const [x21, x_up21] = split(this.block21.forward(cat([x_down10, x20, x_up30], 1)), 'up');
    const [, x_up31] = split(this.block31.forward(cat([x_down20, x30, x_up40], 1)), 'up');
    const x12 = this.block12.forward(cat([x11, x_up21], 1)).x;
    const [, x_up22] = split(this.block22.forward(cat([x_down11, x21, x_up31], 1)), 'up');
    const x13 = this.block13.forward(cat([x12, x_up22], 1)).x;
    if (!this.out_ave) return this.final5.forward(x13);
    return this.final1.forward(x1_1)
      .add(this.final2.forward(x10))
      .add(this.final3.forward(x11))
      .add(this.final4.forward(x12))
      .add(this.final5.forward(x13))
      .div(5);
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
