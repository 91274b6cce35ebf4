// Tensor: a JavaScript handle on one libtorch tensor. Methods mirror torch.Tensor's (camelCase); every result is
// a new Tensor that belongs to the innermost open scope (see scope.ts).
import { native, type Handle } from './native.js';
import { track } from './scope.js';
import type { Device, DType, TypedArrayFor } from './dtype.js';

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;

function other(value: TensorOrScalar): Handle | Scalar {
  return value instanceof Tensor ? value.handle : value;
}

function dimList(dims: number | readonly number[] | undefined): number[] | null {
  if (dims === undefined) return null;
  return typeof dims === 'number' ? [dims] : [...dims];
}

function wrapAll(handles: Handle[]): Tensor[] {
  return handles.map((h) => new Tensor(h));
}

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

export class Tensor {
  /** The addon's handle; use the methods instead. */
  readonly handle: Handle;
  private cachedShape: number[] | undefined;
  private cachedDtype: DType | undefined;

  constructor(handle: Handle) {
    this.handle = handle;
    track(this);
  }

  // ---------------------------------------------------------------- properties
  /** The cached shape itself, for reading only (shape returns a copy). */
  private dims(): number[] {
    return (this.cachedShape ??= native.shape(this.handle) as number[]);
  }
  get shape(): number[] {
    return [...this.dims()];
  }
  get dtype(): DType {
    this.cachedDtype ??= native.dtype(this.handle) as DType;
    return this.cachedDtype;
  }
  get device(): Device {
    return native.device(this.handle);
  }
  get ndim(): number {
    return this.dims().length;
  }
  get numel(): number {
    return native.numel(this.handle);
  }
  size(dim?: number): number {
    const s = this.dims();
    if (dim === undefined) return s.reduce((a, b) => a * b, 1);
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new Error(`size: dimension ${dim} out of range for a ${s.length}-D tensor`);
    return s[d];
  }
  get strides(): number[] {
    return native.strides(this.handle);
  }
  isContiguous(): boolean {
    return native.isContiguous(this.handle);
  }
  get isDisposed(): boolean {
    return native.isDisposed(this.handle);
  }
  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---------------------------------------------------------------- memory
  /** Frees the native memory now. Using the tensor afterwards throws. Idempotent. */
  dispose(): void {
    native.dispose(this.handle);
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  /** Part of the scope protocol: tells V8 the native bytes this tensor holds once only the GC would free it. */
  releaseToGc(): void {
    native.reportToGc(this.handle);
  }

  // ---------------------------------------------------------------- data out
  /** A copy of the elements, row-major, in the typed array matching the dtype (float16/bfloat16 as Float32Array). */
  toTypedArray(): TypedArrayFor<DType> {
    return native.toTypedArray(this.handle);
  }
  /** The elements as plain numbers, row-major. */
  toArray(): number[] {
    const data = this.toTypedArray();
    return data instanceof BigInt64Array ? Array.from(data, Number) : Array.from(data as ArrayLike<number>);
  }
  /** The value of a one-element tensor. */
  item(): number {
    const v = native.item(this.handle);
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  /** Raw little-endian bytes as stored (used by serialization). */
  rawBytes(): Uint8Array {
    return native.rawBytes(this.handle);
  }

  // ---------------------------------------------------------------- conversion
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- Device is a string; DType names the casts
  to(target: Device | DType | { device?: Device; dtype?: DType; nonBlocking?: boolean; copy?: boolean }): Tensor {
    if (typeof target === 'string') {
      const isDevice = target === 'cpu' || target.startsWith('cuda') || target === 'meta';
      return new Tensor(native.to(this.handle, isDevice ? target : null, isDevice ? null : target, false, false));
    }
    return new Tensor(
      native.to(
        this.handle,
        target.device ?? null,
        target.dtype ?? null,
        target.nonBlocking ?? false,
        target.copy ?? false,
      ),
    );
  }
  cpu(): Tensor {
    return this.to('cpu');
  }
  cuda(index = 0): Tensor {
    return this.to(`cuda:${index}`);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  contiguous(): Tensor {
    return new Tensor(native.contiguous(this.handle));
  }
  clone(): Tensor {
    return new Tensor(native.clone(this.handle));
  }
  /** Shares storage, cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(native.detach(this.handle));
  }

  /** Makes this tensor refer to source's data (any shape, dtype or device), keeping its identity (param.data = …). */
  setData_(source: Tensor): this {
    native.setData(this.handle, source.handle);
    this.cachedShape = undefined;
    this.cachedDtype = undefined;
    return this;
  }

  // ---------------------------------------------------------------- autograd
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  set requiresGrad(value: boolean) {
    native.setRequiresGrad(this.handle, value);
  }
  requiresGrad_(value = true): this {
    native.setRequiresGrad(this.handle, value);
    return this;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }
  /** The accumulated gradient, or null. Each read returns a new handle on the same storage. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  set grad(value: Tensor | null) {
    native.setGrad(this.handle, value === null ? null : value.handle);
  }
  get gradFn(): string | null {
    return native.gradFnName(this.handle);
  }
  retainGrad(): void {
    native.retainGrad(this.handle);
  }
  /** Accumulates gradients into the leaves, as torch.Tensor.backward. */
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this.handle, gradient?.handle ?? null, options.retainGraph ?? null, options.createGraph ?? false);
  }

  // ---------------------------------------------------------------- elementwise
  add(o: TensorOrScalar, alpha?: number): Tensor {
    if (alpha !== undefined && alpha !== 1) return this.add(o instanceof Tensor ? o.mul(alpha) : (o as number) * alpha);
    return new Tensor(native.binary('add', this.handle, other(o)));
  }
  sub(o: TensorOrScalar, alpha?: number): Tensor {
    if (alpha !== undefined && alpha !== 1) return this.sub(o instanceof Tensor ? o.mul(alpha) : (o as number) * alpha);
    return new Tensor(native.binary('sub', this.handle, other(o)));
  }
  /** scalar - this */
  rsub(scalar: number): Tensor {
    return new Tensor(native.binary('rsub', this.handle, scalar));
  }
  mul(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('mul', this.handle, other(o)));
  }
  div(o: TensorOrScalar, roundingMode?: 'floor'): Tensor {
    return new Tensor(native.binary(roundingMode === 'floor' ? 'floorDivide' : 'div', this.handle, other(o)));
  }
  /** scalar / this */
  rdiv(scalar: number): Tensor {
    return new Tensor(native.binary('rdiv', this.handle, scalar));
  }
  remainder(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('remainder', this.handle, other(o)));
  }
  fmod(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('fmod', this.handle, other(o)));
  }
  pow(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('pow', this.handle, other(o)));
  }
  maximum(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('maximum', this.handle, other(o)));
  }
  minimum(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('minimum', this.handle, other(o)));
  }
  atan2(o: Tensor): Tensor {
    return new Tensor(native.binary('atan2', this.handle, o.handle));
  }
  private unary(op: string): Tensor {
    return new Tensor(native.unary(op, this.handle));
  }
  neg(): Tensor {
    return this.unary('neg');
  }
  exp(): Tensor {
    return this.unary('exp');
  }
  expm1(): Tensor {
    return this.unary('expm1');
  }
  log(): Tensor {
    return this.unary('log');
  }
  log1p(): Tensor {
    return this.unary('log1p');
  }
  log2(): Tensor {
    return this.unary('log2');
  }
  log10(): Tensor {
    return this.unary('log10');
  }
  sqrt(): Tensor {
    return this.unary('sqrt');
  }
  rsqrt(): Tensor {
    return this.unary('rsqrt');
  }
  abs(): Tensor {
    return this.unary('abs');
  }
  sign(): Tensor {
    return this.unary('sign');
  }
  sin(): Tensor {
    return this.unary('sin');
  }
  cos(): Tensor {
    return this.unary('cos');
  }
  tan(): Tensor {
    return this.unary('tan');
  }
  atan(): Tensor {
    return this.unary('atan');
  }
  tanh(): Tensor {
    return this.unary('tanh');
  }
  sigmoid(): Tensor {
    return this.unary('sigmoid');
  }
  relu(): Tensor {
    return this.unary('relu');
  }
  erf(): Tensor {
    return this.unary('erf');
  }
  floor(): Tensor {
    return this.unary('floor');
  }
  ceil(): Tensor {
    return this.unary('ceil');
  }
  round(): Tensor {
    return this.unary('round');
  }
  trunc(): Tensor {
    return this.unary('trunc');
  }
  frac(): Tensor {
    return this.unary('frac');
  }
  reciprocal(): Tensor {
    return this.unary('reciprocal');
  }
  square(): Tensor {
    return this.unary('square');
  }
  isnan(): Tensor {
    return this.unary('isnan');
  }
  isinf(): Tensor {
    return this.unary('isinf');
  }
  isfinite(): Tensor {
    return this.unary('isfinite');
  }
  logicalNot(): Tensor {
    return this.unary('logicalNot');
  }
  bitwiseNot(): Tensor {
    return this.unary('bitwiseNot');
  }
  /** Indices of non-zero elements, shape [n, ndim]. */
  nonzero(): Tensor {
    return this.unary('nonzero');
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return new Tensor(native.clamp(this.handle, min ?? null, max ?? null));
  }
  clampMin(min: number): Tensor {
    return this.clamp(min, null);
  }
  clampMax(max: number): Tensor {
    return this.clamp(null, max);
  }
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    return new Tensor(native.lerp(this.handle, end.handle, other(weight)));
  }

  // ---------------------------------------------------------------- comparison and logic
  eq(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('eq', this.handle, other(o)));
  }
  ne(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('ne', this.handle, other(o)));
  }
  lt(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('lt', this.handle, other(o)));
  }
  le(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('le', this.handle, other(o)));
  }
  gt(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('gt', this.handle, other(o)));
  }
  ge(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('ge', this.handle, other(o)));
  }
  logicalAnd(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('logicalAnd', this.handle, other(o)));
  }
  logicalOr(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('logicalOr', this.handle, other(o)));
  }
  logicalXor(o: Tensor): Tensor {
    return new Tensor(native.binary('logicalXor', this.handle, o.handle));
  }
  bitwiseAnd(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('bitwiseAnd', this.handle, other(o)));
  }
  bitwiseOr(o: TensorOrScalar): Tensor {
    return new Tensor(native.binary('bitwiseOr', this.handle, other(o)));
  }
  /** True when both have the same shape and elements. */
  equal(o: Tensor): boolean {
    const t = new Tensor(native.binary('equal', this.handle, o.handle));
    const v = t.item() !== 0;
    t.dispose();
    return v;
  }
  allclose(o: Tensor, rtol = 1e-5, atol = 1e-8): boolean {
    return native.allclose(this.handle, o.handle, rtol, atol);
  }
  /** this where mask is false, value where it is true. */
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return new Tensor(native.maskedFill(this.handle, mask.handle, other(value)));
  }
  maskedSelect(mask: Tensor): Tensor {
    return new Tensor(native.maskedSelect(this.handle, mask.handle));
  }

  // ---------------------------------------------------------------- linear algebra
  matmul(o: Tensor): Tensor {
    return new Tensor(native.binary('matmul', this.handle, o.handle));
  }
  mm(o: Tensor): Tensor {
    return new Tensor(native.binary('mm', this.handle, o.handle));
  }
  bmm(o: Tensor): Tensor {
    return new Tensor(native.binary('bmm', this.handle, o.handle));
  }
  dot(o: Tensor): Tensor {
    return new Tensor(native.binary('dot', this.handle, o.handle));
  }
  outer(o: Tensor): Tensor {
    return new Tensor(native.binary('outer', this.handle, o.handle));
  }

  // ---------------------------------------------------------------- reductions
  private reduce(
    op: string,
    dims: number | readonly number[] | undefined,
    keepdim: boolean,
    extra?: number | null,
  ): Tensor {
    return new Tensor(native.reduce(op, this.handle, dimList(dims), keepdim, extra));
  }
  sum(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.reduce('sum', dims, keepdim);
  }
  mean(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.reduce('mean', dims, keepdim);
  }
  prod(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.reduce('prod', dims, keepdim);
  }
  amax(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.reduce('amax', dims ?? [], keepdim);
  }
  amin(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.reduce('amin', dims ?? [], keepdim);
  }
  /** Standard deviation; correction 1 (Bessel, PyTorch's default) or 0 (population). */
  std(dims?: number | readonly number[], options: { keepdim?: boolean; correction?: number } = {}): Tensor {
    return this.reduce('std', dims, options.keepdim ?? false, options.correction ?? 1);
  }
  var(dims?: number | readonly number[], options: { keepdim?: boolean; correction?: number } = {}): Tensor {
    return this.reduce('var', dims, options.keepdim ?? false, options.correction ?? 1);
  }
  logsumexp(dims: number | readonly number[], keepdim = false): Tensor {
    return this.reduce('logsumexp', dims, keepdim);
  }
  norm(p = 2, dims?: number | readonly number[], keepdim = false): Tensor {
    return this.reduce('norm', dims, keepdim, p);
  }
  any(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.reduce('any', dims, keepdim);
  }
  all(dims?: number | readonly number[], keepdim = false): Tensor {
    return this.reduce('all', dims, keepdim);
  }
  countNonzero(dims?: number | readonly number[]): Tensor {
    return this.reduce('countNonzero', dims ?? [], false);
  }
  /** max() is the largest element; max(dim) gives values and indices along dim, as torch.max. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return this.reduce('amax', [], false);
    const [values, indices] = wrapAll(native.maxDim(this.handle, dim, keepdim));
    return { values, indices };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return this.reduce('amin', [], false);
    const [values, indices] = wrapAll(native.minDim(this.handle, dim, keepdim));
    return { values, indices };
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.argmax(this.handle, dim ?? null, keepdim));
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.argmin(this.handle, dim ?? null, keepdim));
  }
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
    const [values, indices] = wrapAll(native.topk(this.handle, k, dim, largest, sorted));
    return { values, indices };
  }
  sort(dim = -1, descending = false, stable = false): ValuesIndices {
    const [values, indices] = wrapAll(native.sort(this.handle, dim, descending, stable));
    return { values, indices };
  }
  argsort(dim = -1, descending = false, stable = false): Tensor {
    return new Tensor(native.argsort(this.handle, dim, descending, stable));
  }
  cumsum(dim: number): Tensor {
    return new Tensor(native.cumsum(this.handle, dim));
  }
  cumprod(dim: number): Tensor {
    return new Tensor(native.cumprod(this.handle, dim));
  }
  /** Sorted unique values and, with returnCounts, their counts. */
  unique(returnCounts = false): { values: Tensor; counts: Tensor } {
    const [values, counts] = wrapAll(native.unique(this.handle, returnCounts));
    return { values, counts };
  }

  // ---------------------------------------------------------------- shape
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return new Tensor(native.reshape(this.handle, Array.isArray(shape[0]) ? shape[0] : shape));
  }
  view(...shape: number[] | [readonly number[]]): Tensor {
    return new Tensor(native.view(this.handle, Array.isArray(shape[0]) ? shape[0] : shape));
  }
  viewAs(o: Tensor): Tensor {
    return this.view(o.shape);
  }
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return new Tensor(native.permute(this.handle, Array.isArray(dims[0]) ? dims[0] : dims));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(native.transpose(this.handle, dim0, dim1));
  }
  /** Transpose of a 2-D tensor. */
  get T(): Tensor {
    return this.transpose(0, 1);
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(native.unsqueeze(this.handle, dim));
  }
  squeeze(dim?: number): Tensor {
    return new Tensor(native.squeeze(this.handle, dim ?? null));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return new Tensor(native.flatten(this.handle, startDim, endDim));
  }
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return new Tensor(native.expand(this.handle, Array.isArray(shape[0]) ? shape[0] : shape));
  }
  expandAs(o: Tensor): Tensor {
    return this.expand(o.shape);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(native.narrow(this.handle, dim, start, length));
  }
  /** Python's t[..., start:end:step, ...] along one dimension; null means the open end. */
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return new Tensor(native.slice(this.handle, dim, start, end, step));
  }
  select(dim: number, index: number): Tensor {
    return new Tensor(native.select(this.handle, dim, index));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(native.indexSelect(this.handle, dim, index.handle));
  }
  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(native.gather(this.handle, dim, index.handle));
  }
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return new Tensor(native.scatter(this.handle, dim, index.handle, other(src)));
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return new Tensor(native.scatterAdd(this.handle, dim, index.handle, src.handle));
  }
  /** Advanced indexing t[i0, i1, …]; null keeps a dimension whole. Boolean masks work as in PyTorch. */
  index(indices: readonly (Tensor | null)[]): Tensor {
    return new Tensor(
      native.index(
        this.handle,
        indices.map((i) => i?.handle ?? null),
      ),
    );
  }
  /** Out-of-place t[indices] = values (or += with accumulate). */
  indexPut(indices: readonly (Tensor | null)[], values: Tensor, accumulate = false): Tensor {
    return new Tensor(
      native.indexPut(
        this.handle,
        indices.map((i) => i?.handle ?? null),
        values.handle,
        accumulate,
      ),
    );
  }
  split(sizeOrSizes: number | readonly number[], dim = 0): Tensor[] {
    return wrapAll(native.split(this.handle, typeof sizeOrSizes === 'number' ? sizeOrSizes : [...sizeOrSizes], dim));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return wrapAll(native.chunk(this.handle, chunks, dim));
  }
  unbind(dim = 0): Tensor[] {
    return wrapAll(native.unbind(this.handle, dim));
  }
  flip(dims: number | readonly number[]): Tensor {
    return new Tensor(native.flip(this.handle, dimList(dims)));
  }
  rot90(k = 1, dims: readonly [number, number] = [0, 1]): Tensor {
    return new Tensor(native.rot90(this.handle, k, [...dims]));
  }
  roll(shifts: number | readonly number[], dims: number | readonly number[]): Tensor {
    return new Tensor(native.roll(this.handle, dimList(shifts), dimList(dims)));
  }
  repeat(...repeats: number[] | [readonly number[]]): Tensor {
    return new Tensor(native.repeat(this.handle, Array.isArray(repeats[0]) ? repeats[0] : repeats));
  }
  repeatInterleave(repeats: number, dim?: number): Tensor {
    return new Tensor(native.repeatInterleave(this.handle, repeats, dim ?? null));
  }
  tril(diagonal = 0): Tensor {
    return new Tensor(native.tril(this.handle, diagonal));
  }
  triu(diagonal = 0): Tensor {
    return new Tensor(native.triu(this.handle, diagonal));
  }

  // ---------------------------------------------------------------- in place (no autograd history on leaves)
  private inplace(op: string, ...args: unknown[]): this {
    native.inplace(op, this.handle, ...args);
    return this;
  }
  add_(o: TensorOrScalar, alpha = 1): this {
    return this.inplace('add_', other(o), alpha);
  }
  sub_(o: TensorOrScalar, alpha = 1): this {
    return this.inplace('sub_', other(o), alpha);
  }
  mul_(o: TensorOrScalar): this {
    return this.inplace('mul_', other(o));
  }
  div_(o: TensorOrScalar): this {
    return this.inplace('div_', other(o));
  }
  copy_(src: Tensor): this {
    return this.inplace('copy_', src.handle);
  }
  fill_(value: number): this {
    return this.inplace('fill_', value);
  }
  zero_(): this {
    return this.inplace('zero_');
  }
  clamp_(min?: number | null, max?: number | null): this {
    return this.inplace('clamp_', min ?? null, max ?? null);
  }
  sqrt_(): this {
    return this.inplace('sqrt_');
  }
  relu_(): this {
    return this.inplace('relu_');
  }
  leakyRelu_(negativeSlope = 0.01): this {
    return this.inplace('leakyRelu_', negativeSlope);
  }
  /** this += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    return this.inplace('addcmul_', t1.handle, t2.handle, value);
  }
  /** this += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    return this.inplace('addcdiv_', t1.handle, t2.handle, value);
  }
  /** this += weight * (end - this) */
  lerp_(end: Tensor, weight: number): this {
    return this.inplace('lerp_', end.handle, weight);
  }
  maximum_(o: Tensor): this {
    return this.inplace('maximum_', o.handle);
  }
  maskedFill_(mask: Tensor, value: number): this {
    return this.inplace('maskedFill_', mask.handle, value);
  }
  uniform_(from = 0, to = 1, generator?: { handle: unknown }): this {
    native.uniform_(this.handle, from, to, generator?.handle ?? null);
    return this;
  }
  normal_(mean = 0, std = 1, generator?: { handle: unknown }): this {
    native.normal_(this.handle, mean, std, generator?.handle ?? null);
    return this;
  }
}

/** True for a Tensor (and not a disposed-handle lookalike). */
export function isTensor(value: unknown): value is Tensor {
  return value instanceof Tensor;
}
