// UNet_Nested_3D (official models/d3/unet_nested_3d.py): UNet++ in 3D. The first pooling keeps the frames, the next
// three halve them too; the four nested outputs each go through a DRM head over the 8 frames and are averaged.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { boolOption, positiveIntOption } from './blocks/model-options.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { DRM, DRM_FRAMES } from './blocks/drm.js';
import { initWeights } from './blocks/init-weights.js';

/** n x (Conv3d, [BatchNorm3d], ReLU) as children conv1..convN. */
class unetConv3 extends nn.Module {
  readonly n: number;
  readonly ks: number;
  readonly stride: number;
  readonly padding: number;
  private readonly convs: nn.Sequential[] = [];

  constructor(inSize: number, outSize: number, isBatchnorm: boolean, n = 2, ks = 3, stride = 1, padding = 1) {
    super();
    this.n = n;
    this.ks = ks;
    this.stride = stride;
    this.padding = padding;
    let inC = inSize;
    for (let i = 1; i <= n; i++) {
      const conv = new nn.Conv3d(inC, outSize, ks, { stride, padding });
      const layers = isBatchnorm ? [conv, new nn.BatchNorm3d(outSize), new nn.ReLU({ inplace: true })] : [conv, new nn.ReLU({ inplace: true })];
      this.convs.push(this.registerModule(`conv${i}`, new nn.Sequential(...layers)));
      inC = outSize;
    }
  }

  forward(inputs: Tensor): Tensor {
    let x = inputs;
    for (const conv of this.convs) x = conv.forward(x);
    return x;
  }
}

/** Transposed-conv upsampling of the deeper feature, concatenated with the skips, then unetConv3 without BatchNorm. */
class unetUp extends nn.Module {
  readonly conv: unetConv3;
  readonly up: nn.ConvTranspose3d;

  constructor(inSize: number, outSize: number, isDeconv: boolean, nConcat = 2, kernelSize: number | readonly number[] = 2) {
    super();
    // Official oddity: the non-deconv path upsamples with UpsamplingBilinear2d, which cannot take 5-D features.
    if (!isDeconv) throw new Error('UNet_Nested_3D: is_deconv=false does not work in the official code (UpsamplingBilinear2d on 5-D features)');
    this.conv = this.registerModule('conv', new unetConv3(inSize + (nConcat - 2) * outSize, outSize, false));
    this.up = this.registerModule('up', new nn.ConvTranspose3d(inSize, outSize, kernelSize, { stride: kernelSize, padding: 0 }));
  }

  forward(highFeature: Tensor, ...lowFeature: Tensor[]): Tensor {
    return this.conv.forward(cat([this.up.forward(highFeature), ...lowFeature], 1));
  }
}

const SPATIAL = [1, 2, 2] as const;

export class UNet_Nested_3D extends nn.Module {
  readonly options: ModelOptions;
  readonly in_channels: number;
  readonly feature_scale: number;
  readonly is_deconv: boolean;
  readonly is_batchnorm: boolean;
  readonly is_ds: boolean;
  readonly maxpool: nn.MaxPool3d;
  readonly maxpoolV2: nn.MaxPool3d;
  readonly conv00: unetConv3;
  readonly conv10: unetConv3;
  readonly conv20: unetConv3;
  readonly conv30: unetConv3;
  readonly conv40: unetConv3;
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
    const bn = this.is_batchnorm;
    const dc = this.is_deconv;
    this.maxpool = this.registerModule('maxpool', new nn.MaxPool3d(2));
    this.maxpoolV2 = this.registerModule('maxpoolV2', new nn.MaxPool3d(SPATIAL));
    this.conv00 = this.registerModule('conv00', new unetConv3(this.in_channels, f[0], bn));
    this.conv10 = this.registerModule('conv10', new unetConv3(f[0], f[1], bn));
    this.conv20 = this.registerModule('conv20', new unetConv3(f[1], f[2], bn));
    this.conv30 = this.registerModule('conv30', new unetConv3(f[2], f[3], bn));
    this.conv40 = this.registerModule('conv40', new unetConv3(f[3], f[4], bn));
    this.up_concat01 = this.registerModule('up_concat01', new unetUp(f[1], f[0], dc, 2, SPATIAL));
    this.up_concat11 = this.registerModule('up_concat11', new unetUp(f[2], f[1], dc));
    this.up_concat21 = this.registerModule('up_concat21', new unetUp(f[3], f[2], dc));
    this.up_concat31 = this.registerModule('up_concat31', new unetUp(f[4], f[3], dc));
    this.up_concat02 = this.registerModule('up_concat02', new unetUp(f[1], f[0], dc, 3, SPATIAL));
    this.up_concat12 = this.registerModule('up_concat12', new unetUp(f[2], f[1], dc, 3));
    this.up_concat22 = this.registerModule('up_concat22', new unetUp(f[3], f[2], dc, 3));
    this.up_concat03 = this.registerModule('up_concat03', new unetUp(f[1], f[0], dc, 4, SPATIAL));
    this.up_concat13 = this.registerModule('up_concat13', new unetUp(f[2], f[1], dc, 4));
    this.up_concat04 = this.registerModule('up_concat04', new unetUp(f[1], f[0], dc, 5, SPATIAL));
    this.DRM1 = this.registerModule('DRM1', new DRM(f[0], numClasses));
    this.DRM2 = this.registerModule('DRM2', new DRM(f[0], numClasses));
    this.DRM3 = this.registerModule('DRM3', new DRM(f[0], numClasses));
    this.DRM4 = this.registerModule('DRM4', new DRM(f[0], numClasses));
    this.apply(initWeights);
  }

  forward(inputs: Tensor): Tensor {
    checkInput(unetNested3dSpec, this.options, inputs);
    checkInputChannels('UNet_Nested_3D', inputs, Number(this.options.num_channels));
    const X_00 = this.conv00.forward(inputs);
    const X_10 = this.conv10.forward(this.maxpoolV2.forward(X_00));
    const X_20 = this.conv20.forward(this.maxpool.forward(X_10));
    const X_30 = this.conv30.forward(this.maxpool.forward(X_20));
    const X_40 = this.conv40.forward(this.maxpool.forward(X_30));
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
  officialDefaults: { num_classes: 2, num_channels: 1, feature_scale: 2, is_deconv: true, is_batchnorm: true, is_ds: true },
  build: (o) => new UNet_Nested_3D(o),
};
