// The UNet++ blocks of the official models/d2/unet_nested.py (unetConv2, unetUp), which models/d3/unet_nested_3d.py
// repeats with 3D layers (unetConv3, unetUp with a kernel and stride of its own for the top level), and the nested
// grid they form. Att_UNet_3D's UnetConv3 (models/d3/att_unet_3d.py) is unetConv3 with its defaults.
import { cat, nn, type Tensor } from '@dias-ts/torch';
import { DIM_2D, type Dim } from './dims.js';
import type { Stride } from './unet-blocks.js';

/** n convolutions (each with BN when asked) and ReLU, registered as conv1 … convn. */
export class unetConv extends nn.Module {
  readonly n: number;
  private readonly convs: nn.Sequential[] = [];

  constructor(
    in_size: number,
    out_size: number,
    is_batchnorm: boolean,
    dim: Dim = DIM_2D,
    n = 2,
    ks = 3,
    stride = 1,
    padding = 1,
  ) {
    super();
    this.n = n;
    let channels = in_size;
    for (let i = 1; i <= n; i++) {
      const conv = new dim.Conv(channels, out_size, ks, { stride, padding });
      const layers = is_batchnorm
        ? [conv, new dim.BatchNorm(out_size), new nn.ReLU({ inplace: true })]
        : [conv, new nn.ReLU({ inplace: true })];
      this.convs.push(this.registerModule(`conv${i}`, new nn.Sequential(...layers)));
      channels = out_size;
    }
  }

  forward(inputs: Tensor): Tensor {
    let x = inputs;
    for (const conv of this.convs) x = conv.forward(x);
    return x;
  }
}

/**
 * Upsamples the deeper node (transposed convolution, kernel and stride `stride`; without is_deconv, 2D only,
 * bilinear then 1x1), concatenates [up, ...same-level nodes] and applies a unetConv without batch norm.
 */
export class unetUp extends nn.Module {
  readonly conv: unetConv;
  readonly up: nn.ConvTranspose2d | nn.ConvTranspose3d | nn.Sequential;

  constructor(
    in_size: number,
    out_size: number,
    is_deconv: boolean,
    n_concat = 2,
    dim: Dim = DIM_2D,
    stride: Stride = 2,
  ) {
    super();
    // The official decoder convolutions never use batch norm, whatever is_batchnorm says.
    this.conv = this.registerModule('conv', new unetConv(in_size + (n_concat - 2) * out_size, out_size, false, dim));
    this.up = is_deconv
      ? this.registerModule('up', new dim.ConvTranspose(in_size, out_size, stride, { stride, padding: 0 }))
      : // UpsamplingBilinear2d is bilinear interpolation with align_corners=True.
        this.registerModule(
          'up',
          new nn.Sequential(
            new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
            new nn.Conv2d(in_size, out_size, 1),
          ),
        );
  }

  forward(high_feature: Tensor, ...low_feature: Tensor[]): Tensor {
    return this.conv.forward(cat([this.up.forward(high_feature), ...low_feature], 1));
  }
}

/** The official UNet++ encoder column and nested decoder nodes by attribute name (UNet_Nested and UNet_Nested_3D). */
export interface UNetNestedNodes {
  readonly conv00: unetConv;
  readonly conv10: unetConv;
  readonly conv20: unetConv;
  readonly conv30: unetConv;
  readonly conv40: unetConv;
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
}

/**
 * Builds the UNet++ nodes for widths f and registers them on owner in the official order. stride0 is the kernel and
 * stride of the ups into level 0 (the first pooling's; the deeper ups use 2).
 */
export function registerUNetNestedNodes(
  owner: nn.Module,
  in_channels: number,
  f: readonly number[],
  is_batchnorm: boolean,
  is_deconv: boolean,
  dim: Dim = DIM_2D,
  stride0: Stride = 2,
): UNetNestedNodes {
  const c = (name: string, i: number, o: number) => owner.registerModule(name, new unetConv(i, o, is_batchnorm, dim));
  const u = (name: string, i: number, o: number, n_concat: number, stride: Stride = 2) =>
    owner.registerModule(name, new unetUp(i, o, is_deconv, n_concat, dim, stride));
  return {
    conv00: c('conv00', in_channels, f[0]),
    conv10: c('conv10', f[0], f[1]),
    conv20: c('conv20', f[1], f[2]),
    conv30: c('conv30', f[2], f[3]),
    conv40: c('conv40', f[3], f[4]),
    up_concat01: u('up_concat01', f[1], f[0], 2, stride0),
    up_concat11: u('up_concat11', f[2], f[1], 2),
    up_concat21: u('up_concat21', f[3], f[2], 2),
    up_concat31: u('up_concat31', f[4], f[3], 2),
    up_concat02: u('up_concat02', f[1], f[0], 3, stride0),
    up_concat12: u('up_concat12', f[2], f[1], 3),
    up_concat22: u('up_concat22', f[3], f[2], 3),
    up_concat03: u('up_concat03', f[1], f[0], 4, stride0),
    up_concat13: u('up_concat13', f[2], f[1], 4),
    up_concat04: u('up_concat04', f[1], f[0], 5, stride0),
  };
}

/**
 * The official UNet++ forward (unet_nested.py and unet_nested_3d.py alike) up to the heads: column 0 is the encoder
 * (pool1 before level 1, pool before the deeper levels); in columns 1-4 each node takes the node below it and every
 * earlier node of its level. Returns the level-0 nodes X_01 … X_04 that the heads read.
 */
export function unetNestedForward(
  m: UNetNestedNodes,
  inputs: Tensor,
  pool1: nn.Layer,
  pool: nn.Layer,
): [Tensor, Tensor, Tensor, Tensor] {
  // Column 0: the encoder.
  const X_00 = m.conv00.forward(inputs);
  const X_10 = m.conv10.forward(pool1.forward(X_00));
  const X_20 = m.conv20.forward(pool.forward(X_10));
  const X_30 = m.conv30.forward(pool.forward(X_20));
  const X_40 = m.conv40.forward(pool.forward(X_30));
  // Columns 1-4.
  const X_01 = m.up_concat01.forward(X_10, X_00);
  const X_11 = m.up_concat11.forward(X_20, X_10);
  const X_21 = m.up_concat21.forward(X_30, X_20);
  const X_31 = m.up_concat31.forward(X_40, X_30);
  const X_02 = m.up_concat02.forward(X_11, X_00, X_01);
  const X_12 = m.up_concat12.forward(X_21, X_10, X_11);
  const X_22 = m.up_concat22.forward(X_31, X_20, X_21);
  const X_03 = m.up_concat03.forward(X_12, X_00, X_01, X_02);
  const X_13 = m.up_concat13.forward(X_22, X_10, X_11, X_12);
  const X_04 = m.up_concat04.forward(X_13, X_00, X_01, X_02, X_03);
  return [X_01, X_02, X_03, X_04];
}
