// Res-UNet as the official models/d2/res_unet.py: a three-level U-Net with learned (strided) down- and
// upsampling. Frames are input channels. Two official oddities shape its output (see forward and blocks/res-blocks-2d).
import { cat, nn, scope, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { initWeights } from './blocks/init-weights.js';
import { conv, down, up } from './blocks/res-blocks-2d.js';
import { positiveIntOption, positiveNumberOption, probabilityOption } from './blocks/model-options.js';

export class Res_UNet extends nn.Module {
  readonly options: ModelOptions;
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
  readonly final: nn.Conv2d;

  constructor(options: ModelOptions) {
    super();
    const model = 'Res_UNet';
    const num_channels = positiveIntOption(options, 'num_channels', model);
    const num_classes = positiveIntOption(options, 'num_classes', model);
    const feature_scale = positiveNumberOption(options, 'feature_scale', model);
    const dropout = probabilityOption(options, 'dropout', model);
    this.options = { ...options, num_channels, num_classes, feature_scale, dropout };
    const f = [64, 128, 256, 512, 1024].map((c) => Math.trunc(c / feature_scale));

    this.enconv1 = this.registerModule('enconv1', new conv(num_channels, f[0], dropout));
    this.down1 = this.registerModule('down1', new down(f[0], f[1]));
    this.enconv2 = this.registerModule('enconv2', new conv(f[1], f[1], dropout));
    this.down2 = this.registerModule('down2', new down(f[1], f[2]));
    this.enconv3 = this.registerModule('enconv3', new conv(f[2], f[2], dropout));
    this.down3 = this.registerModule('down3', new down(f[2], f[3]));
    this.center = this.registerModule('center', new conv(f[3], f[3], dropout));
    this.up3 = this.registerModule('up3', new up(f[3], f[2]));
    this.deconv3 = this.registerModule('deconv3', new conv(f[2] * 2, f[2], dropout));
    this.up2 = this.registerModule('up2', new up(f[2], f[1]));
    this.deconv2 = this.registerModule('deconv2', new conv(f[1] * 2, f[1], dropout));
    this.up1 = this.registerModule('up1', new up(f[1], f[0]));
    this.deconv1 = this.registerModule('deconv1', new conv(f[0] * 2, f[0], dropout));
    this.final = this.registerModule('final', new nn.Conv2d(f[0], num_classes, 1));

    this.apply(initWeights);
  }

  forward(inputs: Tensor): Tensor {
    checkInput(resUnetSpec, this.options, inputs);
    return scope(() => {
      const enconv1 = this.enconv1.forward(inputs);
      const enconv2 = this.enconv2.forward(this.down1.forward(enconv1));
      const enconv3 = this.enconv3.forward(this.down2.forward(enconv2));
      const conv4 = this.center.forward(this.down3.forward(enconv3));
      const deconv3 = this.deconv3.forward(cat([enconv3, this.up3.forward(conv4)], 1));
      const deconv2 = this.deconv2.forward(cat([enconv2, this.up2.forward(deconv3)], 1));
      const up1 = this.up1.forward(deconv2);
      // Official oddity: the head reads up1, not deconv1(cat([enconv1, up1])), whose result the official forward
      // computes and throws away. deconv1 (and so the first skip) never reaches the output, so it is not run here;
      // its parameters get no gradient, as in the official model.
      return this.final.forward(up1);
    });
  }
}

export const resUnetSpec: ModelSpec = {
  name: 'Res_UNet',
  kind: '2d',
  aliases: ['res-unet', 'resunet', 'residual-unet'],
  summary: 'Res-UNet: three-level U-Net with strided-conv down and transposed-conv upsampling, 64-512 channels; the frames are input channels',
  frames: (o) => Number(o.num_channels),
  sizeMultiple: 8,
  defaults: { num_classes: 2, num_channels: 8, feature_scale: 1, dropout: 0 },
  officialDefaults: { num_channels: 1, num_classes: 1, feature_scale: 1, dropout: 0 },
  build: (o) => new Res_UNet(o),
};
