// The U-Net blocks of the official models/d2/unet.py (DoubleConv, Down, Up, OutConv). models/d3/unet_3d.py repeats
// them with 3D layers and a pooling stride per level; QS-UNet and ST-UNet (models/d3tod2) repeat DoubleConv with
// channel dropout and another activation or norm, and OutConv as it is. Att-UNet's conv_block and CS-Net's Decoder
// are the same double convolution with biased convolutions (doubleConv).
import { F, cat, nn, type Tensor } from '@dias-ts/torch';
import { DIM_2D, norm, type Dim } from './dims.js';

/** A kernel-and-stride: 2 (every dimension halved or doubled) or, for instance, [1, 2, 2] to keep the frames. */
export type Stride = number | readonly number[];

export interface DoubleConvOptions {
  dim?: Dim;
  /** The first convolution's output width; out_c when not given (or 0, as the official `mid_channels or out`). */
  mid?: number;
  /** Convolution biases: true (PyTorch's default) unless said otherwise. */
  bias?: boolean;
  /** Batch norm (true, the default) or instance norm. */
  is_BN?: boolean;
  /** A channel dropout after each norm; null or not given: no dropout layers. */
  dp?: number | null;
  /** Builds each activation; ReLU in place when not given. */
  act?: () => nn.Layer;
}

/** (3x3 convolution, norm, [channel dropout], activation) twice, in_c -> mid -> out_c channels, as one Sequential. */
export function doubleConv(in_c: number, out_c: number, o: DoubleConvOptions = {}): nn.Sequential {
  const dim = o.dim ?? DIM_2D;
  const mid = o.mid || out_c;
  const stage = (i: number, c: number): nn.Layer[] => [
    new dim.Conv(i, c, 3, { padding: 1, bias: o.bias ?? true }),
    norm(c, o.is_BN, dim),
    ...(o.dp === undefined || o.dp === null ? [] : [new dim.Dropout(o.dp)]),
    o.act ? o.act() : new nn.ReLU({ inplace: true }),
  ];
  return new nn.Sequential(...stage(in_c, mid), ...stage(mid, out_c));
}

/** The official DoubleConv: doubleConv without convolution biases, as `double_conv` (2D, batch norm, ReLU unless o says). */
export class DoubleConv extends nn.Module {
  readonly double_conv: nn.Sequential;

