// The convolution, strided-down and transposed-up blocks that the official Res_UNet (models/d2/res_unet.py) and
// MAA_Net (models/d2/maa_net.py) both define, with the same layers and names.
import { nn, type Tensor } from '@dias-ts/torch';

/**
 * (3x3 conv, BN, channel dropout, LeakyReLU 0.1) twice, after a 1x1 projection when in_c != out_c.
 * The official forward computes relu(conv(x) + x) but returns conv(x): the residual is dropped, so here it is not
 * computed at all (the output is the same). `relu` stays registered, as a layer without parameters.
 */
export class conv extends nn.Module {
  readonly in_c: number;
  readonly out_c: number;
  readonly conv: nn.Sequential;
  readonly relu: nn.LeakyReLU;
  readonly diminsh_c: nn.Sequential | null;

  constructor(in_c: number, out_c: number, dp = 0) {
    super();
    this.in_c = in_c;
    this.out_c = out_c;
    this.conv = this.registerModule('conv', new nn.Sequential(
      new nn.Conv2d(out_c, out_c, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(out_c),
      new nn.Dropout2d(dp),
      new nn.LeakyReLU(0.1, { inplace: true }),
      new nn.Conv2d(out_c, out_c, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(out_c),
      new nn.Dropout2d(dp),
      new nn.LeakyReLU(0.1, { inplace: true }),
    ));
    this.relu = this.registerModule('relu', new nn.LeakyReLU(0.1, { inplace: true }));
    // MAA_Net only builds conv(c, c), which has no projection; Res_UNet's first and decoder blocks have one.
    this.diminsh_c = in_c !== out_c
      ? this.registerModule('diminsh_c', new nn.Sequential(
        new nn.Conv2d(in_c, out_c, 1, { padding: 0, stride: 1, bias: false }),
        new nn.BatchNorm2d(out_c),
        new nn.LeakyReLU(0.1, { inplace: true }),
      ))
      : null;
  }

  forward(x: Tensor): Tensor {
    const input = this.diminsh_c ? this.diminsh_c.forward(x) : x;
    return this.conv.forward(input);
  }
}

/** 2x2 stride-2 transposed convolution without bias, BN, LeakyReLU 0.1. */
export class up extends nn.Module {
  readonly up: nn.Sequential;

  constructor(in_c: number, out_c: number) {
    super();
    this.up = this.registerModule('up', new nn.Sequential(
      new nn.ConvTranspose2d(in_c, out_c, 2, { padding: 0, stride: 2, bias: false }),
      new nn.BatchNorm2d(out_c),
      new nn.LeakyReLU(0.1),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.up.forward(x);
  }
}

/** 2x2 stride-2 convolution without bias, BN, LeakyReLU 0.1: the learned downsampling. */
export class down extends nn.Module {
  readonly down: nn.Sequential;

  constructor(in_c: number, out_c: number) {
    super();
    this.down = this.registerModule('down', new nn.Sequential(
      new nn.Conv2d(in_c, out_c, 2, { padding: 0, stride: 2, bias: false }),
      new nn.BatchNorm2d(out_c),
      new nn.LeakyReLU(0.1, { inplace: true }),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.down.forward(x);
  }
}
