// The FR-UNet building blocks, shared by FR-UNet (official models/d2/fr_unet.py) and VSS-Net's decoder
// (models/d3tod2/vss_net.py). The two files differ in exactly two ways: VSS-Net's classes take an is_BN flag
// (false: InstanceNorm2d, which has no parameters or buffers), and VSS-Net's Up/Down put a Dropout2d(dp) before the
// activation while FR-UNet's up/down have none (so their LeakyReLU sits at index 2, not 3; no key changes).
// Names here are VSS-Net's; fr-unet.ts subclasses them under FR-UNet's names (conv, up, down).
import { nn, scope, tensor, type Tensor } from '@dias-ts/torch';

function norm2d(channels: number, is_BN: boolean): nn.BatchNorm2d | nn.InstanceNorm2d {
  return is_BN ? new nn.BatchNorm2d(channels) : new nn.InstanceNorm2d(channels);
}

/** A 1x1 projection when the width changes, then (3x3 conv, norm, dropout, LeakyReLU, 3x3 conv, norm, dropout) + shortcut. */
export class Res_conv extends nn.Module {
  readonly conv11: nn.Conv2d | null;
  readonly conv: nn.Sequential;
  readonly relu: nn.LeakyReLU;

  constructor(in_c: number, out_c: number, dp = 0, is_BN = true) {
    super();
    this.conv11 = this.registerModule('conv11', in_c !== out_c ? new nn.Conv2d(in_c, out_c, 1) : null);
    this.conv = this.registerModule('conv', new nn.Sequential(
      new nn.Conv2d(out_c, out_c, 3, { padding: 1, bias: false }),
      norm2d(out_c, is_BN),
      new nn.Dropout2d(dp),
      new nn.LeakyReLU(0.1, { inplace: true }),
      new nn.Conv2d(out_c, out_c, 3, { padding: 1, bias: false }),
      norm2d(out_c, is_BN),
      new nn.Dropout2d(dp),
    ));
    this.relu = this.registerModule('relu', new nn.LeakyReLU(0.1, { inplace: true }));
  }

  forward(x: Tensor): Tensor {
    return scope(() => {
      const res = this.conv11 ? this.conv11.forward(x) : x;
      // In place: the sum's left side is this block's own fresh output, which no backward pass needs.
      return this.relu.forward(this.conv.forward(res).add_(res));
    });
  }
}

/** 1x1 + 3x3 + dilated 3x3 convolutions summed, then normalised: the block's input fusion. */
export class feature_fuse extends nn.Module {
  readonly conv11: nn.Conv2d;
  readonly conv33: nn.Conv2d;
  readonly conv33_di: nn.Conv2d;
  readonly norm: nn.BatchNorm2d | nn.InstanceNorm2d;

  constructor(in_c: number, out_c: number, is_BN = true) {
    super();
    this.conv11 = this.registerModule('conv11', new nn.Conv2d(in_c, out_c, 1, { padding: 0, bias: false }));
    this.conv33 = this.registerModule('conv33', new nn.Conv2d(in_c, out_c, 3, { padding: 1, bias: false }));
    this.conv33_di = this.registerModule('conv33_di', new nn.Conv2d(in_c, out_c, 3, { padding: 2, bias: false, dilation: 2 }));
    this.norm = this.registerModule('norm', norm2d(out_c, is_BN));
  }

  forward(x: Tensor): Tensor {
    return scope(() => this.norm.forward(this.conv11.forward(x).add_(this.conv33.forward(x)).add_(this.conv33_di.forward(x))));
  }
}

/** Transposed 2x2 convolution (stride 2), norm, [Dropout2d when dp is a number], LeakyReLU. */
export class Up extends nn.Module {
  readonly up: nn.Sequential;

  /** dp null builds FR-UNet's up, which has no dropout layer. */
  constructor(in_c: number, out_c: number, dp: number | null = 0, is_BN = true) {
    super();
    const layers: nn.Layer[] = [new nn.ConvTranspose2d(in_c, out_c, 2, { padding: 0, stride: 2, bias: false }), norm2d(out_c, is_BN)];
    if (dp !== null) layers.push(new nn.Dropout2d(dp));
    layers.push(new nn.LeakyReLU(0.1));
    this.up = this.registerModule('up', new nn.Sequential(...layers));
  }

  forward(x: Tensor): Tensor {
    return scope(() => this.up.forward(x));
  }
}

/** Strided 2x2 convolution, norm, [Dropout2d when dp is a number], LeakyReLU. */
export class Down extends nn.Module {
  readonly down: nn.Sequential;

  /** dp null builds FR-UNet's down, which has no dropout layer. */
  constructor(in_c: number, out_c: number, dp: number | null = 0, is_BN = true) {
    super();
    const layers: nn.Layer[] = [new nn.Conv2d(in_c, out_c, 2, { padding: 0, stride: 2, bias: false }), norm2d(out_c, is_BN)];
    if (dp !== null) layers.push(new nn.Dropout2d(dp));
    layers.push(new nn.LeakyReLU(0.1, { inplace: true }));
    this.down = this.registerModule('down', new nn.Sequential(...layers));
  }

  forward(x: Tensor): Tensor {
    return scope(() => this.down.forward(x));
  }
}

