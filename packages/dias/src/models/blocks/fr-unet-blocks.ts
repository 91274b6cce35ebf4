// The FR-UNet building blocks, shared by FR-UNet (official models/d2/fr_unet.py), FR_UNet_3D (models/d3/fr_unet_3d.py)
// and VSS-Net's decoder (models/d3tod2/vss_net.py). fr_unet.py and vss_net.py differ in exactly two ways: VSS-Net's
// classes take an is_BN flag (false: InstanceNorm2d, which has no parameters or buffers), and VSS-Net's Up/Down put
// a Dropout2d(dp) before the activation while FR-UNet's up/down have none (so their LeakyReLU sits at index 2, not 3;
// no key changes). fr_unet_3d.py has the same block and grid with 3D parts. Names here are VSS-Net's; FR-UNet's
// up and down are blocks/res-blocks' (VSS-Net's Up and Down without the dropout).
import { cat, nn, scope, tensor, type Tensor } from '@dias-ts/torch';
import { DIM_2D, norm, type Dim } from './dims.js';
import { down, up } from './res-blocks.js';
import { boolOption, positiveIntOption, positiveNumberOption, probabilityOption } from './model-options.js';
import type { ModelOptions } from '../model-spec.js';
import { showValue } from '../../show-value.js';

/** A 1x1 projection when the width changes, then (3x3 conv, norm, dropout, LeakyReLU, 3x3 conv, norm, dropout) + shortcut. */
export class Res_conv extends nn.Module {
  readonly conv11: nn.Conv2d | null;
  readonly conv: nn.Sequential;
  readonly relu: nn.LeakyReLU;

  constructor(in_c: number, out_c: number, dp = 0, is_BN = true) {
    super();
    this.conv11 = this.registerModule('conv11', in_c !== out_c ? new nn.Conv2d(in_c, out_c, 1) : null);
    this.conv = this.registerModule(
      'conv',
      new nn.Sequential(
        new nn.Conv2d(out_c, out_c, 3, { padding: 1, bias: false }),
        norm(out_c, is_BN),
        new nn.Dropout2d(dp),
        new nn.LeakyReLU(0.1, { inplace: true }),
        new nn.Conv2d(out_c, out_c, 3, { padding: 1, bias: false }),
        norm(out_c, is_BN),
        new nn.Dropout2d(dp),
      ),
    );
    this.relu = this.registerModule('relu', new nn.LeakyReLU(0.1, { inplace: true }));
  }

  forward(x: Tensor): Tensor {
    const res = this.conv11 ? this.conv11.forward(x) : x;
    // In place: the sum's left side is this block's own fresh output, which no backward pass needs.
    return this.relu.forward(this.conv.forward(res).add_(res));
  }
}

/** 1x1 + 3x3 + dilated 3x3 convolutions summed, then normalised: the block's input fusion (3x3x3 in FR_UNet_3D). */
export class feature_fuse extends nn.Module {
  readonly conv11: nn.Conv2d | nn.Conv3d;
  readonly conv33: nn.Conv2d | nn.Conv3d;
  readonly conv33_di: nn.Conv2d | nn.Conv3d;
  readonly norm: nn.BatchNorm | nn.InstanceNorm;

  constructor(in_c: number, out_c: number, is_BN = true, dim: Dim = DIM_2D) {
    super();
    this.conv11 = this.registerModule('conv11', new dim.Conv(in_c, out_c, 1, { padding: 0, bias: false }));
    this.conv33 = this.registerModule('conv33', new dim.Conv(in_c, out_c, 3, { padding: 1, bias: false }));
    this.conv33_di = this.registerModule(
      'conv33_di',
      new dim.Conv(in_c, out_c, 3, { padding: 2, bias: false, dilation: 2 }),
    );
    this.norm = this.registerModule('norm', norm(out_c, is_BN, dim));
  }

