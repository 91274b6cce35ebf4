// Making tensors: from JavaScript data, constant fills, ranges, and random numbers with a global or an explicit
// generator. Data from JavaScript is copied: libtorch views outlive the JavaScript objects that made them (autograd
// saves inputs, views share storage), so a tensor must never point into a buffer the GC may free or detach.
import { native, type Handle } from './native.js';
import { Tensor } from './tensor.js';
import { checkDtype, dtypeOfTypedArray, type AnyTypedArray, type Device, type DType } from './dtype.js';

export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

/** A random number generator with its own state, like torch.Generator (CPU). */
export class Generator {
  readonly handle: unknown;
  constructor(seed = 0, handle?: unknown) {
    this.handle = handle ?? native.newGenerator(seed);
  }
  manualSeed(seed: number): this {
    native.generatorSeed(this.handle, seed);
    return this;
  }
  /** The state as a uint8 tensor (for checkpoints). */
  getState(): Tensor {
    return new Tensor(native.generatorGetState(this.handle));
  }
  setState(state: Tensor): void {
    native.generatorSetState(this.handle, state.handle);
  }
}

/** The global CPU generator that ops without an explicit generator use (dropout, randn, …). */
export const defaultGenerator = new Generator(0, native.defaultGenerator());

/** Seeds the global CPU generator and every CUDA device's, as torch.manual_seed. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

type NestedNumbers = number | boolean | readonly NestedNumbers[];

function inferShape(data: NestedNumbers): number[] {
  const shape: number[] = [];
  let level: NestedNumbers = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flattenNested(data: NestedNumbers, shape: number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (Array.isArray(data)) throw new Error('tensor(): ragged nested array');
    out.push(typeof data === 'boolean' ? (data ? 1 : 0) : (data as number));
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth])
    throw new Error(`tensor(): ragged nested array at depth ${depth}`);
  for (const d of data) flattenNested(d, shape, depth + 1, out);
}

function firstLeaf(data: NestedNumbers): NestedNumbers {
  let v = data;
  while (Array.isArray(v) && v.length > 0) v = v[0];
  return v;
}

function finish(handle: Handle, options: TensorOptions): Tensor {
  let t = new Tensor(handle);
  if (options.device && options.device !== 'cpu') {
    const moved = t.to(options.device);
    t.dispose();
    t = moved;
  }
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

/**
 * A tensor from a number, nested arrays or a typed array (give `shape` for a typed array, default 1-D).
 * Numbers become float32 unless dtype says otherwise (JavaScript cannot tell 1 from 1.0); booleans become bool;
 * a typed array keeps its element type (Uint16Array holds raw float16 bits, or bfloat16 with that dtype).
 */
export function tensor(
  data: NestedNumbers | AnyTypedArray,
  options: TensorOptions & { shape?: readonly number[] } = {},
): Tensor {
  if (ArrayBuffer.isView(data)) {
    const array = data;
    const shape = options.shape ? [...options.shape] : [array.length];
    return finish(native.fromTypedArray(array, shape, options.dtype ?? null), options);
  }
  const shape = options.shape ? [...options.shape] : inferShape(data);
  const flat: number[] = [];
  flattenNested(data, inferShape(data), 0, flat);
  const dtype = options.dtype ? checkDtype(options.dtype) : typeof firstLeaf(data) === 'boolean' ? 'bool' : 'float32';
  return finish(native.fromTypedArray(new Float64Array(flat), shape, dtype), options);
}

/** A tensor of the typed array's own dtype and the given shape (the array is copied). */
export function fromTypedArray(array: AnyTypedArray, shape: readonly number[], dtype?: DType): Tensor {
  return new Tensor(native.fromTypedArray(array, [...shape], dtype ?? dtypeOfTypedArray(array)));
}

/** A tensor from raw little-endian bytes (safetensors and similar files). */
export function fromBytes(bytes: Uint8Array, byteOffset: number, shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(native.fromBytes(bytes, byteOffset, [...shape], dtype));
}

function opts(options: TensorOptions): [DType, Device] {
  return [checkDtype(options.dtype ?? 'float32'), options.device ?? 'cpu'];
}

export function empty(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return new Tensor(native.empty([...shape], ...opts(options), options.requiresGrad ?? false));
}
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return new Tensor(native.zeros([...shape], ...opts(options), options.requiresGrad ?? false));
}
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return new Tensor(native.ones([...shape], ...opts(options), options.requiresGrad ?? false));
}
export function full(shape: readonly number[], value: number | boolean, options: TensorOptions = {}): Tensor {
  return new Tensor(native.full([...shape], value, ...opts(options), options.requiresGrad ?? false));
}
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, device: t.device, ...options });
}
/** Values from start (inclusive) to end (exclusive); int64 when all arguments are integers, as PyTorch. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  const integral = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = options.dtype ?? (integral ? 'int64' : 'float32');
  return new Tensor(native.arange(start, end, step, dtype, options.device ?? 'cpu', options.requiresGrad ?? false));
}
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  return new Tensor(native.linspace(start, end, steps, ...opts(options), options.requiresGrad ?? false));
}
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  return new Tensor(native.eye(n, m, ...opts(options), options.requiresGrad ?? false));
}
/** Uniform in [0, 1). */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return new Tensor(
    native.rand([...shape], ...opts(options), options.generator?.handle ?? null, options.requiresGrad ?? false),
  );
}
/** Standard normal. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return new Tensor(
    native.randn([...shape], ...opts(options), options.generator?.handle ?? null, options.requiresGrad ?? false),
  );
}
/** Integers in [low, high), int64 by default. */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  return new Tensor(
    native.randint(
      low,
      high,
      [...shape],
      options.dtype ?? 'int64',
      options.device ?? 'cpu',
      options.generator?.handle ?? null,
    ),
  );
}
/** A random permutation of 0..n-1. */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  return new Tensor(
    native.randperm(n, options.dtype ?? 'int64', options.device ?? 'cpu', options.generator?.handle ?? null),
  );
}
/** Draws 0/1 with the probabilities in p. */
export function bernoulli(p: Tensor, generator?: Generator): Tensor {
  return new Tensor(native.bernoulli(p.handle, generator?.handle ?? null));
}
