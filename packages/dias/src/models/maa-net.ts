// MAA-Net as the official models/d2/maa_net.py: a three-level residual-style U-Net whose decoder blocks carry
// position and channel attention (CPAM), and a multi-scale head (MAS) that sums gated upsampled deep features
// into the shallower ones. Frames are input channels.
import { cat, nn, zeros, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { initWeights } from './blocks/init-weights.js';
import { conv, down, up } from './blocks/res-blocks.js';
import { positiveIntOption, positiveNumberOption, probabilityOption } from './blocks/model-options.js';

/**
 * What PAM_Module and CAM_Module share: query and key convolutions (qk_dim channels, kernel and stride qk_kernel),
 * a 1x1 value convolution and a softmax over the last dimension.
 */
abstract class AttentionModule extends nn.Module {
  readonly chanel_in: number;
  readonly query_conv: nn.Conv2d;
  readonly key_conv: nn.Conv2d;
  readonly value_conv: nn.Conv2d;
  readonly softmax: nn.Softmax;

  constructor(in_dim: number, qk_dim: number, qk_kernel: number) {
    super();
    this.chanel_in = in_dim;
    this.query_conv = this.registerModule(
      'query_conv',
      new nn.Conv2d(in_dim, qk_dim, qk_kernel, { stride: qk_kernel }),
    );
    this.key_conv = this.registerModule('key_conv', new nn.Conv2d(in_dim, qk_dim, qk_kernel, { stride: qk_kernel }));
    this.value_conv = this.registerModule('value_conv', new nn.Conv2d(in_dim, in_dim, 1));
    this.softmax = this.registerModule('softmax', new nn.Softmax(-1));
  }
}

/**
 * Position attention: every position attends over all H*W positions (1x1 query/key convolutions with C/8 channels).
 * Returns the attended features only (no gamma, no residual here: CPAM adds them). Its memory grows as (H*W)^2.
 */
export class PAM_Module extends AttentionModule {
  constructor(in_dim: number) {
    super(in_dim, Math.floor(in_dim / 8), 1);
  }

  forward(x: Tensor): Tensor {
    const [B, C, H, W] = x.shape;
    const query = this.query_conv
      .forward(x)
      .view(B, -1, W * H)
      .permute(0, 2, 1);
    const key = this.key_conv.forward(x).view(B, -1, W * H);
    const value = this.value_conv.forward(x).view(B, -1, W * H);
    const attention = this.softmax.forward(query.bmm(key));
    return value.bmm(attention.permute(0, 2, 1)).view(B, C, H, W);
  }
}

/**
 * Channel attention with query and key from 2x2 stride-2 convolutions (so the energies are over a quarter of the
 * positions) and the max-minus-energy trick. Returns the attended features only; its gamma is registered but unused.
 */
export class CAM_Module extends AttentionModule {
  constructor(in_dim: number) {
    super(in_dim, in_dim, 2);
    // Registered but unused (officially between value_conv and softmax; own parameters lead the state dict either way).
    this.registerParameter('gamma', zeros([1]));
  }

  forward(x: Tensor): Tensor {
    const [B, C, H, W] = x.shape;
    const query = this.query_conv.forward(x).view(B, C, -1);
    const key = this.key_conv.forward(x).view(B, C, -1).permute(0, 2, 1);
    const energy = query.bmm(key);
    const attention = this.softmax.forward(energy.max(-1, true).values.expandAs(energy).sub(energy));
    const value = this.value_conv.forward(x).view(B, C, -1);
    return attention.bmm(value).view(B, C, H, W);
  }
}

/** conv_c, then channel * gamma1 + position * gamma2 + itself, then conv_d (which begins with a BN). */
export class CPAM extends nn.Module {
  readonly pam: PAM_Module;
  readonly cam: CAM_Module;
  readonly conv_c: nn.Sequential;
  readonly conv_d: nn.Sequential;

  constructor(in_channels: number, shrink = 1) {
    super();
    const inter = Math.floor(in_channels / shrink);
    this.registerParameter('gamma1', zeros([1]));
    this.registerParameter('gamma2', zeros([1]));
    this.pam = this.registerModule('pam', new PAM_Module(inter));
    this.cam = this.registerModule('cam', new CAM_Module(inter));
    this.conv_c = this.registerModule(
      'conv_c',
      new nn.Sequential(
        new nn.Conv2d(in_channels, inter, 3, { padding: 1, bias: false }),
        new nn.BatchNorm2d(inter),
        new nn.ReLU(),
      ),
    );
    this.conv_d = this.registerModule(
      'conv_d',
      new nn.Sequential(
        new nn.BatchNorm2d(inter),
        new nn.Conv2d(inter, inter * shrink, 3, { padding: 1, bias: false }),
        new nn.BatchNorm2d(inter * shrink),
        new nn.ReLU(),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    const feat1 = this.conv_c.forward(x);
    const channel = this.cam.forward(feat1);
    const position = this.pam.forward(feat1);
    const sum = channel
      .mul(this.param('gamma1'))
      .add(position.mul(this.param('gamma2')))
      .add(feat1);
    return this.conv_d.forward(sum);
  }
}

/** A conv block, then a strided down block; returns both (the skip and the next level's input). */
export class encoder extends nn.Module {
  readonly conv: conv;
  readonly down: down;

  constructor(out_c: number, dp = 0) {
    super();
    this.conv = this.registerModule('conv', new conv(out_c, out_c, dp));
    this.down = this.registerModule('down', new down(out_c, out_c * 2));
  }

  forward(x: Tensor): [Tensor, Tensor] {
    const y = this.conv.forward(x);
    return [y, this.down.forward(y)];
  }
}

/** Optional 1x1 fuse of fuse_n concatenated inputs, conv block, optional CPAM, optional up block; returns [up, output]. */
export class decoder extends nn.Module {
  readonly is_up: boolean;
  readonly fuse_n: number;
  readonly is_CPAM: boolean;
  readonly fuse: nn.Sequential | null = null;
  readonly cpam: CPAM | null = null;
  readonly conv: conv;
  readonly up: up | null = null;

  constructor(out_c: number, fuse_n = 2, dp = 0.2, is_up = true, is_CPAM = true) {
    super();
    if (!(Number.isInteger(fuse_n) && fuse_n > 0 && fuse_n <= 4))
      throw new Error(`MAA_Net decoder: fuse_n must be 1 to 4, got ${fuse_n}`);
    this.is_up = is_up;
    this.fuse_n = fuse_n;
    this.is_CPAM = is_CPAM;
    if (fuse_n > 1) {
      this.fuse = this.registerModule(
        'fuse',
        new nn.Sequential(
          new nn.Conv2d(out_c * fuse_n, out_c, 1, { stride: 1 }),
          new nn.BatchNorm2d(out_c),
          new nn.LeakyReLU(0.1, { inplace: true }),
        ),
      );
    }
    if (is_CPAM) this.cpam = this.registerModule('cpam', new CPAM(out_c, 1));
    this.conv = this.registerModule('conv', new conv(out_c, out_c, dp));
    if (is_up) this.up = this.registerModule('up', new up(out_c, Math.floor(out_c / 2)));
  }

  forward(x: Tensor): [Tensor | null, Tensor] {
    const fused = this.fuse ? this.fuse.forward(x) : x;
    let output = this.conv.forward(fused);
    if (this.cpam) output = this.cpam.forward(output);
    return [this.up ? this.up.forward(output) : null, output];
  }
}

/** The multi-scale head: from the deepest decoder output up, conv, upsample, scale by a gamma and add the next level. */
export class MAS extends nn.Module {
  readonly up4: up;
  readonly up3: up;
  readonly up2: up;
  readonly conv4: nn.Sequential;
  readonly conv3: nn.Sequential;
  readonly sv3: up;
  readonly conv2: nn.Sequential;
  readonly conv1: nn.Sequential;

  constructor(in_c: number, class_num: number, dp = 0) {
    super();
    this.registerParameter('gamma3', zeros([1]));
    this.registerParameter('gamma2', zeros([1]));
    this.registerParameter('gamma1', zeros([1]));
    this.up4 = this.registerModule('up4', new up(in_c, Math.floor(in_c / 2)));
    this.up3 = this.registerModule('up3', new up(Math.floor(in_c / 2), Math.floor(in_c / 4)));
    this.up2 = this.registerModule('up2', new up(Math.floor(in_c / 4), Math.floor(in_c / 8)));
    const block = (c: number) =>
      new nn.Sequential(
        new nn.Conv2d(c, c, 3, { padding: 1, bias: false }),
        new nn.BatchNorm2d(c),
        new nn.Dropout2d(dp),
        new nn.LeakyReLU(0.1, { inplace: true }),
      );
    this.conv4 = this.registerModule('conv4', block(in_c));
    this.conv3 = this.registerModule('conv3', block(Math.floor(in_c / 2)));
    // Registered (so it is in the state dict) but never used by the official forward.
    this.sv3 = this.registerModule('sv3', new up(Math.floor(in_c / 2), Math.floor(in_c / 4)));
    this.conv2 = this.registerModule('conv2', block(Math.floor(in_c / 4)));
    const c1 = Math.floor(in_c / 8);
    this.conv1 = this.registerModule(
      'conv1',
      new nn.Sequential(
        new nn.Conv2d(c1, c1, 3, { padding: 1, stride: 1, bias: false }),
        new nn.BatchNorm2d(c1),
        new nn.LeakyReLU(0.1, { inplace: true }),
        new nn.Dropout2d(dp),
        new nn.Conv2d(c1, class_num, 1, { padding: 0, stride: 1, bias: true }),
      ),
    );
  }

  forward(x4: Tensor, x3: Tensor, x2: Tensor, x1: Tensor): Tensor {
    let x = this.conv4.forward(x4);
    x = this.up4.forward(x).mul(this.param('gamma3')).add(x3);
    x = this.conv3.forward(x);
    x = this.up3.forward(x).mul(this.param('gamma2')).add(x2);
    x = this.conv2.forward(x);
    x = this.up2.forward(x).mul(this.param('gamma1')).add(x1);
    return this.conv1.forward(x);
  }
}

export class MAA_Net extends nn.Module {
  readonly options: ModelOptions;
  readonly first_conv: nn.Sequential;
  readonly encoder1: encoder;
  readonly encoder2: encoder;
  readonly encoder3: encoder;
  readonly middle: decoder;
  readonly decoder3: decoder;
  readonly decoder2: decoder;
  readonly decoder1: decoder;
  readonly mas: MAS;

  constructor(options: ModelOptions) {
    super();
    const model = 'MAA_Net';
    const num_classes = positiveIntOption(options, 'num_classes', model);
    const num_channels = positiveIntOption(options, 'num_channels', model);
    const feature_scale = positiveNumberOption(options, 'feature_scale', model);
    const dropout = probabilityOption(options, 'dropout', model);
    this.options = { ...options, num_classes, num_channels, feature_scale, dropout };
    const f = [64, 128, 256, 512].map((c) => Math.trunc(c / feature_scale));

    this.first_conv = this.registerModule(
      'first_conv',
      new nn.Sequential(
        new nn.Conv2d(num_channels, f[0], 1, { padding: 0, stride: 1, bias: false }),
        new nn.BatchNorm2d(f[0]),
        new nn.LeakyReLU(0.1, { inplace: true }),
      ),
    );
    this.encoder1 = this.registerModule('encoder1', new encoder(f[0], dropout));
    this.encoder2 = this.registerModule('encoder2', new encoder(f[1], dropout));
    this.encoder3 = this.registerModule('encoder3', new encoder(f[2], dropout));
    this.middle = this.registerModule('middle', new decoder(f[3], 1, dropout));
    this.decoder3 = this.registerModule('decoder3', new decoder(f[2], 2, dropout));
    this.decoder2 = this.registerModule('decoder2', new decoder(f[1], 2, dropout));
    this.decoder1 = this.registerModule('decoder1', new decoder(f[0], 2, dropout, false));
    this.mas = this.registerModule('mas', new MAS(f[3], num_classes, dropout));

    // InitWeights leaves the gammas at zero, as in the official model.
    this.apply(initWeights);
  }

  forward(x: Tensor): Tensor {
    checkInput(maaNetSpec, this.options, x);
    const [h, w] = x.shape.slice(-2);
    // The channel attention of the deepest decoder halves H/8 x W/8 with a 2x2 convolution, so it needs at least 2.
    if (h < 16 || w < 16) throw new Error(`MAA_Net needs height and width of at least 16, got ${h}x${w}`);
    const first = this.first_conv.forward(x);
    const [x1, d1] = this.encoder1.forward(first);
    const [x2, d2] = this.encoder2.forward(d1);
    const [x3, d3] = this.encoder3.forward(d2);
    const [up4, output4] = this.middle.forward(d3);
    const [up3, output3] = this.decoder3.forward(cat([up4!, x3], 1));
    const [up2, output2] = this.decoder2.forward(cat([up3!, x2], 1));
    const [, output1] = this.decoder1.forward(cat([up2!, x1], 1));
    return this.mas.forward(output4, output3, output2, output1);
  }
}

export const maaNetSpec: ModelSpec = {
  name: 'MAA_Net',
  kind: '2d',
  aliases: ['maa-net', 'maanet'],
  summary:
    'MAA-Net: three-level U-Net with position and channel attention in every decoder block and a multi-scale head, 32-256 channels; the frames are input channels (position attention is quadratic in H*W)',
  frames: (o) => Number(o.num_channels),
  sizeMultiple: 8,
  defaults: { num_classes: 2, num_channels: 8, feature_scale: 2, dropout: 0.1 },
  officialDefaults: { num_classes: 1, num_channels: 1, feature_scale: 2, dropout: 0.1 },
  build: (o) => new MAA_Net(o),
};
