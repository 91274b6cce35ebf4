// PSC as the official models/d3tod2/psc.py: a 3-D encoder-decoder whose skips are average-pooled along time to one
// frame (the "pooling skip connections"), built for 8 frames, so that the bottleneck holds a single frame.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { initWeights } from './blocks/init-weights.js';
import { positiveIntOption } from './blocks/model-options.js';
import { checkInputChannels } from './blocks/frames.js';
import { DIM_3D } from './blocks/dims.js';
import { conv, down, up } from './blocks/res-blocks.js';

/** PSC's conv: Res_UNet's (blocks/res-blocks) in 3D, without dropout. */
const pscConv = (in_c: number, out_c: number) => new conv(in_c, out_c, null, DIM_3D);
/** PSC's up: a transposed 1x2x2 convolution (doubles height and width, keeps time), batch norm, leaky ReLU. */
const pscUp = (in_c: number, out_c: number) => new up(in_c, out_c, { dim: DIM_3D, stride: [1, 2, 2] });
/** PSC's down: a strided 2x2x2 convolution (halves time, height and width), batch norm, leaky ReLU. */
const pscDown = (in_c: number, out_c: number) => new down(in_c, out_c, { dim: DIM_3D });

export class PSC extends nn.Module {
  readonly options: ModelOptions;
  readonly enconv1: conv;
  readonly psc1: nn.AvgPool3d;
  readonly down1: down;
  readonly enconv2: conv;
  readonly psc2: nn.AvgPool3d;
  readonly down2: down;
  readonly enconv3: conv;
  readonly psc3: nn.AvgPool3d;
  readonly down3: down;
  readonly center: conv;
  readonly up3: up;
  readonly deconv3: conv;
  readonly up2: up;
  readonly deconv2: conv;
  readonly up1: up;
  readonly deconv1: conv;
  readonly final: nn.Conv3d;

  constructor(options: ModelOptions) {
    super();
    const num_channels = positiveIntOption(options, 'num_channels', 'PSC');
    const num_classes = positiveIntOption(options, 'num_classes', 'PSC');
    const feature_scale = positiveIntOption(options, 'feature_scale', 'PSC');
    const filters = [64, 128, 256, 512, 1024].map((f) => Math.trunc(f / feature_scale));
    if (filters[0] < 1) throw new Error(`PSC: feature_scale ${feature_scale} leaves no channels (at most 64)`);
    this.options = { ...options, num_channels, num_classes, feature_scale };

    this.enconv1 = this.registerModule('enconv1', pscConv(num_channels, filters[0]));
    // Each skip is pooled along time to one frame: 8 frames at level 1, 4 at level 2, 2 at level 3.
    this.psc1 = this.registerModule('psc1', new nn.AvgPool3d([8, 1, 1], { stride: [8, 1, 1] }));
    this.down1 = this.registerModule('down1', pscDown(filters[0], filters[1]));
    this.enconv2 = this.registerModule('enconv2', pscConv(filters[1], filters[1]));
    this.psc2 = this.registerModule('psc2', new nn.AvgPool3d([4, 1, 1], { stride: [4, 1, 1] }));
    this.down2 = this.registerModule('down2', pscDown(filters[1], filters[2]));
    this.enconv3 = this.registerModule('enconv3', pscConv(filters[2], filters[2]));
    this.psc3 = this.registerModule('psc3', new nn.AvgPool3d([2, 1, 1], { stride: [2, 1, 1] }));
    this.down3 = this.registerModule('down3', pscDown(filters[2], filters[3]));
    this.center = this.registerModule('center', pscConv(filters[3], filters[3]));

    this.up3 = this.registerModule('up3', pscUp(filters[3], filters[2]));
    this.deconv3 = this.registerModule('deconv3', pscConv(filters[2] * 2, filters[2]));
    this.up2 = this.registerModule('up2', pscUp(filters[2], filters[1]));
    this.deconv2 = this.registerModule('deconv2', pscConv(filters[1] * 2, filters[1]));
    this.up1 = this.registerModule('up1', pscUp(filters[1], filters[0]));
    this.deconv1 = this.registerModule('deconv1', pscConv(filters[0] * 2, filters[0]));

    this.final = this.registerModule('final', new nn.Conv3d(filters[0], num_classes, 1));
    this.apply(initWeights);
  }

  forward(inputs: Tensor): Tensor {
    checkInput(pscSpec, this.options, inputs);
    checkInputChannels('PSC', inputs, Number(this.options.num_channels));
    const enconv1 = this.enconv1.forward(inputs);
    const down1 = this.down1.forward(enconv1);
    const skip1 = this.psc1.forward(enconv1);

    const enconv2 = this.enconv2.forward(down1);
    const down2 = this.down2.forward(enconv2);
    const skip2 = this.psc2.forward(enconv2);

    const enconv3 = this.enconv3.forward(down2);
    const down3 = this.down3.forward(enconv3);
    const skip3 = this.psc3.forward(enconv3);

    const conv4 = this.center.forward(down3);

    const up3 = this.up3.forward(conv4);
    const deconv3 = this.deconv3.forward(cat([skip3, up3], 1));

    const up2 = this.up2.forward(deconv3);
    const deconv2 = this.deconv2.forward(cat([skip2, up2], 1));

    const up1 = this.up1.forward(deconv2);
    // The official head reads up1, not deconv1: the last decoder block's output is unused, so the finest skip
    // (enconv1) never reaches the logits. deconv1 still runs in training, where it moves its batch-norm
    // running statistics as the official forward does; in eval it has no effect and is skipped.
    if (this.training) this.deconv1.forward(cat([skip1, up1], 1));

    return this.final.forward(up1).squeeze(2);
  }
}

export const pscSpec: ModelSpec = {
  name: 'PSC',
  kind: '3d->2d',
  aliases: ['psc', 'psc-net'],
  summary: '3-D encoder-decoder with time-pooled skip connections (batch norm, leaky ReLU); built for 8 frames',
  // Three time-halving stages and the 8/4/2 skip pools bring 8 frames to 1, which the final squeeze removes.
  frames: () => 8,
  sizeMultiple: 8,
  defaults: { num_classes: 2, num_channels: 1, feature_scale: 2 },
  officialDefaults: { num_channels: 1, num_classes: 1, feature_scale: 2 },
  build: (o) => new PSC(o),
};
