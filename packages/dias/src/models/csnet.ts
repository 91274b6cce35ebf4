// CS-Net (Mou et al.) as the official models/d2/csnet.py: residual encoders, and spatial plus channel self-attention
// at the bottleneck. Frames are input channels.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { positiveIntOption } from './blocks/model-options.js';
import { GammaAttention } from './blocks/gamma-attention.js';
import { Decoder, ResEncoder } from './blocks/csnet-blocks.js';

// csnet.py's ResEncoder and Decoder are blocks/csnet-blocks'.
export { Decoder, ResEncoder };

/** Self-attention over positions, with queries from a 1x3 and keys from a 3x1 convolution; gamma * attended + x. */
export class SpatialAttentionBlock extends GammaAttention {
  readonly query: nn.Sequential;
  readonly key: nn.Sequential;
  readonly value: nn.Conv2d;
  readonly softmax: nn.Softmax;

  constructor(in_channels: number) {
    super();
    const inner = Math.floor(in_channels / 8);
    this.query = this.registerModule(
      'query',
      new nn.Sequential(
        new nn.Conv2d(in_channels, inner, [1, 3], { padding: [0, 1] }),
        new nn.BatchNorm2d(inner),
        new nn.ReLU({ inplace: true }),
      ),
    );
    this.key = this.registerModule(
      'key',
      new nn.Sequential(
        new nn.Conv2d(in_channels, inner, [3, 1], { padding: [1, 0] }),
        new nn.BatchNorm2d(inner),
        new nn.ReLU({ inplace: true }),
      ),
    );
    this.value = this.registerModule('value', new nn.Conv2d(in_channels, in_channels, 1));
    this.softmax = this.registerGammaSoftmax();
  }

  forward(x: Tensor): Tensor {
    const [B, C, H, W] = x.shape;
    const query = this.query
      .forward(x)
      .view(B, -1, H * W)
      .permute(0, 2, 1);
    const key = this.key.forward(x).view(B, -1, H * W);
    const affinity = this.softmax.forward(query.matmul(key));
    const value = this.value.forward(x).view(B, -1, H * W);
    const weights = value.matmul(affinity.permute(0, 2, 1)).view(B, C, H, W);
    return this.addScaled(weights, x);
  }
}

/** Self-attention over channels (with the max-minus-energy trick); gamma * attended + x. */
export class ChannelAttentionBlock extends GammaAttention {
  readonly softmax: nn.Softmax;

  constructor(_in_channels: number) {
    super();
    this.softmax = this.registerGammaSoftmax();
  }

  forward(x: Tensor): Tensor {
    const [B, C, H, W] = x.shape;
    const flat = x.reshape(B, C, -1);
    const affinity = flat.matmul(flat.permute(0, 2, 1));
    const affinityNew = this.softmax.forward(affinity.max(-1, true).values.expandAs(affinity).sub(affinity));
    const weights = affinityNew.matmul(flat).view(B, C, H, W);
    return this.addScaled(weights, x);
  }
}

/** The sum of the spatial and the channel attention of the same input. */
export class AffinityAttention extends nn.Module {
  readonly sab: SpatialAttentionBlock;
  readonly cab: ChannelAttentionBlock;

  constructor(in_channels: number) {
    super();
    this.sab = this.registerModule('sab', new SpatialAttentionBlock(in_channels));
    this.cab = this.registerModule('cab', new ChannelAttentionBlock(in_channels));
  }

  forward(x: Tensor): Tensor {
    return this.sab.forward(x).add(this.cab.forward(x));
  }
}

export class CSNet extends nn.Module {
  readonly options: ModelOptions;
  readonly enc_input: ResEncoder;
  readonly encoder1: ResEncoder;
  readonly encoder2: ResEncoder;
  readonly encoder3: ResEncoder;
  readonly encoder4: ResEncoder;
  readonly downsample: nn.MaxPool2d;
  readonly affinity_attention: AffinityAttention;
  readonly attention_fuse: nn.Conv2d;
  readonly decoder4: Decoder;
  readonly decoder3: Decoder;
  readonly decoder2: Decoder;
  readonly decoder1: Decoder;
  readonly deconv4: nn.ConvTranspose2d;
  readonly deconv3: nn.ConvTranspose2d;
  readonly deconv2: nn.ConvTranspose2d;
  readonly deconv1: nn.ConvTranspose2d;
  readonly final: nn.Conv2d;

