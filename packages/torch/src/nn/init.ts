// Parameter initialisers, as torch.nn.init. Each fills its tensor in place without recording autograd history
// and returns it; the random ones take an optional Generator so that an initialisation can be reproduced
// without touching the global generator.
import type { Tensor } from '../tensor.js';
import type { Generator } from '../creation.js';
import { noGrad } from '../autograd.js';

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

export type FanMode = 'fan_in' | 'fan_out';

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); param is leaky_relu's negative slope. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.sqrt(2);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity '${nonlinearity as string}'`);
  }
}

/**
 * [fanIn, fanOut] as torch.nn.init._calculate_fan_in_and_fan_out: dim 1 and dim 0 times the receptive field
 * (the product of the dims after the first two). Note that for a transposed convolution's weight, laid out
 * [in, out/groups, ...k], this makes fanIn = out/groups * k, exactly as PyTorch computes it.
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  const shape = t.shape;
  if (shape.length < 2)
    throw new Error('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

function correctFan(t: Tensor, mode: FanMode): number {
  if (mode !== 'fan_in' && mode !== 'fan_out')
    throw new Error(`Mode ${mode as string} not supported, please use one of fan_in, fan_out`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return mode === 'fan_in' ? fanIn : fanOut;
}

export function uniform_(t: Tensor, a = 0, b = 1, generator?: Generator): Tensor {
  return noGrad(() => t.uniform_(a, b, generator));
}

export function normal_(t: Tensor, mean = 0, std = 1, generator?: Generator): Tensor {
  return noGrad(() => t.normal_(mean, std, generator));
}

export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

export function zeros_(t: Tensor): Tensor {
  return noGrad(() => t.zero_());
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const fan = correctFan(t, o.mode ?? 'fan_in');
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/** U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al. 2015), as torch.nn.init.kaiming_uniform_. */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  // PyTorch skips zero-element tensors (their fan may be 0).
  if (t.numel === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform_(t, -bound, bound, options.generator);
}

/** N(0, std²) with std = gain / sqrt(fan), as torch.nn.init.kaiming_normal_. */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (t.numel === 0) return t;
  return normal_(t, 0, kaimingStd(t, options), options.generator);
}

export interface XavierOptions {
  gain?: number;
  generator?: Generator;
}

function xavierStd(t: Tensor, gain: number): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio 2010), as torch.nn.init.xavier_uniform_. */
export function xavierUniform_(t: Tensor, options: XavierOptions = {}): Tensor {
  const a = Math.sqrt(3) * xavierStd(t, options.gain ?? 1);
  return uniform_(t, -a, a, options.generator);
}

/** N(0, std²) with std = gain * sqrt(2 / (fanIn + fanOut)), as torch.nn.init.xavier_normal_. */
export function xavierNormal_(t: Tensor, options: XavierOptions = {}): Tensor {
  return normal_(t, 0, xavierStd(t, options.gain ?? 1), options.generator);
}
