// Att_UNet_3D (official models/d3/att_unet_3d.py): the attention-gated 3D U-Net. The first pooling keeps the frames,
// the next three halve them too; skips 2-4 pass through grid attention gates driven by the bottleneck; DRM head.
import { cat, F, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { boolOption, positiveIntOption } from './blocks/model-options.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { DRM, DRM_FRAMES } from './blocks/drm.js';
import { DIM_3D } from './blocks/dims.js';
import { unetConv } from './blocks/unet-nested-blocks.js';
import { showValue } from '../show-value.js';

type Triple = readonly [number, number, number];
type NonlocalMode = 'concatenation' | 'concatenation_debug' | 'concatenation_residual';
const MODES: readonly NonlocalMode[] = ['concatenation', 'concatenation_debug', 'concatenation_residual'];

/**
 * The official init_weights(..., 'kaiming') as it ends up after all of the model's passes: every Conv3d and
 * ConvTranspose3d weight Kaiming-normal (a = 0, fan_in; biases keep PyTorch's default), every BatchNorm3d weight
 * N(1, 0.02) with a zero bias. The DRM's Conv2d keeps PyTorch's default.
 */
function initKaiming(m: nn.Module): void {
  if (m instanceof nn.Conv3d || m instanceof nn.ConvTranspose3d) {
    nn.init.kaimingNormal_(m.weight, { a: 0, mode: 'fan_in' });
  } else if (m instanceof nn.BatchNorm3d) {
    const { weight, bias } = m;
    if (weight) nn.init.normal_(weight, 1, 0.02);
    if (bias) nn.init.constant_(bias, 0);
  }
}

/**
 * The official _GridAttentionBlockND for 3 dimensions (GridAttentionBlock3D): theta(x) at a sub-sampled grid plus the
 * upsampled phi(g), through ReLU (softplus in the debug mode) and psi to one sigmoid map (a softmax over positions in
 * the residual mode), upsampled back to gate x, then W.
 */
class GridAttentionBlock3D extends nn.Module {
  readonly mode: NonlocalMode;
  readonly sub_sample_factor: Triple;
  readonly W: nn.Sequential;
  readonly theta: nn.Conv3d;
  readonly phi: nn.Conv3d;
  readonly psi: nn.Conv3d;

  constructor(
    inChannels: number,
    gatingChannels: number,
    interChannels: number | null,
    mode: NonlocalMode,
    subSampleFactor: Triple,
  ) {
    super();
    this.mode = mode;
    this.sub_sample_factor = subSampleFactor;
    const inter = interChannels ?? Math.max(1, Math.floor(inChannels / 2));
    this.W = this.registerModule(
      'W',
      new nn.Sequential(
        new nn.Conv3d(inChannels, inChannels, 1, { stride: 1, padding: 0 }),
        new nn.BatchNorm3d(inChannels),
      ),
    );
    this.theta = this.registerModule(
      'theta',
      new nn.Conv3d(inChannels, inter, subSampleFactor, { stride: subSampleFactor, padding: 0, bias: false }),
    );
    this.phi = this.registerModule(
      'phi',
      new nn.Conv3d(gatingChannels, inter, 1, { stride: 1, padding: 0, bias: true }),
    );
    this.psi = this.registerModule('psi', new nn.Conv3d(inter, 1, 1, { stride: 1, padding: 0, bias: true }));
  }

  /** Returns the gated, transformed x and the attention map (as the official pair W_y, sigm_psi_f). */
  forward(x: Tensor, g: Tensor): { y: Tensor; attention: Tensor } {
    if (x.size(0) !== g.size(0))
      throw new Error('Att_UNet_3D: the gating signal and the features differ in batch size');
    const thetaX = this.theta.forward(x);
    // F.upsample / F.interpolate with mode 'trilinear' and align_corners left unset (False).
    const phiG = F.interpolate(this.phi.forward(g), {
      size: thetaX.shape.slice(2),
      mode: 'trilinear',
      alignCorners: false,
    });
    const sum = thetaX.add(phiG);
    const f = this.mode === 'concatenation_debug' ? F.softplus(sum) : sum.relu();
    let sigmPsiF: Tensor;
    if (this.mode === 'concatenation_residual') {
      const b = x.size(0);
      sigmPsiF = F.softmax(this.psi.forward(f).view(b, 1, -1), 2).view(b, 1, ...thetaX.shape.slice(2));
    } else {
      sigmPsiF = this.psi.forward(f).sigmoid();
    }
    sigmPsiF = F.interpolate(sigmPsiF, { size: x.shape.slice(2), mode: 'trilinear', alignCorners: false });
    const y = sigmPsiF.expandAs(x).mul(x);
    return { y: this.W.forward(y), attention: sigmPsiF };
  }
}

/** (Conv3d, [BatchNorm3d], ReLU) twice, as children conv1 and conv2: UNet++'s unetConv (blocks/unet-nested-blocks) in 3D. */
class UnetConv3 extends unetConv {
  constructor(inSize: number, outSize: number, isBatchnorm: boolean) {
    super(inSize, outSize, isBatchnorm, DIM_3D);
  }
}

/** A 1x1x1 Conv3d, [BatchNorm3d], ReLU: the gating signal from the bottleneck. */
class UnetGridGatingSignal3 extends nn.Module {
  readonly conv1: nn.Sequential;

  constructor(inSize: number, outSize: number, kernelSize: Triple, isBatchnorm: boolean) {
    super();
    const conv = new nn.Conv3d(inSize, outSize, kernelSize, { stride: 1, padding: 0 });
    this.conv1 = this.registerModule(
      'conv1',
      isBatchnorm
        ? new nn.Sequential(conv, new nn.BatchNorm3d(outSize), new nn.ReLU({ inplace: true }))
        : new nn.Sequential(conv, new nn.ReLU({ inplace: true })),
    );
  }

  forward(inputs: Tensor): Tensor {
    return this.conv1.forward(inputs);
  }
}

/** Upsamples the deeper feature (transposed conv, or trilinear without is_deconv), concatenates after the skip, UnetConv3. */
class UnetUp3 extends nn.Module {
  readonly conv: UnetConv3;
  readonly up: nn.ConvTranspose3d | nn.Upsample;

  constructor(
    inSize: number,
    outSize: number,
    isDeconv: boolean,
    isBatchnorm = true,
    kernelSize: Triple = [2, 2, 2],
    stride: Triple = [2, 2, 2],
  ) {
    super();
    if (isDeconv) {
      this.conv = this.registerModule('conv', new UnetConv3(inSize, outSize, isBatchnorm));
      this.up = this.registerModule('up', new nn.ConvTranspose3d(inSize, outSize, kernelSize, { stride, padding: 0 }));
    } else {
      this.conv = this.registerModule('conv', new UnetConv3(inSize + outSize, outSize, isBatchnorm));
      this.up = this.registerModule('up', new nn.Upsample({ scaleFactor: kernelSize, mode: 'trilinear' }));
    }
  }

  forward(inputs1: Tensor, inputs2: Tensor): Tensor {
    const outputs2 = this.up.forward(inputs2);
    // Official oddity: the offset is measured in frames (dim 2) and the pad list [o, o, 0, o, o, 0] pads width by
    // (o, o), height by (0, o) and frames by (o, 0). It is zero for every input size we accept.
    const offset = outputs2.size(2) - inputs1.size(2);
    const half = Math.floor(offset / 2);
    const outputs1 = half === 0 ? inputs1 : F.pad(inputs1, [half, half, 0, half, half, 0]);
    return this.conv.forward(cat([outputs1, outputs2], 1));
  }
}

function tripleOption(options: ModelOptions, key: string): Triple {
  const value = options[key];
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return [value, value, value];
  if (
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((v) => typeof v === 'number' && Number.isInteger(v) && v > 0)
  ) {
    return [value[0], value[1], value[2]] as Triple;
  }
  throw new Error(`Att_UNet_3D: option '${key}' must be a positive integer or three of them, got ${showValue(value)}`);
}

export class Att_UNet_3D extends nn.Module {
  readonly options: ModelOptions;
  readonly is_deconv: boolean;
  readonly in_channels: number;
  readonly is_batchnorm: boolean;
  readonly feature_scale: number;
  readonly conv1: UnetConv3;
  readonly maxpool1: nn.MaxPool3d;
  readonly conv2: UnetConv3;
  readonly maxpool2: nn.MaxPool3d;
  readonly conv3: UnetConv3;
  readonly maxpool3: nn.MaxPool3d;
  readonly conv4: UnetConv3;
  readonly maxpool4: nn.MaxPool3d;
  readonly center: UnetConv3;
  readonly gating: UnetGridGatingSignal3;
  readonly attentionblock2: GridAttentionBlock3D;
  readonly attentionblock3: GridAttentionBlock3D;
  readonly attentionblock4: GridAttentionBlock3D;
  readonly up_concat4: UnetUp3;
  readonly up_concat3: UnetUp3;
  readonly up_concat2: UnetUp3;
  readonly up_concat1: UnetUp3;
  readonly DRM: DRM;

  constructor(options: ModelOptions) {
    super();
    const name = 'Att_UNet_3D';
    this.feature_scale = positiveIntOption(options, 'feature_scale', name);
    const numClasses = positiveIntOption(options, 'num_classes', name);
    this.is_deconv = boolOption(options, 'is_deconv', name);
    this.in_channels = positiveIntOption(options, 'num_channels', name);
    const mode = options.nonlocal_mode;
    if (!MODES.includes(mode as NonlocalMode))
      throw new Error(`${name}: option 'nonlocal_mode' must be one of ${MODES.join(', ')}, got ${showValue(mode)}`);
    const dsample = tripleOption(options, 'attention_dsample');
    this.is_batchnorm = boolOption(options, 'is_batchnorm', name);
    this.options = { ...options };
    const f = [64, 128, 256, 512, 1024].map((c) => Math.trunc(c / this.feature_scale));
    const bn = this.is_batchnorm;
    const nm = mode as NonlocalMode;
    this.conv1 = this.registerModule('conv1', new UnetConv3(this.in_channels, f[0], bn));
    this.maxpool1 = this.registerModule('maxpool1', new nn.MaxPool3d([1, 2, 2]));
    this.conv2 = this.registerModule('conv2', new UnetConv3(f[0], f[1], bn));
    this.maxpool2 = this.registerModule('maxpool2', new nn.MaxPool3d([2, 2, 2]));
    this.conv3 = this.registerModule('conv3', new UnetConv3(f[1], f[2], bn));
    this.maxpool3 = this.registerModule('maxpool3', new nn.MaxPool3d([2, 2, 2]));
    this.conv4 = this.registerModule('conv4', new UnetConv3(f[2], f[3], bn));
    this.maxpool4 = this.registerModule('maxpool4', new nn.MaxPool3d([2, 2, 2]));
    this.center = this.registerModule('center', new UnetConv3(f[3], f[4], bn));
    this.gating = this.registerModule('gating', new UnetGridGatingSignal3(f[4], f[3], [1, 1, 1], bn));
    this.attentionblock2 = this.registerModule(
      'attentionblock2',
      new GridAttentionBlock3D(f[1], f[3], f[1], nm, dsample),
    );
    this.attentionblock3 = this.registerModule(
      'attentionblock3',
      new GridAttentionBlock3D(f[2], f[3], f[2], nm, dsample),
    );
    this.attentionblock4 = this.registerModule(
      'attentionblock4',
      new GridAttentionBlock3D(f[3], f[3], f[3], nm, dsample),
    );
    this.up_concat4 = this.registerModule('up_concat4', new UnetUp3(f[4], f[3], this.is_deconv, bn));
    this.up_concat3 = this.registerModule('up_concat3', new UnetUp3(f[3], f[2], this.is_deconv, bn));
    this.up_concat2 = this.registerModule('up_concat2', new UnetUp3(f[2], f[1], this.is_deconv, bn));
    this.up_concat1 = this.registerModule(
      'up_concat1',
      new UnetUp3(f[1], f[0], this.is_deconv, bn, [1, 2, 2], [1, 2, 2]),
    );
    this.DRM = this.registerModule('DRM', new DRM(f[0], numClasses));
    this.apply(initKaiming);
  }

  forward(inputs: Tensor): Tensor {
    checkInput(attUnet3dSpec, this.options, inputs);
    checkInputChannels('Att_UNet_3D', inputs, Number(this.options.num_channels));
    const conv1 = this.conv1.forward(inputs);
    const conv2 = this.conv2.forward(this.maxpool1.forward(conv1));
    const conv3 = this.conv3.forward(this.maxpool2.forward(conv2));
    const conv4 = this.conv4.forward(this.maxpool3.forward(conv3));
    const center = this.center.forward(this.maxpool4.forward(conv4));
    const gating = this.gating.forward(center);
    // The attention maps are returned by the gates but unused by the official forward.
    const gConv4 = this.attentionblock4.forward(conv4, gating).y;
    const gConv3 = this.attentionblock3.forward(conv3, gating).y;
    const gConv2 = this.attentionblock2.forward(conv2, gating).y;
    const up4 = this.up_concat4.forward(gConv4, center);
    const up3 = this.up_concat3.forward(gConv3, up4);
    const up2 = this.up_concat2.forward(gConv2, up3);
    const up1 = this.up_concat1.forward(conv1, up2);
    return this.DRM.forward(up1);
  }
}

export const attUnet3dSpec: ModelSpec = {
  name: 'Att_UNet_3D',
  kind: '3d',
  aliases: ['att-unet-3d', 'attention-unet-3d', 'attunet3d'],
  summary: 'Attention U-Net in 3D: grid attention gates on the skips, 4 poolings (3 also in time), DRM head',
  // Three poolings halve the frames and the head's Conv2d takes exactly 8.
  frames: () => DRM_FRAMES,
  sizeMultiple: 16,
  defaults: {
    feature_scale: 2,
    num_classes: 2,
    is_deconv: true,
    num_channels: 1,
    nonlocal_mode: 'concatenation',
    attention_dsample: [2, 2, 2],
    is_batchnorm: true,
  },
  officialDefaults: {
    feature_scale: 2,
    num_classes: 2,
    is_deconv: true,
    num_channels: 3,
    nonlocal_mode: 'concatenation',
    attention_dsample: [2, 2, 2],
    is_batchnorm: true,
  },
  build: (o) => new Att_UNet_3D(o),
};
