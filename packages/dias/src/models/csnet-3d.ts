// CSNet_3D (official models/d3/csnet_3d.py): a residual 3D encoder-decoder with spatial and channel affinity
// attention at the bottleneck; the first pooling keeps the frames, the next three halve them; DRM head.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { positiveIntOption } from './blocks/model-options.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { DRM, DRM_FRAMES } from './blocks/drm.js';
import { GammaAttention } from './blocks/gamma-attention.js';
import { DIM_3D } from './blocks/dims.js';
import { Decoder, ResEncoder } from './blocks/csnet-blocks.js';

function downsample(): nn.MaxPool3d {
  return new nn.MaxPool3d(2, { stride: 2 });
}
function downsampleV2(): nn.MaxPool3d {
  return new nn.MaxPool3d([1, 2, 2], { stride: [1, 2, 2] });
}
function deconv(inChannels: number, outChannels: number): nn.ConvTranspose3d {
  return new nn.ConvTranspose3d(inChannels, outChannels, 2, { stride: 2 });
}
function deconvV2(inChannels: number, outChannels: number): nn.ConvTranspose3d {
  return new nn.ConvTranspose3d(inChannels, outChannels, [1, 2, 2], { stride: [1, 2, 2] });
}

/** The official initialize_weights: Kaiming-normal Conv3d/Linear weights with zero biases, BatchNorm3d to identity. */
function initializeWeights(model: nn.Module): void {
  for (const m of model.modules()) {
    if (m instanceof nn.Conv3d || m instanceof nn.Linear) {
      nn.init.kaimingNormal_(m.weight);
      const bias = m.optionalParam('bias');
      if (bias) nn.init.zeros_(bias);
    } else if (m instanceof nn.BatchNorm3d) {
      const { weight, bias } = m;
      if (weight) nn.init.ones_(weight);
      if (bias) nn.init.zeros_(bias);
    }
  }
}

/** csnet.py's ResEncoder (blocks/csnet-blocks) in 3D. */
class ResEncoder3d extends ResEncoder {
  constructor(inChannels: number, outChannels: number) {
    super(inChannels, outChannels, DIM_3D);
  }
}

/** csnet.py's Decoder (blocks/csnet-blocks) in 3D; its ReLUs are not in place (inplace=False), unlike the 2D ones. */
class Decoder3d extends Decoder {
  constructor(inChannels: number, outChannels: number) {
    super(inChannels, outChannels, DIM_3D, false);
  }
}

/** Affinity over all N = T*H*W positions from three directional projections; adds gamma * attended values. */
class SpatialAttentionBlock3d extends GammaAttention {
  readonly query: nn.Conv3d;
  readonly key: nn.Conv3d;
  readonly judge: nn.Conv3d;
  readonly value: nn.Conv3d;
  readonly softmax: nn.Softmax;

  constructor(inChannels: number) {
    super();
    const inner = Math.floor(inChannels / 8);
    this.query = this.registerModule('query', new nn.Conv3d(inChannels, inner, [1, 3, 1], { padding: [0, 1, 0] }));
    this.key = this.registerModule('key', new nn.Conv3d(inChannels, inner, [3, 1, 1], { padding: [1, 0, 0] }));
    this.judge = this.registerModule('judge', new nn.Conv3d(inChannels, inner, [1, 1, 3], { padding: [0, 0, 1] }));
    this.value = this.registerModule('value', new nn.Conv3d(inChannels, inChannels, 1));
    this.softmax = this.registerGammaSoftmax();
  }

  forward(x: Tensor): Tensor {
    const [B, C, H, W, D] = x.shape;
    const n = W * H * D;
    const projQuery = this.query.forward(x).view(B, -1, n).permute(0, 2, 1);
    const projKey = this.key.forward(x).view(B, -1, n);
    const projJudge = this.judge.forward(x).view(B, -1, n).permute(0, 2, 1);
    const affinity1 = projQuery.matmul(projKey);
    const affinity2 = projJudge.matmul(projKey);
    const affinity = this.softmax.forward(affinity1.matmul(affinity2));
    const projValue = this.value.forward(x).view(B, -1, n);
    const weights = projValue.matmul(affinity).view(B, C, H, W, D);
    return this.addScaled(weights, x);
  }
}

/** Channel affinity (C x C) turned into attention by max-minus-affinity and softmax; adds gamma * attended values. */
class ChannelAttentionBlock3d extends GammaAttention {
  readonly softmax: nn.Softmax;

  constructor(_inChannels: number) {
    super();
    this.softmax = this.registerGammaSoftmax();
  }

  forward(x: Tensor): Tensor {
    const [B, C, H, W, D] = x.shape;
    const projKey = x.view(B, C, -1);
    // The official query and judge projections are both x.view(B, C, -1).permute(0, 2, 1), so its affinity1 and
    // affinity2 are the same product: computed once here.
    const affinity1 = projKey.matmul(projKey.permute(0, 2, 1));
    const affinity = affinity1.matmul(affinity1);
    const affinityNew = this.softmax.forward(affinity.max(-1, true).values.expandAs(affinity).sub(affinity));
    const weights = affinityNew.matmul(projKey).view(B, C, H, W, D);
    return this.addScaled(weights, x);
  }
}