  constructor(
    in_channels: number,
    out_channels: number,
    mid_channels?: number,
    o: Omit<DoubleConvOptions, 'mid' | 'bias'> = {},
  ) {
    super();
    this.double_conv = this.registerModule(
      'double_conv',
      doubleConv(in_channels, out_channels, { ...o, mid: mid_channels, bias: false }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.double_conv.forward(x);
  }
}

/** Max pooling (kernel and stride: stride), then a DoubleConv. */
export class Down extends nn.Module {
  readonly maxpool_conv: nn.Sequential;

  constructor(in_channels: number, out_channels: number, dim: Dim = DIM_2D, stride: Stride = 2) {
    super();
    this.maxpool_conv = this.registerModule(
      'maxpool_conv',
      new nn.Sequential(
        new dim.MaxPool(stride, { stride }),
        new DoubleConv(in_channels, out_channels, undefined, { dim }),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    return this.maxpool_conv.forward(x);
  }
}

/** Upsampling (bilinear by 2, or a transposed convolution halving the channels), padding to the skip's size, [skip, up], DoubleConv. */
export class Up extends nn.Module {
  readonly up: nn.Upsample | nn.ConvTranspose2d | nn.ConvTranspose3d;
  readonly conv: DoubleConv;

  constructor(in_channels: number, out_channels: number, bilinear = true, dim: Dim = DIM_2D, stride: Stride = 2) {
    super();
    if (bilinear) {
      this.up = this.registerModule('up', new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }));
      this.conv = this.registerModule(
        'conv',
        new DoubleConv(in_channels, out_channels, Math.floor(in_channels / 2), { dim }),
      );
    } else {
      this.up = this.registerModule(
        'up',
        new dim.ConvTranspose(in_channels, Math.floor(in_channels / 2), stride, { stride }),
      );
      this.conv = this.registerModule('conv', new DoubleConv(in_channels, out_channels, undefined, { dim }));
    }
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    return this.conv.forward(cat([x2, padToSkip(this.up.forward(x1), x2)], 1));
  }
}

/**
 * The official UNet size fix-up: the upsampled map zero-padded (centred) to the skip's size in dims 2 and 3. Written
 * for 4-D tensors; on UNet_3D's 5-D tensors (an official oddity) the differences are taken in frames (dim 2) and
 * height (dim 3) but padded onto height and width. Only non-zero for sizes that are not multiples of 16, which the
 * specs reject; kept as the official code has it.
 */
export function padToSkip(up: Tensor, skip: Tensor): Tensor {
  const diffY = skip.size(2) - up.size(2);
  const diffX = skip.size(3) - up.size(3);
  if (diffX === 0 && diffY === 0) return up;
  return F.pad(up, [
    Math.floor(diffX / 2),
    diffX - Math.floor(diffX / 2),
    Math.floor(diffY / 2),
    diffY - Math.floor(diffY / 2),
  ]);
}

/** The 1x1 classifier. */
export class OutConv extends nn.Module {
  readonly conv: nn.Conv2d;

  constructor(in_channels: number, out_channels: number) {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d(in_channels, out_channels, 1));
  }

  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

/** The official U-Net's encoder and decoder blocks by attribute name (UNet and UNet_3D). */
export interface UNetLevels {
  readonly inc: DoubleConv;
  readonly down1: Down;
  readonly down2: Down;
  readonly down3: Down;
  readonly down4: Down;
  readonly up1: Up;
  readonly up2: Up;
  readonly up3: Up;
  readonly up4: Up;
}

/**
 * Builds the U-Net blocks (64-1024 channels; with bilinear, down4 and up1-up3 give half, as official) and registers
 * them on owner in the official order. strides[i] is the kernel and stride of pooling i + 1, and of the up that
 * mirrors it (up4 for down1, ..., up1 for down4).
 */
export function registerUNetLevels(
  owner: nn.Module,
  in_channels: number,
  bilinear: boolean,
  dim: Dim = DIM_2D,
  strides: readonly Stride[] = [2, 2, 2, 2],
): UNetLevels {
  const factor = bilinear ? 2 : 1;
  const [s1, s2, s3, s4] = strides;
  const d = (name: string, i: number, o: number, s: Stride) => owner.registerModule(name, new Down(i, o, dim, s));
  const u = (name: string, i: number, o: number, s: Stride) =>
    owner.registerModule(name, new Up(i, o, bilinear, dim, s));
  return {
    inc: owner.registerModule('inc', new DoubleConv(in_channels, 64, undefined, { dim })),
    down1: d('down1', 64, 128, s1),
    down2: d('down2', 128, 256, s2),
    down3: d('down3', 256, 512, s3),
    down4: d('down4', 512, 1024 / factor, s4),
    up1: u('up1', 1024, 512 / factor, s4),
    up2: u('up2', 512, 256 / factor, s3),
    up3: u('up3', 256, 128 / factor, s2),
    up4: u('up4', 128, 64, s1),
  };
}

/** The official U-Net forward (unet.py and unet_3d.py alike) up to the classifier, which the two models differ in. */
export function unetForward(m: UNetLevels, x: Tensor): Tensor {
  const x1 = m.inc.forward(x);
  const x2 = m.down1.forward(x1);
  const x3 = m.down2.forward(x2);
  const x4 = m.down3.forward(x3);
  const x5 = m.down4.forward(x4);
  let y = m.up1.forward(x5, x4);
  y = m.up2.forward(y, x3);
  y = m.up3.forward(y, x2);
  return m.up4.forward(y, x1);
}