  forward(x: Tensor): Tensor {
    return this.norm.forward(this.conv11.forward(x).add_(this.conv33.forward(x)).add_(this.conv33_di.forward(x)));
  }
}

/** VSS-Net's Up: transposed 2x2 convolution (stride 2), norm, Dropout2d, LeakyReLU. */
export class Up extends up {
  constructor(in_c: number, out_c: number, dp = 0, is_BN = true) {
    super(in_c, out_c, { dp, is_BN });
  }
}

/** VSS-Net's Down: strided 2x2 convolution, norm, Dropout2d, LeakyReLU. */
export class Down extends down {
  constructor(in_c: number, out_c: number, dp = 0, is_BN = true) {
    super(in_c, out_c, { dp, is_BN });
  }
}

/** How a block builds its parts: the one place the FR-UNet, FR_UNet_3D and VSS-Net blocks differ. */
export interface BlockParts {
  fuse(in_c: number, out_c: number): feature_fuse;
  conv(in_c: number, out_c: number, dp: number): nn.Layer;
  up(in_c: number, out_c: number, dp: number): up;
  down(in_c: number, out_c: number, dp: number): down;
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
  readonly conv: nn.Layer;
  readonly up: up | null = null;
  readonly down: down | null = null;

  constructor(
    in_c: number,
    out_c: number,
    dp = 0,
    is_up = false,
    is_down = false,
    fuse = false,
    parts: BlockParts = vssBlockParts(),
  ) {
    super();
    this.in_c = in_c;
    this.out_c = out_c;
    // Without fuse the layer is a Conv2d in FR_UNet_3D too (official), which cannot take its 5-D features.
    this.fuse = this.registerModule(
      'fuse',
      fuse ? parts.fuse(in_c, out_c) : new nn.Conv2d(in_c, out_c, 1, { stride: 1 }),
    );
    this.is_up = is_up;
    this.is_down = is_down;
    this.conv = this.registerModule('conv', parts.conv(out_c, out_c, dp));
    if (is_up) this.up = this.registerModule('up', parts.up(out_c, Math.floor(out_c / 2), dp));
    if (is_down) this.down = this.registerModule('down', parts.down(out_c, out_c * 2, dp));
  }

  forward(x: Tensor): Tensor[] {
    const fused = this.in_c !== this.out_c ? this.fuse.forward(x) : x;
    const y = this.conv.forward(fused);
    const out = [y];
    if (this.up) out.push(this.up.forward(y));
    if (this.down) out.push(this.down.forward(y));
    return out;
  }
}

/** The decoder grid's blocks, five heads and unused fuse layer by attribute name, as the official models have them. */
export interface FRUNetDecoder<Head extends nn.Layer = nn.Conv2d, Fuse extends nn.Module = nn.Conv2d> {
  readonly block1_3: block;
  readonly block1_2: block;
  readonly block1_1: block;
  readonly block10: block;
  readonly block11: block;
  readonly block12: block;
  readonly block13: block;
  readonly block2_2: block;
  readonly block2_1: block;
  readonly block20: block;
  readonly block21: block;
  readonly block22: block;
  readonly block3_1: block;
  readonly block30: block;
  readonly block31: block;
  readonly block40: block;
  readonly final1: Head;
  readonly final2: Head;
  readonly final3: Head;
  readonly final4: Head;
  readonly final5: Head;
  /** Registered (and initialised) but unused, as in the official models. */
  readonly fuse: Fuse;
}

/** How registerFRUNetDecoder builds the five heads and the unused fuse layer. */
export interface FRUNetHeads<Head extends nn.Layer, Fuse extends nn.Module> {
  head(): Head;
  fuse(): Fuse;
}

/** FR-UNet's and VSS-Net's heads: 1x1 Conv2d from the first level's width (and the unused fuse from five) to the classes. */
export function conv2dHeads(in_c: number, num_classes: number): FRUNetHeads<nn.Conv2d, nn.Conv2d> {
  return {
    head: () => new nn.Conv2d(in_c, num_classes, 1, { padding: 0, bias: true }),
    fuse: () => new nn.Conv2d(5, num_classes, 1, { padding: 0, bias: true }),
  };
}