class AffinityAttention3d extends nn.Module {
  readonly sab: SpatialAttentionBlock3d;
  readonly cab: ChannelAttentionBlock3d;

  constructor(inChannels: number) {
    super();
    this.sab = this.registerModule('sab', new SpatialAttentionBlock3d(inChannels));
    this.cab = this.registerModule('cab', new ChannelAttentionBlock3d(inChannels));
  }

  forward(x: Tensor): Tensor {
    return this.sab.forward(x).add(this.cab.forward(x)).add(x);
  }
}

export class CSNet_3D extends nn.Module {
  readonly options: ModelOptions;
  readonly enc_input: ResEncoder3d;
  readonly encoder1: ResEncoder3d;
  readonly encoder2: ResEncoder3d;
  readonly encoder3: ResEncoder3d;
  readonly encoder4: ResEncoder3d;
  readonly downsample: nn.MaxPool3d;
  readonly downsampleV2: nn.MaxPool3d;
  readonly affinity_attention: AffinityAttention3d;
  readonly attention_fuse: nn.Conv3d;
  readonly decoder4: Decoder3d;
  readonly decoder3: Decoder3d;
  readonly decoder2: Decoder3d;
  readonly decoder1: Decoder3d;
  readonly deconv4: nn.ConvTranspose3d;
  readonly deconv3: nn.ConvTranspose3d;
  readonly deconv2: nn.ConvTranspose3d;
  readonly deconv1: nn.ConvTranspose3d;
  readonly DRM: DRM;

  constructor(options: ModelOptions) {
    super();
    const numClasses = positiveIntOption(options, 'num_classes', 'CSNet_3D');
    const numChannels = positiveIntOption(options, 'num_channels', 'CSNet_3D');
    this.options = { ...options };
    this.enc_input = this.registerModule('enc_input', new ResEncoder3d(numChannels, 32));
    this.encoder1 = this.registerModule('encoder1', new ResEncoder3d(32, 64));
    this.encoder2 = this.registerModule('encoder2', new ResEncoder3d(64, 128));
    this.encoder3 = this.registerModule('encoder3', new ResEncoder3d(128, 256));
    this.encoder4 = this.registerModule('encoder4', new ResEncoder3d(256, 512));
    this.downsample = this.registerModule('downsample', downsample());
    this.downsampleV2 = this.registerModule('downsampleV2', downsampleV2());
    this.affinity_attention = this.registerModule('affinity_attention', new AffinityAttention3d(512));
    // Official oddity: built (and in the state dict) but never used in forward.
    this.attention_fuse = this.registerModule('attention_fuse', new nn.Conv3d(512 * 2, 512, 1));
    this.decoder4 = this.registerModule('decoder4', new Decoder3d(512, 256));
    this.decoder3 = this.registerModule('decoder3', new Decoder3d(256, 128));
    this.decoder2 = this.registerModule('decoder2', new Decoder3d(128, 64));
    this.decoder1 = this.registerModule('decoder1', new Decoder3d(64, 32));
    this.deconv4 = this.registerModule('deconv4', deconv(512, 256));
    this.deconv3 = this.registerModule('deconv3', deconv(256, 128));
    this.deconv2 = this.registerModule('deconv2', deconv(128, 64));
    this.deconv1 = this.registerModule('deconv1', deconvV2(64, 32));
    this.DRM = this.registerModule('DRM', new DRM(32, numClasses));
    initializeWeights(this);
  }

  forward(x: Tensor): Tensor {
    checkInput(csnet3dSpec, this.options, x);
    checkInputChannels('CSNet_3D', x, Number(this.options.num_channels));
    const encInput = this.enc_input.forward(x);
    // The official first pooling keeps the frames ((1, 2, 2)); the other three halve them too.
    const enc1 = this.encoder1.forward(this.downsampleV2.forward(encInput));
    const enc2 = this.encoder2.forward(this.downsample.forward(enc1));
    const enc3 = this.encoder3.forward(this.downsample.forward(enc2));
    const inputFeature = this.encoder4.forward(this.downsample.forward(enc3));
    // The attention output already contains the input once; adding it again is the official arithmetic.
    const attentionFuse = inputFeature.add(this.affinity_attention.forward(inputFeature));
    const dec4 = this.decoder4.forward(cat([enc3, this.deconv4.forward(attentionFuse)], 1));
    const dec3 = this.decoder3.forward(cat([enc2, this.deconv3.forward(dec4)], 1));
    const dec2 = this.decoder2.forward(cat([enc1, this.deconv2.forward(dec3)], 1));
    const dec1 = this.decoder1.forward(cat([encInput, this.deconv1.forward(dec2)], 1));
    return this.DRM.forward(dec1);
  }
}

export const csnet3dSpec: ModelSpec = {
  name: 'CSNet_3D',
  kind: '3d',
  aliases: ['csnet-3d', 'csnet3d'],
  summary: 'CS-Net in 3D: residual encoder, spatial + channel affinity attention at the bottleneck, DRM head',
  // Three poolings halve the frames and the head's Conv2d takes exactly 8.
  frames: () => DRM_FRAMES,
  sizeMultiple: 16,
  defaults: { num_classes: 2, num_channels: 1 },
  officialDefaults: {},
  build: (o) => new CSNet_3D(o),
};
