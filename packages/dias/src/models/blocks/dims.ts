// The layer classes of one spatial dimension, so that an official 2D block and its 3D twin (the same layers, names
// and order, with Conv2d where the other has Conv3d) share one definition that takes the dimension.
import { nn } from '@dias-ts/torch';

export interface Dim {
  readonly Conv: typeof nn.Conv2d | typeof nn.Conv3d;
  readonly ConvTranspose: typeof nn.ConvTranspose2d | typeof nn.ConvTranspose3d;
  readonly BatchNorm: typeof nn.BatchNorm2d | typeof nn.BatchNorm3d;
  readonly InstanceNorm: typeof nn.InstanceNorm2d | typeof nn.InstanceNorm3d;
  readonly Dropout: typeof nn.Dropout2d | typeof nn.Dropout3d;
  readonly MaxPool: typeof nn.MaxPool2d | typeof nn.MaxPool3d;
}

export const DIM_2D: Dim = {
  Conv: nn.Conv2d,
  ConvTranspose: nn.ConvTranspose2d,
  BatchNorm: nn.BatchNorm2d,
  InstanceNorm: nn.InstanceNorm2d,
  Dropout: nn.Dropout2d,
  MaxPool: nn.MaxPool2d,
};

export const DIM_3D: Dim = {
  Conv: nn.Conv3d,
  ConvTranspose: nn.ConvTranspose3d,
  BatchNorm: nn.BatchNorm3d,
  InstanceNorm: nn.InstanceNorm3d,
  Dropout: nn.Dropout3d,
  MaxPool: nn.MaxPool3d,
};

/** Batch norm, or (is_BN false, as VSS-Net allows) instance norm, which has no parameters or buffers. */
export function norm(channels: number, is_BN = true, dim: Dim = DIM_2D): nn.BatchNorm | nn.InstanceNorm {
  return is_BN ? new dim.BatchNorm(channels) : new dim.InstanceNorm(channels);
}
