// VSS-Net (official models/d3tod2/vss_net.py): a per-frame residual stem, four bidirectional ConvGRU sequence
// feature extraction modules whose temporal maxima are the skips, and FR-UNet's multi-resolution decoder with the
// mean of five heads. Input [B, C, T, H, W]; input_reduce picks the frames the model sees (official default [0, 7]).
import { F, cat, nn, scope, zeros, type Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from './model-spec.js';
import { checkInput } from './blocks/check-input.js';
import { checkInputChannels } from './blocks/frames.js';
import { ConvGRUCell } from './blocks/conv-gru.js';
import { initWeights } from './blocks/init-weights.js';
import {
  Down,
  Res_conv,
  block,
  conv2dHeads,
  feature_fuse,
  frUNetFilters,
  frUNetGridForward,
  frUNetHead,
  frUNetOptions,
  reduceFrames,
  registerFRUNetDecoder,
  vssBlockParts,
  Up,
  type FRUNetDecoder,
  type InputReduce,
} from './blocks/fr-unet-blocks.js';

export { Down, Res_conv, block, feature_fuse, Up };

/**
 * Frames per call of a per-frame layer: all of them on a GPU, where fewer and larger kernels win; on the CPU as many
 * as keep a chunk's largest activation within CPU_CHUNK_BYTES (at least one). There the elementwise work is
 * memory-bound, and at 64x64 and batch 4 one frame at a time (2-4 MB) ran up to 1.5x faster than all eight at once,
 * while deep levels with small frames gain from batching.
 */
const CPU_CHUNK_BYTES = 2 * 2 ** 20;

function frameChunks(frames: number, device: string, bytesPerFrame: number): [start: number, count: number][] {
  const per = device === 'cpu' ? Math.max(1, Math.floor(CPU_CHUNK_BYTES / bytesPerFrame)) : frames;
  const out: [number, number][] = [];
  for (let start = 0; start < frames; start += per) out.push([start, Math.min(per, frames - start)]);
  return out;
}

/**
 * Applies a 2-D layer to every frame of x (frames along frameDim: 1 for [B, T, C, H, W], 2 for [B, C, T, H, W]), a
 * chunk of frames per call as one batch of B*n images; returns [B, T, C', H', W']. perFrame forces one frame per
 * call, for batch norm in training mode, whose statistics would otherwise span several frames.
 */
function mapFrameChunks(
  x: Tensor,
  frameDim: 1 | 2,
  layer: (frames: Tensor) => Tensor,
  bytesPerFrame: number,
  perFrame: boolean,
): Tensor {
  const t = x.size(frameDim);
  const chunks = perFrame ? frameChunks(t, 'cpu', Infinity) : frameChunks(t, x.device, bytesPerFrame);
  const outs = chunks.map(([start, n]) => {
    // A single frame goes in as a view (the layer copies it if it must); several as one contiguous batch.
    if (n === 1) return layer(x.select(frameDim, start)).unsqueeze(1);
    const part = frameDim === 1 ? x.narrow(1, start, n) : x.narrow(2, start, n).transpose(1, 2);
    const [b, , c, h, w] = part.shape;
    const y = layer(part.reshape([b * n, c, h, w]));
    return y.view([b, n, ...y.shape.slice(1)]);
  });
  return outs.length === 1 ? outs[0] : cat(outs, 1);
}

/** Res_conv on every frame: [B, C, T, H, W] -> [B, T, C', H, W]. */
export class Seq_conv extends nn.Module {
  readonly SeqConv: Res_conv;
  private readonly is_BN: boolean;
  private readonly out_channels: number;

  constructor(in_channels: number, out_channels: number, dp = 0, is_BN = true) {
    super();
    this.is_BN = is_BN;
    this.out_channels = out_channels;
    this.SeqConv = this.registerModule('SeqConv', new Res_conv(in_channels, out_channels, dp, is_BN));
  }

  forward(x: Tensor): Tensor {
    const [b, c, , h, w] = x.shape;
    // Instance norm is per image, so frames may share a call; training batch norm may not.
    const bytes = b * Math.max(c, this.out_channels) * h * w * 4;
    return mapFrameChunks(x, 2, (frames) => this.SeqConv.forward(frames), bytes, this.training && this.is_BN);
  }
}

/** Down on every frame (one weight-shared strided convolution): [B, T, C, H, W] -> [B, T, C', H/2, W/2]. */
export class Sequence_down extends nn.Module {
  readonly down: Down;
  private readonly is_BN: boolean;

  constructor(in_c: number, out_c: number, dp: number, is_BN = true) {
    super();
    this.is_BN = is_BN;
    this.down = this.registerModule('down', new Down(in_c, out_c, dp, is_BN));
  }

  forward(x: Tensor): Tensor {
    const [b, , c, h, w] = x.shape;
    return mapFrameChunks(x, 1, (frames) => this.down.forward(frames), b * c * h * w * 4, this.training && this.is_BN);
  }
}

/**
 * VSS-Net's convolutional GRU cell: blocks/conv-gru's ConvGRUCell (the same gates, names and order) with the official
 * cuda_flag kept, a zero hidden state when none is given, and the reset and update gates run as one convolution.
 */
export class BiConvGRUCell extends ConvGRUCell {
  readonly cuda_flag: boolean;

  constructor(input_channels: number, hidden_channels: number, kernel_size: number, cuda_flag = true) {
    super(input_channels, hidden_channels, kernel_size);
    this.cuda_flag = cuda_flag;
  }

  /** One step; a null hidden state starts from zeros (on the input's device, whatever cuda_flag says). */
  override forward(x: Tensor, hidden: Tensor | null): Tensor {
    const h =
      hidden ?? zeros([x.size(0), this.hidden_channels, ...x.shape.slice(2)], { dtype: x.dtype, device: x.device });
    return this.step(x, h, this.fusedGates());
  }

  /** The reset and update gates as one convolution (their weights and biases stacked), made once per sequence. */
  fusedGates(): FusedGates {
    return {
      weight: cat([this.reset_gate.weight, this.update_gate.weight], 0),
      bias: cat([this.reset_gate.bias!, this.update_gate.bias!], 0),
    };
  }

  /** new hidden = (1 - update) * tanh(output_gate([x, reset * h])) + update * h. */
  step(x: Tensor, h: Tensor, gates: FusedGates): Tensor {
    return scope(() => {
      const padding = Math.floor(this.kernel_size / 2);
      const [reset, update] = F.conv2d(cat([x, h], 1), gates.weight, gates.bias, { padding })
        .sigmoid()
        .split(this.hidden_channels, 1);
      const candidate = this.output_gate.forward(cat([x, reset.mul(h)], 1)).tanh();
      return candidate.lerp(h, update);
    });
  }
}

/** A cell's reset and update gates stacked into one convolution. */
export interface FusedGates {
  weight: Tensor;
  bias: Tensor;
}

/**
 * A sequence feature extraction module: (for deeper ones) a weight-shared strided convolution of [raw frames
 * resized to this width, features] per frame, a forward and a backward ConvGRU each started from its first frame's
 * features, a tanh 3x3 fusion of the two per frame, and the temporal maximum as the skip connection.
 */
export class BiConvGRU extends nn.Module {
  readonly input_channels: number;
  readonly down: Sequence_down | null;
  readonly convgru_forward: BiConvGRUCell;
  readonly convgru_backward: BiConvGRUCell;
  readonly bidirection_conv: nn.Conv2d;

  constructor(input_channels: number, output_channels: number, is_down = true, dp = 0.2, is_BN = true) {
    super();
    this.input_channels = input_channels;
    this.down = this.registerModule(
      'down',
      is_down ? new Sequence_down(input_channels * 2, output_channels, dp, is_BN) : null,
    );
    this.convgru_forward = this.registerModule(
      'convgru_forward',
      new BiConvGRUCell(output_channels, output_channels, 3),
    );
    this.convgru_backward = this.registerModule(
      'convgru_backward',
      new BiConvGRUCell(output_channels, output_channels, 3),
    );
    this.bidirection_conv = this.registerModule(
      'bidirection_conv',
      new nn.Conv2d(2 * output_channels, output_channels, 3, { stride: 1, padding: 1 }),
    );
  }

  /** x [B, T, C, H, W] features, s [B, T, C0, H0, W0] raw frames; returns [sequences [B, T, C', H', W'], their max over T]. */
  forward(x: Tensor, s: Tensor | null = null): [Tensor, Tensor] {
    if (this.down) {
      if (!s) throw new Error('BiConvGRU: a downsampling module needs the raw frames s');
      const [, , , h, w] = x.shape;
      // s is [B, T, C0, H0, W0]: trilinear over (C0, H0, W0), so the frames' channels are stretched to this width.
      const frames = F.interpolate(s, { size: [this.input_channels, h, w], mode: 'trilinear', alignCorners: false });
      x = this.down.forward(cat([frames, x], 2));
    }
    const [b, t, , h, w] = x.shape;
    const frames = x.unbind(1);
    const forward = this.scan(this.convgru_forward, frames, false);
    const backward = this.scan(this.convgru_backward, frames, true);
    const ch = this.convgru_forward.hidden_channels;
    // [f0, b0, f1, b1, ...] along channels is [B, n, 2C, H, W] in memory: a chunk of frames' pairs in one batch.
    const fused = frameChunks(t, x.device, b * 2 * ch * h * w * 4).map(([start, n]) => {
      const pairs = cat(
        forward.slice(start, start + n).flatMap((fi, k) => [fi, backward[start + k]]),
        1,
      );
      return this.bidirection_conv
        .forward(pairs.view([b * n, 2 * ch, h, w]))
        .tanh()
        .view([b, n, ch, h, w]);
    });
    const sequences = fused.length === 1 ? fused[0] : cat(fused, 1);
    return [sequences, sequences.max(1).values];
  }

  /** The hidden state after each frame, by frame index; the recurrence starts from the first frame it reads. */
  private scan(cell: BiConvGRUCell, frames: readonly Tensor[], reverse: boolean): Tensor[] {
    return scope(() => {
      const t = frames.length;
      const gates = cell.fusedGates();
      const states = new Array<Tensor>(t);
      let h = frames[reverse ? t - 1 : 0];
      for (let k = 0; k < t; k++) {
        const i = reverse ? t - 1 - k : k;
        h = states[i] = cell.step(frames[i], h, gates);
      }
      return states;
    });
  }
}

/** The decoder's blocks block1_2 ... block40 (no block1_3), the heads final1 ... final5 and the unused fuse: see registerFRUNetDecoder. */
export interface VSS_Net extends Omit<FRUNetDecoder, 'block1_3'> {}

export class VSS_Net extends nn.Module {
  readonly options: ModelOptions;
  readonly input_reduce: InputReduce;
  readonly num_channels: number;
  readonly out_ave: boolean;
  readonly inc: Seq_conv;
  readonly en1: BiConvGRU;
  readonly en2: BiConvGRU;
  readonly en3: BiConvGRU;
  readonly en4: BiConvGRU;

  constructor(options: ModelOptions) {
    super();
    const name = 'VSS_Net';
    const o = frUNetOptions(options, name);
    const { num_classes, feature_scale, dropout, fuse } = o;
    this.input_reduce = o.input_reduce;
    this.num_channels = o.num_channels;
    this.out_ave = o.out_ave;
    this.options = { ...options, ...o };
    const filters = frUNetFilters(feature_scale, name);

    // The encoder uses instance norm; its downsampling keeps BiConvGRU's own dropout of 0.2, not `dropout`.
    this.inc = this.registerModule('inc', new Seq_conv(this.num_channels, filters[0], dropout, false));
    this.en1 = this.registerModule('en1', new BiConvGRU(filters[0], filters[0], false, 0.2, false));
    this.en2 = this.registerModule('en2', new BiConvGRU(filters[0], filters[1], true, 0.2, false));
    this.en3 = this.registerModule('en3', new BiConvGRU(filters[1], filters[2], true, 0.2, false));
    this.en4 = this.registerModule('en4', new BiConvGRU(filters[2], filters[3], true, 0.2, false));

    // The decoder is FR-UNet's with batch norm, and dropout in its Up and Down as well.
    const parts = vssBlockParts(true);
    const blk = (in_c: number, out_c: number, is_up: boolean, is_down: boolean) =>
      new block(in_c, out_c, dropout, is_up, is_down, fuse, parts);
    Object.assign(this, registerFRUNetDecoder(this, filters, null, blk, conv2dHeads(filters[0], num_classes)));
    this.apply(initWeights);
  }

  forward(input: Tensor): Tensor {
    checkInput(vssNetSpec, this.options, input);
    checkInputChannels('VSS_Net', input, this.num_channels);
    const [h, w] = input.shape.slice(-2);
    // en4 instance-normalises each frame at 1/8 scale, which needs more than one pixel.
    if (h < 16 || w < 16) throw new Error(`VSS_Net needs a height and width of at least 16, got ${h}x${w}`);
    const x = reduceFrames(input, 2, this.input_reduce, 'VSS_Net');
    const s = x.permute(0, 2, 1, 3, 4);
    const [seq1, sc1] = this.en1.forward(this.inc.forward(x));
    const [seq2, sc2] = this.en2.forward(seq1, s);
    const [seq3, sc3] = this.en3.forward(seq2, s);
    const [, sc4] = this.en4.forward(seq3, s);

    return frUNetHead(this, frUNetGridForward(this, sc1, sc2, sc3, sc4), this.out_ave);
  }
}

const VSS_NET_OPTIONS: ModelOptions = {
  num_classes: 2,
  num_channels: 1,
  feature_scale: 2,
  dropout: 0.2,
  fuse: true,
  out_ave: true,
};

export const vssNetSpec: ModelSpec = {
  name: 'VSS_Net',
  kind: '3d->2d',
  aliases: ['vss-net', 'vssnet'],
  summary:
    'VSS-Net: bidirectional ConvGRU sequence encoder with FR-UNet decoder; all frames by default (official: frames 0 and 7)',
  frames: () => 'any',
  sizeMultiple: 8,
  defaults: { ...VSS_NET_OPTIONS, input_reduce: null },
  officialDefaults: { ...VSS_NET_OPTIONS, input_reduce: [0, 7] },
  build: (o) => new VSS_Net(o),
};

/** The same network fed every frame, under its own name so that its reference (input_reduce None) rebuilds. */
export const vssNetAllSpec: ModelSpec = {
  ...vssNetSpec,
  name: 'VSS_Net_all',
  aliases: ['vss-net-all', 'vssnet-all'],
  summary: 'VSS-Net fed every frame (input_reduce null); same weights as VSS_Net',
  officialDefaults: { ...VSS_NET_OPTIONS, input_reduce: null },
};
