// UNet++ (Zhou et al.) as the official models/d2/unet_nested.py: nested dense skip paths between a five-level
// encoder and every decoder column, with deep supervision averaged over four 1x1 heads. Frames are input channels.
import { nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { initWeights } from './blocks/init-weights.js';
import { boolOption, positiveIntOption, positiveNumberOption } from './blocks/model-options.js';
import { registerUNetNestedNodes, unetNestedForward, type UNetNestedNodes } from './blocks/unet-nested-blocks.js';

// unet_nested.py's unetConv2 and unetUp are blocks/unet-nested-blocks' unetConv (in 2D) and unetUp.
export { unetConv as unetConv2, unetUp } from './blocks/unet-nested-blocks.js';

/** The nodes conv00 ... up_concat04 (blocks/unet-nested-blocks), set in the constructor by registerUNetNestedNodes. */
export interface UNet_Nested extends UNetNestedNodes {}

export class UNet_Nested extends nn.Module {
  readonly options: ModelOptions;
  readonly is_ds: boolean;
  readonly maxpool: nn.MaxPool2d;
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
    Object.assign(this, registerUNetNestedNodes(this, num_channels, f, is_batchnorm, is_deconv));

    this.final_1 = this.registerModule('final_1', new nn.Conv2d(f[0], num_classes, 1));
    this.final_2 = this.registerModule('final_2', new nn.Conv2d(f[0], num_classes, 1));
    this.final_3 = this.registerModule('final_3', new nn.Conv2d(f[0], num_classes, 1));
    this.final_4 = this.registerModule('final_4', new nn.Conv2d(f[0], num_classes, 1));

    this.apply(initWeights);
  }

  forward(inputs: Tensor): Tensor {
    checkInput(unetNestedSpec, this.options, inputs);
    const [X_01, X_02, X_03, X_04] = unetNestedForward(this, inputs, this.maxpool, this.maxpool);
    const final_4 = this.final_4.forward(X_04);
    if (!this.is_ds) return final_4;
    // Deep supervision: the mean of the four heads, in training and in eval alike.
    const sum = this.final_1.forward(X_01).add(this.final_2.forward(X_02)).add(this.final_3.forward(X_03)).add(final_4);
    return sum.div(4);
  }
}

export const unetNestedSpec: ModelSpec = {
  name: 'UNet_Nested',
  kind: '2d',
  aliases: ['unet++', 'unetpp', 'unet-plus-plus', 'unet-nested', 'nested-unet'],
  summary:
    'UNet++: nested dense skip paths, channels 32-512 (feature_scale 2), output the mean of four deep-supervision heads; the frames are input channels',
  frames: (o) => Number(o.num_channels),
  sizeMultiple: 16,
  defaults: { num_classes: 2, num_channels: 8, feature_scale: 2, is_deconv: true, is_batchnorm: true, is_ds: true },
  officialDefaults: {
    num_channels: 1,
    num_classes: 2,
    feature_scale: 2,
    is_deconv: true,
    is_batchnorm: true,
    is_ds: true,
  },
  build: (o) => new UNet_Nested(o),
};
