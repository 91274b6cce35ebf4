// Activations and dropout, as torch.nn.functional.
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';

export const relu = (x: Tensor): Tensor => x.relu();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return new Tensor(native.leakyRelu(x.handle, negativeSlope));
}
export function elu(x: Tensor, alpha = 1): Tensor {
  return new Tensor(native.elu(x.handle, alpha));
}
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return new Tensor(native.gelu(x.handle, approximate));
}
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  return new Tensor(native.hardtanh(x.handle, minVal, maxVal));
}
export function relu6(x: Tensor): Tensor {
  return new Tensor(native.unary('relu6', x.handle));
}
export function silu(x: Tensor): Tensor {
  return new Tensor(native.unary('silu', x.handle));
}
export function softplus(x: Tensor): Tensor {
  return new Tensor(native.unary('softplus', x.handle));
}
export function prelu(x: Tensor, weight: Tensor): Tensor {
  return new Tensor(native.prelu(x.handle, weight.handle));
}
export function softmax(x: Tensor, dim: number, dtype?: DType): Tensor {
  return new Tensor(native.softmax(x.handle, dim, dtype ?? null));
}
export function logSoftmax(x: Tensor, dim: number, dtype?: DType): Tensor {
  return new Tensor(native.logSoftmax(x.handle, dim, dtype ?? null));
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p) when training. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  return new Tensor(native.dropout(x.handle, p, training, 'element'));
}
/** Zeroes whole channels (dims after the first two are one feature map), as F.dropout2d. */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  return new Tensor(native.dropout(x.handle, p, training, 'feature'));
}
/** Zeroes whole 3-D feature maps, as F.dropout3d. */
export function dropout3d(x: Tensor, p = 0.5, training = true): Tensor {
  return new Tensor(native.dropout(x.handle, p, training, 'feature'));
}
