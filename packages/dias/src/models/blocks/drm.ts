// The dimensionality-reduction head of the official 3D baselines (models/d3/DRM.py): a 1x1x1 Conv3d to one
// channel, the channel dimension squeezed away so that the frames become channels, then a 1x1 Conv2d.
import { nn, type Tensor } from '@dias-ts/torch';

/** The frame count the head's Conv2d is built for: the official code fixes it to 8. */
export const DRM_FRAMES = 8;

export class DRM extends nn.Module {
  readonly conv1: nn.Conv3d;
  readonly conv2: nn.Conv2d;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv1 = this.registerModule('conv1', new nn.Conv3d(inChannels, 1, 1));
    // Fixed to 8 input channels in the official code, so the whole model only takes 8-frame sequences.
    this.conv2 = this.registerModule('conv2', new nn.Conv2d(DRM_FRAMES, outChannels, 1));
  }

  /** [B, C, T, H, W] -> [B, out, H, W]; T must be 8. */
  forward(x: Tensor): Tensor {
    const y = this.conv1.forward(x);
    return this.conv2.forward(y.squeeze(1));
  }
}
