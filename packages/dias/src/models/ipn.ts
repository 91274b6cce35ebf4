// IPN (image projection network) as the official models/d3tod2/ipn.py: the sequence is resampled to 32x64x64, then
// five projective learning modules (three 3x3x3 convolutions, then a 2x max pool along time) project the 32
// frames down to one, and three more 3x3x3 convolutions give the logits.
import { F, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { initWeights } from './blocks/init-weights.js';
import { positiveIntOption } from './blocks/model-options.js';
import { checkInputChannels } from './blocks/frames.js';

/** The size (frames, height, width) every input is resampled to: 32 frames pool 2x five times down to one. */
const IPN_SIZE = [32, 64, 64] as const;

/** Projective learning module: three 3x3x3 convolutions with leaky ReLU, then max pooling by 2 along time only. */
export class PLM extends nn.Module {
  readonly conv: nn.Sequential;
  readonly UN_maxpooling: nn.MaxPool3d;

  constructor(in_c: number, out_c: number) {
    super();
    this.conv = this.registerModule(
      'conv',
      new nn.Sequential(
        new nn.Conv3d(in_c, out_c, 3, { padding: 1, bias: false }),
        new nn.LeakyReLU(0.1, { inplace: true }),
        new nn.Conv3d(out_c, out_c, 3, { padding: 1, bias: false }),
        new nn.LeakyReLU(0.1, { inplace: true }),
        new nn.Conv3d(out_c, out_c, 3, { padding: 1, bias: false }),
        new nn.LeakyReLU(0.1, { inplace: true }),
      ),
    );
    this.UN_maxpooling = this.registerModule('UN_maxpooling', new nn.MaxPool3d([2, 1, 1], { stride: [2, 1, 1] }));
  }

  forward(x: Tensor): Tensor {
    return this.UN_maxpooling.forward(this.conv.forward(x));
  }
}

export class IPN extends nn.Module {
  readonly options: ModelOptions;
  readonly PLM1: PLM;
  readonly PLM2: PLM;
  readonly PLM3: PLM;
  readonly PLM4: PLM;
  readonly PLM5: PLM;
  readonly RC_conv: nn.Sequential;

  constructor(options: ModelOptions) {
    super();
    const num_channels = positiveIntOption(options, 'num_channels', 'IPN');
    const num_classes = positiveIntOption(options, 'num_classes', 'IPN');
    const feature_scale = positiveIntOption(options, 'feature_scale', 'IPN');
    const filters = [64, 128, 256, 512, 1024].map((f) => Math.trunc(f / feature_scale));
    if (filters[0] < 1) throw new Error(`IPN: feature_scale ${feature_scale} leaves no channels (at most 64)`);
    this.options = { ...options, num_channels, num_classes, feature_scale };
    // The official first module takes 1 channel whatever num_channels says; kept, so only 1-channel input works.
    this.PLM1 = this.registerModule('PLM1', new PLM(1, filters[0]));
    this.PLM2 = this.registerModule('PLM2', new PLM(filters[0], filters[1]));
    this.PLM3 = this.registerModule('PLM3', new PLM(filters[1], filters[2]));
    this.PLM4 = this.registerModule('PLM4', new PLM(filters[2], filters[3]));
    this.PLM5 = this.registerModule('PLM5', new PLM(filters[3], filters[4]));
    // The classifier ends in a leaky ReLU too, as in the official code, so negative logits are scaled by 0.1.
    this.RC_conv = this.registerModule(
      'RC_conv',
      new nn.Sequential(
        new nn.Conv3d(filters[4], filters[2], 3, { padding: 1, bias: false }),
        new nn.LeakyReLU(0.1, { inplace: true }),
        new nn.Conv3d(filters[2], filters[0], 3, { padding: 1, bias: false }),
        new nn.LeakyReLU(0.1, { inplace: true }),
        new nn.Conv3d(filters[0], num_classes, 3, { padding: 1, bias: false }),
        new nn.LeakyReLU(0.1, { inplace: true }),
      ),
    );
    this.apply(initWeights);
  }

  /** [B, 1, T, H, W] → [B, num_classes, 64, 64]: any input is resampled to 32x64x64, so the output is always 64x64. */
  forward(x: Tensor): Tensor {
    checkInput(ipnSpec, this.options, x);
    checkInputChannels('IPN', x, 1);
    let y = F.interpolate(x, { size: IPN_SIZE, mode: 'trilinear', alignCorners: false });
    y = this.PLM1.forward(y);
    y = this.PLM2.forward(y);
    y = this.PLM3.forward(y);
    y = this.PLM4.forward(y);
    y = this.PLM5.forward(y);
    return this.RC_conv.forward(y).squeeze(2);
  }
}

export const ipnSpec: ModelSpec = {
  name: 'IPN',
  kind: '3d->2d',
  aliases: ['ipn', 'image-projection-network'],
  summary:
    'Image projection network: resamples to 32x64x64 and pools time away with 3-D convolutions; output always 64x64',
  // Any frame count and size: the input is resampled to IPN_SIZE (frames, height, width) first.
  frames: () => 'any',
  sizeMultiple: 1,
  fixedSize: IPN_SIZE,
  defaults: { num_classes: 2, num_channels: 1, feature_scale: 4 },
  officialDefaults: { num_channels: 1, num_classes: 1, feature_scale: 4 },
  build: (o) => new IPN(o),
};
