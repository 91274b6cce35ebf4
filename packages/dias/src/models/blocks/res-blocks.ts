// The convolution, strided-down and transposed-up blocks of the official residual U-Nets: Res_UNet and MAA_Net
// (models/d2) define them in 2D, Res_UNet_3D (models/d3) and PSC (models/d3tod2) in 3D, with the same layers and
// names. FR-UNet's up and down are these too, FR_UNet_3D's up and down and PSC's up with a (1, 2, 2) kernel and
// stride, and VSS-Net's Up and Down add channel dropout and a choice of norm (blocks/fr-unet-blocks.ts). QS-UNet's
// Down is down, and its Up upsamples with up's layers (upLayers).
import { cat, nn, type Tensor } from '@dias-ts/torch';
import { DIM_2D, norm, type Dim } from './dims.js';

/**
 * (3x3 conv, BN, channel dropout, LeakyReLU 0.1) twice, after a 1x1 projection when in_c != out_c. dp null builds
 * PSC's conv, which has no dropout layers. The official forward computes relu(conv(x) + x) but returns conv(x): the
 * residual is dropped (its in-place relu acts on the sum, not on conv(x)), so here it is not computed at all (the
 * output is the same). `relu` stays registered, as a layer without parameters.
 */
export class conv extends nn.Module {
  readonly in_c: number;
  readonly out_c: number;
  readonly conv: nn.Sequential;
  readonly relu: nn.LeakyReLU;
  readonly diminsh_c: nn.Sequential | null;

  constructor(in_c: number, out_c: number, dp: number | null = 0, dim: Dim = DIM_2D) {
    super();
    this.in_c = in_c;
    this.out_c = out_c;
    const half = (): nn.Layer[] => [
      new dim.Conv(out_c, out_c, 3, { padding: 1, bias: false }),
      new dim.BatchNorm(out_c),
      ...(dp === null ? [] : [new dim.Dropout(dp)]),
      new nn.LeakyReLU(0.1, { inplace: true }),
    ];
    this.conv = this.registerModule('conv', new nn.Sequential(...half(), ...half()));
    this.relu = this.registerModule('relu', new nn.LeakyReLU(0.1, { inplace: true }));
    // MAA_Net only builds conv(c, c), which has no projection; Res_UNet's first and decoder blocks have one.
    this.diminsh_c =
      in_c !== out_c
        ? this.registerModule(
            'diminsh_c',
            new nn.Sequential(
              new dim.Conv(in_c, out_c, 1, { padding: 0, stride: 1, bias: false }),
              new dim.BatchNorm(out_c),
              new nn.LeakyReLU(0.1, { inplace: true }),
            ),
          )
        : null;
  }

  forward(x: Tensor): Tensor {
    const input = this.diminsh_c ? this.diminsh_c.forward(x) : x;
    return this.conv.forward(input);
  }
}

/** How an up or down block is built: its dimension, its kernel and stride (the same), dropout and norm. */
export interface SamplingOptions {
  dim?: Dim;
  /** Kernel and stride: 2 (every dimension halved or doubled) or, for instance, [1, 2, 2] to keep the frames. */
  stride?: number | readonly number[];
  /** A channel dropout before the activation (VSS-Net's Up and Down); null, the default, has none. */
  dp?: number | null;
  /** Batch norm (true, the default) or instance norm (VSS-Net's is_BN = false). */
  is_BN?: boolean;
}

/** A kernel-and-stride convolution (transposed to upsample), norm, [dropout], LeakyReLU 0.1 (in place to downsample). */
function sampling(in_c: number, out_c: number, o: SamplingOptions, transposed: boolean): nn.Sequential {
  const dim = o.dim ?? DIM_2D;
  const stride = o.stride ?? 2;
  const Conv = transposed ? dim.ConvTranspose : dim.Conv;
  return new nn.Sequential(
    new Conv(in_c, out_c, stride, { padding: 0, stride, bias: false }),
    norm(out_c, o.is_BN, dim),
    ...(o.dp === undefined || o.dp === null ? [] : [new dim.Dropout(o.dp)]),
    new nn.LeakyReLU(0.1, { inplace: !transposed }),
  );
}

