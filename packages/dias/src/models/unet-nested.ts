// UNet++ (Zhou et al.) as the official models/d2/unet_nested.py: nested dense skip paths between a five-level
// encoder and every decoder column, with deep supervision averaged over four 1x1 heads. Frames are input channels.
import { cat, nn, scope, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { initWeights } from './blocks/init-weights.js';
import { boolOption, positiveIntOption, positiveNumberOption } from './blocks/model-options.js';

/** n convolutions (each with BN when asked) and ReLU, registered as conv1 … convn. */
export class unetConv2 extends nn.Module {
  readonly n: number;
  private readonly convs: nn.Sequential[] = [];

  constructor(in_size: number, out_size: number, is_batchnorm: boolean, n = 2, ks = 3, stride = 1, padding = 1) {
    super();
    this.n = n;
    let channels = in_size;
    for (let i = 1; i <= n; i++) {
      const conv = is_batchnorm
        ? new nn.Sequential(new nn.Conv2d(channels, out_size, ks, { stride, padding }), new nn.BatchNorm2d(out_size), new nn.ReLU({ inplace: true }))
        : new nn.Sequential(new nn.Conv2d(channels, out_size, ks, { stride, padding }), new nn.ReLU({ inplace: true }));
      this.convs.push(this.registerModule(`conv${i}`, conv));
      channels = out_size;
    }
  }

  forward(inputs: Tensor): Tensor {
    let x = inputs;
    for (const conv of this.convs) x = conv.forward(x);
    return x;
  }
}

/** Upsamples the deeper node, concatenates [up, ...same-level nodes] and applies a unetConv2 without batch norm. */
export class unetUp extends nn.Module {
  readonly conv: unetConv2;
  readonly up: nn.ConvTranspose2d | nn.Sequential;

  constructor(in_size: number, out_size: number, is_deconv: boolean, n_concat = 2) {
    super();
    // The official decoder convolutions never use batch norm, whatever is_batchnorm says.
    this.conv = this.registerModule('conv', new unetConv2(in_size + (n_concat - 2) * out_size, out_size, false));
    this.up = is_deconv
      ? this.registerModule('up', new nn.ConvTranspose2d(in_size, out_size, 2, { stride: 2, padding: 0 }))
      // UpsamplingBilinear2d is bilinear interpolation with align_corners=True.
      : this.registerModule('up', new nn.Sequential(new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }), new nn.Conv2d(in_size, out_size, 1)));
  }

  forward(high_feature: Tensor, ...low_feature: Tensor[]): Tensor {
    return this.conv.forward(cat([this.up.forward(high_feature), ...low_feature], 1));
  }
}

export class UNet_Nested extends nn.Module {
  readonly options: ModelOptions;
  readonly is_ds: boolean;
  readonly maxpool: nn.MaxPool2d;
  readonly conv00: unetConv2;
  readonly conv10: unetConv2;
  readonly conv20: unetConv2;
  readonly conv30: unetConv2;
  readonly conv40: unetConv2;
  readonly up_concat01: unetUp;
  readonly up_concat11: unetUp;
  readonly up_concat21: unetUp;
  readonly up_concat31: unetUp;
  readonly up_concat02: unetUp;
  readonly up_concat12: unetUp;
  readonly up_concat22: unetUp;
  readonly up_concat03: unetUp;
  readonly up_concat13: unetUp;
  readonly up_concat04: unetUp;
  readonly final_1: nn.Conv2d;
  readonly final_2: nn.Conv2d;
  readonly final_3: nn.Conv2d;
  readonly final_4: nn.Conv2d;

