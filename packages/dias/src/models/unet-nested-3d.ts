// UNet_Nested_3D (official models/d3/unet_nested_3d.py): UNet++ in 3D. The first pooling keeps the frames, the next
// three halve them too; the four nested outputs each go through a DRM head over the 8 frames and are averaged.
import { nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { boolOption, positiveIntOption } from './blocks/model-options.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { DRM, DRM_FRAMES } from './blocks/drm.js';
import { initWeights } from './blocks/init-weights.js';
import { DIM_3D } from './blocks/dims.js';
import { registerUNetNestedNodes, unetNestedForward, type UNetNestedNodes } from './blocks/unet-nested-blocks.js';

const SPATIAL = [1, 2, 2] as const;

/**
 * The nodes conv00 ... up_concat04, set in the constructor by registerUNetNestedNodes: unet_nested_3d.py's unetConv3
 * and unetUp are blocks/unet-nested-blocks' unetConv and unetUp in 3D, the ups into level 0 with a (1, 2, 2) kernel
 * and stride.
 */
export interface UNet_Nested_3D extends UNetNestedNodes {}

export class UNet_Nested_3D extends nn.Module {
  readonly options: ModelOptions;
  readonly in_channels: number;
  readonly feature_scale: number;
  readonly is_deconv: boolean;
  readonly is_batchnorm: boolean;
  readonly is_ds: boolean;
  readonly maxpool: nn.MaxPool3d;
  readonly maxpoolV2: nn.MaxPool3d;
  readonly DRM1: DRM;
  readonly DRM2: DRM;
  readonly DRM3: DRM;
  readonly DRM4: DRM;

  constructor(options: ModelOptions) {
    super();
    const name = 'UNet_Nested_3D';
    this.in_channels = positiveIntOption(options, 'num_channels', name);
    const numClasses = positiveIntOption(options, 'num_classes', name);
    this.feature_scale = positiveIntOption(options, 'feature_scale', name);
    this.is_deconv = boolOption(options, 'is_deconv', name);
    this.is_batchnorm = boolOption(options, 'is_batchnorm', name);
    this.is_ds = boolOption(options, 'is_ds', name);
    this.options = { ...options };
    const f = [64, 128, 256, 512, 1024].map((c) => Math.trunc(c / this.feature_scale));
    // Official oddity: the non-deconv path upsamples with UpsamplingBilinear2d, which cannot take 5-D features.
    if (!this.is_deconv)
      throw new Error(
        'UNet_Nested_3D: is_deconv=false does not work in the official code (UpsamplingBilinear2d on 5-D features)',
      );
    this.maxpool = this.registerModule('maxpool', new nn.MaxPool3d(2));
    this.maxpoolV2 = this.registerModule('maxpoolV2', new nn.MaxPool3d(SPATIAL));
    Object.assign(
      this,
      registerUNetNestedNodes(this, this.in_channels, f, this.is_batchnorm, this.is_deconv, DIM_3D, SPATIAL),
    );
    this.DRM1 = this.registerModule('DRM1', new DRM(f[0], numClasses));
    this.DRM2 = this.registerModule('DRM2', new DRM(f[0], numClasses));
    this.DRM3 = this.registerModule('DRM3', new DRM(f[0], numClasses));
    this.DRM4 = this.registerModule('DRM4', new DRM(f[0], numClasses));
    this.apply(initWeights);
  }

  forward(inputs: Tensor): Tensor {
    checkInput(unetNested3dSpec, this.options, inputs);
    checkInputChannels('UNet_Nested_3D', inputs, Number(this.options.num_channels));
    const [X_01, X_02, X_03, X_04] = unetNestedForward(this, inputs, this.maxpoolV2, this.maxpool);
    // The official code runs all four heads either way; without deep supervision only the last one is returned.
    if (!this.is_ds) return this.DRM4.forward(X_04);
    return this.DRM1.forward(X_01)
      .add(this.DRM2.forward(X_02))
      .add(this.DRM3.forward(X_03))
      .add(this.DRM4.forward(X_04))
      .div(4);
  }
}

export const unetNested3dSpec: ModelSpec = {
  name: 'UNet_Nested_3D',
  kind: '3d',
  aliases: ['unet-nested-3d', 'unet++-3d', 'unetpp-3d', 'unetnested3d'],
  summary: 'UNet++ in 3D (4 poolings, 3 of them also in time), four DRM heads over the 8 frames averaged',
  // Three poolings halve the frames and each head's Conv2d takes exactly 8.
  frames: () => DRM_FRAMES,
  sizeMultiple: 16,
  defaults: { num_classes: 2, num_channels: 1, feature_scale: 2, is_deconv: true, is_batchnorm: true, is_ds: true },
  officialDefaults: {
    num_classes: 2,
    num_channels: 1,
    feature_scale: 2,
    is_deconv: true,
    is_batchnorm: true,
    is_ds: true,
  },
  build: (o) => new UNet_Nested_3D(o),
};