/** How a block builds its parts: the one place FR-UNet's and VSS-Net's blocks differ. */
export interface BlockParts {
  fuse(in_c: number, out_c: number): feature_fuse;
  conv(in_c: number, out_c: number, dp: number): Res_conv;
  up(in_c: number, out_c: number, dp: number): Up;
  down(in_c: number, out_c: number, dp: number): Down;
}

/** VSS-Net's parts: the is_BN norm everywhere, and the block's dropout in Up and Down too. */
export function vssBlockParts(is_BN = true): BlockParts {
  return {
    fuse: (i, o) => new feature_fuse(i, o, is_BN),
    conv: (i, o, dp) => new Res_conv(i, o, dp, is_BN),
    up: (i, o, dp) => new Up(i, o, dp, is_BN),
    down: (i, o, dp) => new Down(i, o, dp, is_BN),
  };
}

/**
 * One node of the full-resolution grid: fuse the concatenated inputs to out_c channels (only when the width
 * changes; the fuse layer exists either way), a residual double convolution, and optionally an up (to half the
 * width) and a down (to twice the width) output. forward returns [x], [x, up], [x, down] or [x, up, down].
 */
export class block extends nn.Module {
  readonly in_c: number;
  readonly out_c: number;
  readonly fuse: feature_fuse | nn.Conv2d;
  readonly is_up: boolean;
  readonly is_down: boolean;
  readonly conv: Res_conv;
  readonly up: Up | null = null;
  readonly down: Down | null = null;

  constructor(in_c: number, out_c: number, dp = 0, is_up = false, is_down = false, fuse = false, parts: BlockParts = vssBlockParts()) {
    super();
    this.in_c = in_c;
    this.out_c = out_c;
    this.fuse = this.registerModule('fuse', fuse ? parts.fuse(in_c, out_c) : new nn.Conv2d(in_c, out_c, 1, { stride: 1 }));
    this.is_up = is_up;
    this.is_down = is_down;
    this.conv = this.registerModule('conv', parts.conv(out_c, out_c, dp));
    if (is_up) this.up = this.registerModule('up', parts.up(out_c, Math.floor(out_c / 2), dp));
    if (is_down) this.down = this.registerModule('down', parts.down(out_c, out_c * 2, dp));
  }

  forward(x: Tensor): Tensor[] {
    return scope(() => {
      const fused = this.in_c !== this.out_c ? this.fuse.forward(x) : x;
      const y = this.conv.forward(fused);
      const out = [y];
      if (this.up) out.push(this.up.forward(y));
      if (this.down) out.push(this.down.forward(y));
      return out;
    });
  }
}

/** The five side outputs' mean (out_ave) or the last one alone: the FR-UNet head. */
export function frUNetHead(finals: readonly nn.Conv2d[], features: readonly Tensor[], out_ave: boolean): Tensor {
  return scope(() => {
    if (!out_ave) return finals[4].forward(features[4]);
    const sum = finals[0].forward(features[0]);
    for (let i = 1; i < 5; i++) sum.add_(finals[i].forward(features[i]));
    return sum.div_(5);
  });
}

/** Frames kept by an input_reduce option: the mean or min over dim (kept, size 1), or the listed indices. */
export function reduceFrames(x: Tensor, dim: number, input_reduce: InputReduce, model: string): Tensor {
  if (input_reduce === null) return x;
  if (input_reduce === 'mean') return x.mean(dim, true);
  if (input_reduce === 'min') return scope(() => x.min(dim, true).values);
  const n = x.size(dim);
  // Python list indexing: negatives count from the end.
  const indices = input_reduce.map((i) => {
    if (i < -n || i >= n) throw new Error(`${model}: input_reduce frame index ${i} is out of range for an input with ${n} frames`);
    return i < 0 ? i + n : i;
  });
  if (indices.length === n && indices.every((i, k) => i === k)) return x;
  return scope(() => x.indexSelect(dim, tensor(indices, { dtype: 'int64', device: x.device })));
}

/** The official input_reduce option: null (all frames), 'mean', 'min', or a list of frame indices. */
export type InputReduce = null | 'mean' | 'min' | number[];

/** Reads input_reduce; undefined counts as null. */
export function inputReduceOption(options: Record<string, unknown>, model: string): InputReduce {
  const v = options.input_reduce;
  if (v === undefined || v === null) return null;
  if (v === 'mean' || v === 'min') return v;
  if (Array.isArray(v) && v.length > 0 && v.every((i) => typeof i === 'number' && Number.isInteger(i))) return [...(v as number[])];
  throw new Error(`${model}: option 'input_reduce' must be null, 'mean', 'min' or a non-empty list of frame indices, got ${JSON.stringify(v)}`);
}

/** A positive number option (feature_scale: Python divides and truncates, so it need not be an integer). */
export function positiveNumberOption(options: Record<string, unknown>, key: string, model: string): number {
  const v = options[key];
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new Error(`${model}: option '${key}' must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

/** Python's int(f / feature_scale) for the five widths 64..1024. */
export function frUNetFilters(feature_scale: number, model: string): number[] {
  const filters = [64, 128, 256, 512, 1024].map((f) => Math.trunc(f / feature_scale));
  if (filters[0] < 2) throw new Error(`${model}: feature_scale ${feature_scale} leaves fewer than 2 channels at the first level`);
  return filters;
}