/**
 * Builds FR-UNet's decoder grid for the level widths f (blocks from makeBlock), its five heads and the unused fuse
 * layer, and registers them on owner in the official order; returns them for the model to keep as its attributes.
 * in_channels is block1_3's input width; null for VSS-Net, whose encoder supplies the downsampled features: it has no
 * block1_3, and its block2_2 and block3_1 have no down branch.
 */
export function registerFRUNetDecoder<Head extends nn.Layer, Fuse extends nn.Module>(
  owner: nn.Module,
  f: readonly number[],
  in_channels: number | null,
  makeBlock: (in_c: number, out_c: number, is_up: boolean, is_down: boolean) => block,
  heads: FRUNetHeads<Head, Fuse>,
): Omit<FRUNetDecoder<Head, Fuse>, 'block1_3'> & { block1_3?: block } {
  const encoder = in_channels === null;
  const b = (name: string, in_c: number, out_c: number, is_up: boolean, is_down: boolean) =>
    owner.registerModule(name, makeBlock(in_c, out_c, is_up, is_down));
  const head = (name: string) => owner.registerModule(name, heads.head());
  return {
    ...(in_channels === null ? {} : { block1_3: b('block1_3', in_channels, f[0], false, true) }),
    block1_2: b('block1_2', f[0], f[0], false, true),
    block1_1: b('block1_1', f[0] * 2, f[0], false, true),
    block10: b('block10', f[0] * 2, f[0], false, true),
    block11: b('block11', f[0] * 2, f[0], false, true),
    block12: b('block12', f[0] * 2, f[0], false, false),
    block13: b('block13', f[0] * 2, f[0], false, false),
    block2_2: b('block2_2', f[1], f[1], true, !encoder),
    block2_1: b('block2_1', f[1] * 2, f[1], true, true),
    block20: b('block20', f[1] * 3, f[1], true, true),
    block21: b('block21', f[1] * 3, f[1], true, false),
    block22: b('block22', f[1] * 3, f[1], true, false),
    block3_1: b('block3_1', f[2], f[2], true, !encoder),
    block30: b('block30', f[2] * 2, f[2], true, false),
    block31: b('block31', f[2] * 3, f[2], true, false),
    block40: b('block40', f[3], f[3], true, false),
    final1: head('final1'),
    final2: head('final2'),
    final3: head('final3'),
    final4: head('final4'),
    final5: head('final5'),
    fuse: owner.registerModule('fuse', heads.fuse()),
  };
}

/**
 * The official forward through the grid below block1_3 (fr_unet.py, fr_unet_3d.py and vss_net.py alike), in the
 * official order, to the five head inputs [x1_1, x10, x11, x12, x13]. x1 and x2 are the inputs of block1_2 and
 * block2_2; x3 and x4 those of block3_1 and block40: VSS-Net's encoder features, or (FR-UNet, without them) the
 * down branches of block2_2 and block3_1. xA_B is a block's main output, x_upA_B / x_downA_B its branches.
 */
