// .npy arrays as plain Float32Array rather than tensors, for the data tools (checks, contact sheets, conversions),
// which work on JS arrays; @dias-ts/torch's loadNpy is the tensor path for training. The header is the engine's
// parser, so both read the same files with the same errors.
import { endianness } from 'node:os';
import { checkNpyDataLength, encodeNpyHeader, parseNpyHeader, readFileBytes } from '@dias-ts/torch';
import { checkPixelCount } from '../../image/pixel-limit.js';

export interface NpyArray {
  shape: number[];
  /** The file's dtype, e.g. '<f4', '|u1'. */
  descr: string;
  /** Values in C order, converted to float32. */
  data: Float32Array;
}

type Reader = (view: DataView, offset: number) => number;
const READERS: Record<string, [number, Reader]> = {
  f4: [4, (v, o) => v.getFloat32(o, true)],
  f8: [8, (v, o) => v.getFloat64(o, true)],
  u1: [1, (v, o) => v.getUint8(o)],
  i1: [1, (v, o) => v.getInt8(o)],
  b1: [1, (v, o) => v.getUint8(o)],
  u2: [2, (v, o) => v.getUint16(o, true)],
  i2: [2, (v, o) => v.getInt16(o, true)],
  u4: [4, (v, o) => v.getUint32(o, true)],
  i4: [4, (v, o) => v.getInt32(o, true)],
  i8: [8, (v, o) => Number(v.getBigInt64(o, true))],
  u8: [8, (v, o) => Number(v.getBigUint64(o, true))],
};

// The dtypes a typed array can view directly: on a little-endian host, a C-order array of one of these converts to
// float32 in one native copy (Float32Array.set), about 10x faster than a DataView read per element (an 800x800x8
// uint8 stack: ~5 ms against ~50 ms, on every click of the viewer).
type TypedArrayClass =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor;
const TYPED: Record<string, TypedArrayClass> = {
  f4: Float32Array,
  f8: Float64Array,
  u1: Uint8Array,
  i1: Int8Array,
  b1: Uint8Array,
  u2: Uint16Array,
  i2: Int16Array,
  u4: Uint32Array,
  i4: Int32Array,
};
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export function parseNpy(bytes: Uint8Array, name = '<npy>'): NpyArray {
  const header = parseNpyHeader(bytes, name);
  const { descr, shape, count } = header;
  const order = descr[0];
  const reader = READERS[descr.slice(1)];
  if (!reader || order === '>' || (order !== '<' && order !== '|' && order !== '=')) {
    throw new Error(`${name}: dtype '${descr}' is not read (little-endian numbers and bool only)`);
  }
  const [size, read] = reader;
  checkPixelCount(name, `shape (${shape.join(', ')})`, count);
  checkNpyDataLength(header, size, bytes, name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = header.dataOffset;
  const data = new Float32Array(count);
  const Typed = TYPED[descr.slice(1)];
  if (Typed && LITTLE_ENDIAN_HOST && (!header.fortranOrder || shape.length < 2)) {
    const at = bytes.byteOffset + start;
    // A typed view needs an offset that is a multiple of the element size; otherwise view a copy of the data.
    const view =
      at % size === 0
        ? new Typed(bytes.buffer as ArrayBuffer, at, count)
        : new Typed(bytes.slice(start, start + count * size).buffer, 0, count);
    data.set(view);
  } else if (!header.fortranOrder || shape.length < 2) {
    for (let i = 0; i < count; i++) data[i] = read(view, start + i * size);
  } else {
    // Column-major: element (i0, i1, ...) sits at i0 + d0 * (i1 + d1 * (...)).
    const strides = new Array<number>(shape.length);
    let s = 1;
    for (let d = 0; d < shape.length; d++) {
      strides[d] = s;
      s *= shape[d];
    }
    const idx = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < count; i++) {
      let f = 0;
      for (let d = 0; d < shape.length; d++) f += idx[d] * strides[d];
      data[i] = read(view, start + f * size);
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
  }
  return { shape, descr, data };
}

export function readNpy(path: string): NpyArray {
  return parseNpy(readFileBytes(path), path);
}

/** .npy version 1.0 bytes of a float32 or uint8 array (C order); for tests and exports. */
export function encodeNpy(shape: readonly number[], data: Float32Array | Uint8Array): Uint8Array {
  const header = encodeNpyHeader(data instanceof Uint8Array ? '|u1' : '<f4', shape);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}