  constructor(options: ModelOptions) {
    super();
    const num_classes = positiveIntOption(options, 'num_classes', 'CSNet');
    const num_channels = positiveIntOption(options, 'num_channels', 'CSNet');
    this.options = { ...options, num_classes, num_channels };
    // The official weight initialisation is commented out: PyTorch's defaults stay.
    this.enc_input = this.registerModule('enc_input', new ResEncoder(num_channels, 32));
    this.encoder1 = this.registerModule('encoder1', new ResEncoder(32, 64));
    this.encoder2 = this.registerModule('encoder2', new ResEncoder(64, 128));
    this.encoder3 = this.registerModule('encoder3', new ResEncoder(128, 256));
    this.encoder4 = this.registerModule('encoder4', new ResEncoder(256, 512));
    this.downsample = this.registerModule('downsample', new nn.MaxPool2d(2, { stride: 2 }));
    this.affinity_attention = this.registerModule('affinity_attention', new AffinityAttention(512));
    // Registered (so it is in the state dict) but never used: the official forward adds instead of fusing.
    this.attention_fuse = this.registerModule('attention_fuse', new nn.Conv2d(512 * 2, 512, 1));
    this.decoder4 = this.registerModule('decoder4', new Decoder(512, 256));
    this.decoder3 = this.registerModule('decoder3', new Decoder(256, 128));
    this.decoder2 = this.registerModule('decoder2', new Decoder(128, 64));
    this.decoder1 = this.registerModule('decoder1', new Decoder(64, 32));
    this.deconv4 = this.registerModule('deconv4', new nn.ConvTranspose2d(512, 256, 2, { stride: 2 }));
    this.deconv3 = this.registerModule('deconv3', new nn.ConvTranspose2d(256, 128, 2, { stride: 2 }));
    this.deconv2 = this.registerModule('deconv2', new nn.ConvTranspose2d(128, 64, 2, { stride: 2 }));
    this.deconv1 = this.registerModule('deconv1', new nn.ConvTranspose2d(64, 32, 2, { stride: 2 }));
    this.final = this.registerModule('final', new nn.Conv2d(32, num_classes, 1));
  }

  forward(x: Tensor): Tensor {
    checkInput(csnetSpec, this.options, x);
    const enc_input = this.enc_input.forward(x);
    const enc1 = this.encoder1.forward(this.downsample.forward(enc_input));
    const enc2 = this.encoder2.forward(this.downsample.forward(enc1));
    const enc3 = this.encoder3.forward(this.downsample.forward(enc2));
    const feature = this.encoder4.forward(this.downsample.forward(enc3));
    // The bottleneck is feature + attention(feature); attention_fuse stays unused, as in the official forward.
    const fused = feature.add(this.affinity_attention.forward(feature));
    const dec4 = this.decoder4.forward(cat([enc3, this.deconv4.forward(fused)], 1));
    const dec3 = this.decoder3.forward(cat([enc2, this.deconv3.forward(dec4)], 1));
    const dec2 = this.decoder2.forward(cat([enc1, this.deconv2.forward(dec3)], 1));
    const dec1 = this.decoder1.forward(cat([enc_input, this.deconv1.forward(dec2)], 1));
    return this.final.forward(dec1);
  }
}

export const csnetSpec: ModelSpec = {
  name: 'CSNet',
  kind: '2d',
  aliases: ['csnet', 'cs-net'],
  summary:
    'CS-Net: residual U-Net (32-512 channels) with spatial and channel self-attention at the bottleneck; the frames are input channels',
  frames: (o) => Number(o.num_channels),
  sizeMultiple: 16,
  defaults: { num_classes: 2, num_channels: 8 },
  officialDefaults: {},
  build: (o) => new CSNet(o),
};