export function frUNetGridForward(
  m: Omit<FRUNetDecoder<nn.Layer, nn.Module>, 'block1_3'>,
  x1: Tensor,
  x2: Tensor,
  x3?: Tensor,
  x4?: Tensor,
): Tensor[] {
  const [x1_2, x_down1_2] = m.block1_2.forward(x1);
  const [x2_2, x_up2_2, x_down2_2] = m.block2_2.forward(x2);
  const [x1_1, x_down1_1] = m.block1_1.forward(cat([x1_2, x_up2_2], 1));
  const [x2_1, x_up2_1, x_down2_1] = m.block2_1.forward(cat([x_down1_2, x2_2], 1));
  const [x3_1, x_up3_1, x_down3_1] = m.block3_1.forward(x3 ?? x_down2_2);
  const [x10, x_down10] = m.block10.forward(cat([x1_1, x_up2_1], 1));
  const [x20, x_up20, x_down20] = m.block20.forward(cat([x_down1_1, x2_1, x_up3_1], 1));
  const [x30, x_up30] = m.block30.forward(cat([x_down2_1, x3_1], 1));
  const [, x_up40] = m.block40.forward(x4 ?? x_down3_1);
  const [x11, x_down11] = m.block11.forward(cat([x10, x_up20], 1));
  const [x21, x_up21] = m.block21.forward(cat([x_down10, x20, x_up30], 1));
  const [, x_up31] = m.block31.forward(cat([x_down20, x30, x_up40], 1));
  const [x12] = m.block12.forward(cat([x11, x_up21], 1));
  const [, x_up22] = m.block22.forward(cat([x_down11, x21, x_up31], 1));
  const [x13] = m.block13.forward(cat([x12, x_up22], 1));
  return [x1_1, x10, x11, x12, x13];
}

/** The five side outputs' mean (out_ave) or the last one alone: the FR-UNet head. */
export function frUNetHead(
  m: Pick<FRUNetDecoder<nn.Layer>, `final${1 | 2 | 3 | 4 | 5}`>,
  features: readonly Tensor[],
  out_ave: boolean,
): Tensor {
  const finals = [m.final1, m.final2, m.final3, m.final4, m.final5];
  if (!out_ave) return finals[4].forward(features[4]);
  const sum = finals[0].forward(features[0]);
  for (let i = 1; i < 5; i++) sum.add_(finals[i].forward(features[i]));
  return sum.div_(5);
}

/** Frames kept by an input_reduce option: the mean or min over dim (kept, size 1), or the listed indices. */
export function reduceFrames(x: Tensor, dim: number, input_reduce: InputReduce, model: string): Tensor {
  if (input_reduce === null) return x;
  if (input_reduce === 'mean') return x.mean(dim, true);
  if (input_reduce === 'min') return scope(() => x.min(dim, true).values);
  const n = x.size(dim);
  // Python list indexing: negatives count from the end.
  const indices = input_reduce.map((i) => {
    if (i < -n || i >= n)
      throw new Error(`${model}: input_reduce frame index ${i} is out of range for an input with ${n} frames`);
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
  if (Array.isArray(v) && v.length > 0 && v.every((i) => typeof i === 'number' && Number.isInteger(i)))
    return [...(v as number[])];
  throw new Error(
    `${model}: option 'input_reduce' must be null, 'mean', 'min' or a non-empty list of frame indices, got ${showValue(v)}`,
  );
}

/** The options FR-UNet and VSS-Net both take (official names), read and checked. */
export interface FRUNetOptions {
  input_reduce: InputReduce;
  num_classes: number;
  num_channels: number;
  /** Python divides by it and truncates, so it need not be an integer. */
  feature_scale: number;
  dropout: number;
  fuse: boolean;
  out_ave: boolean;
}

export function frUNetOptions(options: ModelOptions, model: string): FRUNetOptions {
  return {
    input_reduce: inputReduceOption(options, model),
    num_classes: positiveIntOption(options, 'num_classes', model),
    num_channels: positiveIntOption(options, 'num_channels', model),
    feature_scale: positiveNumberOption(options, 'feature_scale', model),
    dropout: probabilityOption(options, 'dropout', model),
    fuse: boolOption(options, 'fuse', model),
    out_ave: boolOption(options, 'out_ave', model),
  };
}

/** Python's int(f / feature_scale) for the five widths 64..1024. */
export function frUNetFilters(feature_scale: number, model: string): number[] {
  const filters = [64, 128, 256, 512, 1024].map((f) => Math.trunc(f / feature_scale));
  if (filters[0] < 2)
    throw new Error(`${model}: feature_scale ${feature_scale} leaves fewer than 2 channels at the first level`);
  return filters;
}
