// Res_UNet_3D (official models/d3/res_unet_3d.py): a 3-level 3D U-Net with strided-conv downsampling (frames halved
// with the rest) and transposed-conv upsampling, closed by the DRM head over the 8 frames.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { positiveIntOption, probabilityOption } from './blocks/model-options.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { DRM, DRM_FRAMES } from './blocks/drm.js';
import { initWeights } from './blocks/init-weights.js';

/** A 1x1x1 channel reduction when the channels change, then two (Conv3d, BatchNorm3d, Dropout3d, LeakyReLU). */
class conv extends nn.Module {
  readonly in_c: number;
  readonly out_c: number;
  readonly conv: nn.Sequential;
  readonly relu: nn.LeakyReLU;
  readonly diminsh_c: nn.Sequential | null = null;

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
    if (inC !== outC) {
      this.diminsh_c = this.registerModule('diminsh_c', new nn.Sequential(
        new nn.Conv3d(inC, outC, 1, { padding: 0, stride: 1, bias: false }),
        new nn.BatchNorm3d(outC),
        new nn.LeakyReLU(0.1, { inplace: true }),
      ));
    }
  }

  forward(input: Tensor): Tensor {
    const x = this.diminsh_c ? this.diminsh_c.forward(input) : input;
    // Official oddity: the residual sum relu(conv(x) + x) is computed and then dropped; the block returns conv(x).
    // (The official in-place LeakyReLUs do not reach the returned tensor either, so skipping the sum is exact.)
    return this.conv.forward(x);
  }
}

/** ConvTranspose3d (kernel and stride 2, frames too), BatchNorm3d, LeakyReLU. */
class up extends nn.Module {
  readonly up: nn.Sequential;

  constructor(inC: number, outC: number) {
    super();
    this.up = this.registerModule('up', new nn.Sequential(
      new nn.ConvTranspose3d(inC, outC, 2, { padding: 0, stride: 2, bias: false }),
      new nn.BatchNorm3d(outC),
      new nn.LeakyReLU(0.1, { inplace: false }),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.up.forward(x);
  }
}

/** Conv3d (kernel and stride 2, frames too), BatchNorm3d, LeakyReLU. */
class down extends nn.Module {
  readonly down: nn.Sequential;

  constructor(inC: number, outC: number) {
    super();
    this.down = this.registerModule('down', new nn.Sequential(
      new nn.Conv3d(inC, outC, 2, { padding: 0, stride: 2, bias: false }),
      new nn.BatchNorm3d(outC),
      new nn.LeakyReLU(0.1, { inplace: true }),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.down.forward(x);
  }
}

export class Res_UNet_3D extends nn.Module {
  readonly options: ModelOptions;
  readonly in_channels: number;
  readonly feature_scale: number;
  readonly enconv1: conv;
  readonly down1: down;
  readonly enconv2: conv;
  readonly down2: down;
  readonly enconv3: conv;
  readonly down3: down;
  readonly center: conv;
  readonly up3: up;
  readonly deconv3: conv;
  readonly up2: up;
  readonly deconv2: conv;
  readonly up1: up;
  readonly deconv1: conv;
  readonly DRM: DRM;

  constructor(options: ModelOptions) {
    super();
    const name = 'Res_UNet_3D';
    this.in_channels = positiveIntOption(options, 'num_channels', name);
    const numClasses = positiveIntOption(options, 'num_classes', name);
    this.feature_scale = positiveIntOption(options, 'feature_scale', name);
    const dp = probabilityOption(options, 'dropout', name);
    this.options = { ...options };
    const f = [64, 128, 256, 512, 1024].map((c) => Math.trunc(c / this.feature_scale));
    this.enconv1 = this.registerModule('enconv1', new conv(this.in_channels, f[0], dp));
    this.down1 = this.registerModule('down1', new down(f[0], f[1]));
    this.enconv2 = this.registerModule('enconv2', new conv(f[1], f[1], dp));
    this.down2 = this.registerModule('down2', new down(f[1], f[2]));
    this.enconv3 = this.registerModule('enconv3', new conv(f[2], f[2], dp));
    this.down3 = this.registerModule('down3', new down(f[2], f[3]));
    this.center = this.registerModule('center', new conv(f[3], f[3], dp));
    this.up3 = this.registerModule('up3', new up(f[3], f[2]));
    this.deconv3 = this.registerModule('deconv3', new conv(f[2] * 2, f[2], dp));
    this.up2 = this.registerModule('up2', new up(f[2], f[1]));
    this.deconv2 = this.registerModule('deconv2', new conv(f[1] * 2, f[1], dp));
    this.up1 = this.registerModule('up1', new up(f[1], f[0]));
    this.deconv1 = this.registerModule('deconv1', new conv(f[0] * 2, f[0], dp));
    this.DRM = this.registerModule('DRM', new DRM(f[0], numClasses));
    this.apply(initWeights);
  }

  forward(inputs: Tensor): Tensor {
    checkInput(resUnet3dSpec, this.options, inputs);
    checkInputChannels('Res_UNet_3D', inputs, Number(this.options.num_channels));
    const enconv1 = this.enconv1.forward(inputs);
    const enconv2 = this.enconv2.forward(this.down1.forward(enconv1));
    const enconv3 = this.enconv3.forward(this.down2.forward(enconv2));
    const conv4 = this.center.forward(this.down3.forward(enconv3));
    const deconv3 = this.deconv3.forward(cat([enconv3, this.up3.forward(conv4)], 1));
    const deconv2 = this.deconv2.forward(cat([enconv2, this.up2.forward(deconv3)], 1));
    const deconv1 = this.deconv1.forward(cat([enconv1, this.up1.forward(deconv2)], 1));
    return this.DRM.forward(deconv1);
  }
}

export const resUnet3dSpec: ModelSpec = {
  name: 'Res_UNet_3D',
  kind: '3d',
  aliases: ['res-unet-3d', 'resunet3d'],
  summary: '3-level 3D U-Net with strided-conv down and transposed-conv up steps (frames halved too), DRM head',
  // Three halvings of the frames, and the head's Conv2d takes exactly 8.
  frames: () => DRM_FRAMES,
  sizeMultiple: 8,
  defaults: { num_classes: 2, num_channels: 1, feature_scale: 2, dropout: 0 },
  officialDefaults: { num_classes: 1, num_channels: 1, feature_scale: 2, dropout: 0 },
  build: (o) => new Res_UNet_3D(o),
};
