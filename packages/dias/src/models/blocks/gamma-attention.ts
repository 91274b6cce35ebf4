// What the self-attention blocks of CS-Net (official models/d2/csnet.py and models/d3/csnet_3d.py) share: a gamma
// that starts at zero and scales the attended features added back to the input, and a softmax, both registered
// after the block's own projections (gamma is a parameter of the block itself, so it leads its state dict).
import { nn, zeros, type Tensor } from '@dias-ts/torch';

export abstract class GammaAttention extends nn.Module {
  get gamma(): Tensor {
    return this.param('gamma');
  }

  /** Registers gamma (zeros) and returns the softmax over the last dimension; call it last, as officially. */
  protected registerGammaSoftmax(): nn.Softmax {
    this.registerParameter('gamma', zeros([1]));
    return this.registerModule('softmax', new nn.Softmax(-1));
  }

  /** gamma * attended + x. */
  protected addScaled(attended: Tensor, x: Tensor): Tensor {
    return this.gamma.mul(attended).add(x);
  }
}