/** The layers of `up` as one Sequential (QS-UNet's Up registers them directly as its own `up`). */
export function upLayers(in_c: number, out_c: number, o: SamplingOptions = {}): nn.Sequential {
  return sampling(in_c, out_c, o, true);
}

/** 2x2 stride-2 transposed convolution without bias, BN, LeakyReLU 0.1. */
export class up extends nn.Module {
  readonly up: nn.Sequential;

  constructor(in_c: number, out_c: number, o: SamplingOptions = {}) {
    super();
    this.up = this.registerModule('up', upLayers(in_c, out_c, o));
  }

  forward(x: Tensor): Tensor {
    return this.up.forward(x);
  }
}

/** 2x2 stride-2 convolution without bias, BN, LeakyReLU 0.1: the learned downsampling. */
export class down extends nn.Module {
  readonly down: nn.Sequential;

  constructor(in_c: number, out_c: number, o: SamplingOptions = {}) {
    super();
    this.down = this.registerModule('down', sampling(in_c, out_c, o, false));
  }

  forward(x: Tensor): Tensor {
    return this.down.forward(x);
  }
}

/** The official Res-UNet's encoder, centre and decoder blocks by attribute name (Res_UNet and Res_UNet_3D). */
export interface ResUNetLevels {
  readonly enconv1: conv;
  readonly down1: down;
  readonly enconv2: conv;
  readonly down2: down;
  readonly enconv3: conv;
  readonly down3: down;
  readonly center: conv;
  readonly up3: up;
  readonly deconv3: conv;
  readonly up2: up;
  readonly deconv2: conv;
  readonly up1: up;
  readonly deconv1: conv;
}

/**
 * Builds the Res-UNet blocks for widths f (conv dropout dp, dimension dim) and registers them on owner in the
 * official order; returns them for the model to keep as its attributes.
 */
export function registerResUNetLevels(
  owner: nn.Module,
  in_c: number,
  f: readonly number[],
  dp: number,
  dim: Dim = DIM_2D,
): ResUNetLevels {
  const c = (name: string, i: number, o: number) => owner.registerModule(name, new conv(i, o, dp, dim));
  const d = (name: string, i: number, o: number) => owner.registerModule(name, new down(i, o, { dim }));
  const u = (name: string, i: number, o: number) => owner.registerModule(name, new up(i, o, { dim }));
  return {
    enconv1: c('enconv1', in_c, f[0]),
    down1: d('down1', f[0], f[1]),
    enconv2: c('enconv2', f[1], f[1]),
    down2: d('down2', f[1], f[2]),
    enconv3: c('enconv3', f[2], f[2]),
    down3: d('down3', f[2], f[3]),
    center: c('center', f[3], f[3]),
    up3: u('up3', f[3], f[2]),
    deconv3: c('deconv3', f[2] * 2, f[2]),
    up2: u('up2', f[2], f[1]),
    deconv2: c('deconv2', f[1] * 2, f[1]),
    up1: u('up1', f[1], f[0]),
    deconv1: c('deconv1', f[0] * 2, f[0]),
  };
}

/**
 * The official Res-UNet forward (res_unet.py and res_unet_3d.py alike) up to the last upsampling: returns the
 * finest skip enconv1 and up1, which the two models then use differently.
 */
export function resUNetForward(m: ResUNetLevels, inputs: Tensor): [enconv1: Tensor, up1: Tensor] {
  const enconv1 = m.enconv1.forward(inputs);
  const enconv2 = m.enconv2.forward(m.down1.forward(enconv1));
  const enconv3 = m.enconv3.forward(m.down2.forward(enconv2));
  const conv4 = m.center.forward(m.down3.forward(enconv3));
  const deconv3 = m.deconv3.forward(cat([enconv3, m.up3.forward(conv4)], 1));
  const deconv2 = m.deconv2.forward(cat([enconv2, m.up2.forward(deconv3)], 1));
  return [enconv1, m.up1.forward(deconv2)];
}
