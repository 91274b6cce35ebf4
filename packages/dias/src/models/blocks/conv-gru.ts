// The convolutional GRU cell of the official ST-UNet and QS-UNet (models/d3tod2/st_unet.py's ConvGRUCell,
// qs_unet.py's BiConvGRUCell: the same class under two names).
import { cat, nn, type Tensor } from '@dias-ts/torch';

/** A convolutional GRU cell (Ballas et al., ICLR 2016). */
export class ConvGRUCell extends nn.Module {
  readonly input_channels: number;
  readonly hidden_channels: number;
  readonly kernel_size: number;
  readonly reset_gate: nn.Conv2d;
  readonly update_gate: nn.Conv2d;
  readonly output_gate: nn.Conv2d;

  constructor(input_channels: number, hidden_channels: number, kernel_size: number) {
    super();
    this.input_channels = input_channels;
    this.hidden_channels = hidden_channels;
    this.kernel_size = kernel_size;
    const padding = Math.floor(kernel_size / 2);
    const inC = input_channels + hidden_channels;
    this.reset_gate = this.registerModule('reset_gate', new nn.Conv2d(inC, hidden_channels, kernel_size, { padding }));
    this.update_gate = this.registerModule(
      'update_gate',
      new nn.Conv2d(inC, hidden_channels, kernel_size, { padding }),
    );
    this.output_gate = this.registerModule(
      'output_gate',
      new nn.Conv2d(inC, hidden_channels, kernel_size, { padding }),
    );
    // The official Kaiming init loops over state-dict keys (strings), never matches a Conv2d and so does nothing:
    // the gates keep PyTorch's default initialisation, as here.
  }

  /** The next hidden state; the official callers always pass a hidden state (never the zero default). */
  forward(x: Tensor, hidden: Tensor): Tensor {
    const inputs = cat([x, hidden], 1);
    const reset = this.reset_gate.forward(inputs).sigmoid();
    const update = this.update_gate.forward(inputs).sigmoid();
    const candidate = this.output_gate.forward(cat([x, reset.mul(hidden)], 1)).tanh();
    return update.rsub(1).mul(candidate).add(update.mul(hidden));
  }
}