  constructor(options: ModelOptions) {
    super();
    const model = 'UNet_Nested';
    const num_channels = positiveIntOption(options, 'num_channels', model);
    const num_classes = positiveIntOption(options, 'num_classes', model);
    const feature_scale = positiveNumberOption(options, 'feature_scale', model);
    const is_deconv = boolOption(options, 'is_deconv', model);
    const is_batchnorm = boolOption(options, 'is_batchnorm', model);
    this.is_ds = boolOption(options, 'is_ds', model);
    this.options = { ...options, num_channels, num_classes, feature_scale, is_deconv, is_batchnorm, is_ds: this.is_ds };
    const f = [64, 128, 256, 512, 1024].map((c) => Math.trunc(c / feature_scale));

    this.maxpool = this.registerModule('maxpool', new nn.MaxPool2d(2));
    this.conv00 = this.registerModule('conv00', new unetConv2(num_channels, f[0], is_batchnorm));
    this.conv10 = this.registerModule('conv10', new unetConv2(f[0], f[1], is_batchnorm));
    this.conv20 = this.registerModule('conv20', new unetConv2(f[1], f[2], is_batchnorm));
    this.conv30 = this.registerModule('conv30', new unetConv2(f[2], f[3], is_batchnorm));
    this.conv40 = this.registerModule('conv40', new unetConv2(f[3], f[4], is_batchnorm));

    this.up_concat01 = this.registerModule('up_concat01', new unetUp(f[1], f[0], is_deconv));
    this.up_concat11 = this.registerModule('up_concat11', new unetUp(f[2], f[1], is_deconv));
    this.up_concat21 = this.registerModule('up_concat21', new unetUp(f[3], f[2], is_deconv));
    this.up_concat31 = this.registerModule('up_concat31', new unetUp(f[4], f[3], is_deconv));
    this.up_concat02 = this.registerModule('up_concat02', new unetUp(f[1], f[0], is_deconv, 3));
    this.up_concat12 = this.registerModule('up_concat12', new unetUp(f[2], f[1], is_deconv, 3));
    this.up_concat22 = this.registerModule('up_concat22', new unetUp(f[3], f[2], is_deconv, 3));
    this.up_concat03 = this.registerModule('up_concat03', new unetUp(f[1], f[0], is_deconv, 4));
    this.up_concat13 = this.registerModule('up_concat13', new unetUp(f[2], f[1], is_deconv, 4));
    this.up_concat04 = this.registerModule('up_concat04', new unetUp(f[1], f[0], is_deconv, 5));

    this.final_1 = this.registerModule('final_1', new nn.Conv2d(f[0], num_classes, 1));
    this.final_2 = this.registerModule('final_2', new nn.Conv2d(f[0], num_classes, 1));
    this.final_3 = this.registerModule('final_3', new nn.Conv2d(f[0], num_classes, 1));
    this.final_4 = this.registerModule('final_4', new nn.Conv2d(f[0], num_classes, 1));

    this.apply(initWeights);
  }

  forward(inputs: Tensor): Tensor {
    checkInput(unetNestedSpec, this.options, inputs);
    return scope(() => {
      // Column 0: the encoder.
      const X_00 = this.conv00.forward(inputs);
      const X_10 = this.conv10.forward(this.maxpool.forward(X_00));
      const X_20 = this.conv20.forward(this.maxpool.forward(X_10));
      const X_30 = this.conv30.forward(this.maxpool.forward(X_20));
      const X_40 = this.conv40.forward(this.maxpool.forward(X_30));
      // Columns 1-4: each node takes the node below it and every earlier node of its level.
      const X_01 = this.up_concat01.forward(X_10, X_00);
      const X_11 = this.up_concat11.forward(X_20, X_10);
      const X_21 = this.up_concat21.forward(X_30, X_20);
      const X_31 = this.up_concat31.forward(X_40, X_30);
      const X_02 = this.up_concat02.forward(X_11, X_00, X_01);
      const X_12 = this.up_concat12.forward(X_21, X_10, X_11);
      const X_22 = this.up_concat22.forward(X_31, X_20, X_21);
      const X_03 = this.up_concat03.forward(X_12, X_00, X_01, X_02);
      const X_13 = this.up_concat13.forward(X_22, X_10, X_11, X_12);
      const X_04 = this.up_concat04.forward(X_13, X_00, X_01, X_02, X_03);

      const final_4 = this.final_4.forward(X_04);
      if (!this.is_ds) return final_4;
      // Deep supervision: the mean of the four heads, in training and in eval alike.
      const sum = this.final_1.forward(X_01).add(this.final_2.forward(X_02)).add(this.final_3.forward(X_03)).add(final_4);
      return sum.div(4);
    });
  }
}

export const unetNestedSpec: ModelSpec = {
  name: 'UNet_Nested',
  kind: '2d',
  aliases: ['unet++', 'unetpp', 'unet-plus-plus', 'unet-nested', 'nested-unet'],
  summary: 'UNet++: nested dense skip paths, channels 32-512 (feature_scale 2), output the mean of four deep-supervision heads; the frames are input channels',
  frames: (o) => Number(o.num_channels),
  sizeMultiple: 16,
  defaults: { num_classes: 2, num_channels: 8, feature_scale: 2, is_deconv: true, is_batchnorm: true, is_ds: true },
  officialDefaults: { num_channels: 1, num_classes: 2, feature_scale: 2, is_deconv: true, is_batchnorm: true, is_ds: true },
  build: (o) => new UNet_Nested(o),
};
