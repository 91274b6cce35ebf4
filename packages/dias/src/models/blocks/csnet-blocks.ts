// The CS-Net encoder and decoder blocks: official models/d2/csnet.py's ResEncoder and Decoder, which
// models/d3/csnet_3d.py repeats as ResEncoder3d and Decoder3d with 3D layers (and, in Decoder3d, ReLUs not in place).
import { nn, type Tensor } from '@dias-ts/torch';
import { DIM_2D, type Dim } from './dims.js';
import { doubleConv } from './unet-blocks.js';

/** Two 3x3 conv + BN + ReLU, plus a 1x1 projection of the input as the residual. */
export class ResEncoder extends nn.Module {
  readonly conv1: nn.Conv2d | nn.Conv3d;
  readonly bn1: nn.BatchNorm;
  readonly conv2: nn.Conv2d | nn.Conv3d;
  readonly bn2: nn.BatchNorm;
  readonly relu: nn.ReLU;
  readonly conv1x1: nn.Conv2d | nn.Conv3d;

  constructor(in_channels: number, out_channels: number, dim: Dim = DIM_2D) {
    super();
    this.conv1 = this.registerModule('conv1', new dim.Conv(in_channels, out_channels, 3, { padding: 1 }));
    this.bn1 = this.registerModule('bn1', new dim.BatchNorm(out_channels));
    this.conv2 = this.registerModule('conv2', new dim.Conv(out_channels, out_channels, 3, { padding: 1 }));
    this.bn2 = this.registerModule('bn2', new dim.BatchNorm(out_channels));
    this.relu = this.registerModule('relu', new nn.ReLU());
    this.conv1x1 = this.registerModule('conv1x1', new dim.Conv(in_channels, out_channels, 1));
  }

  forward(x: Tensor): Tensor {
    const residual = this.conv1x1.forward(x);
    let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x)));
    out = this.relu.forward(this.bn2.forward(this.conv2.forward(out)));
    return this.relu.forward(out.add(residual));
  }
}

/** (3x3 conv, BN, ReLU) twice; the ReLUs in place as in csnet.py unless inplace is false (csnet_3d.py). */
export class Decoder extends nn.Module {
  readonly conv: nn.Sequential;

  constructor(in_channels: number, out_channels: number, dim: Dim = DIM_2D, inplace = true) {
    super();
    this.conv = this.registerModule(
      'conv',
      doubleConv(in_channels, out_channels, { dim, act: () => new nn.ReLU({ inplace }) }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}
