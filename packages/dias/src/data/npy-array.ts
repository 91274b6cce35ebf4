// .npy arrays as plain Float32Array, without libtorch: the data tools (checks, contact sheets, conversions) must
// run where the native engine is not built. @dias-ts/torch's loadNpy is the tensor path for training.
import { readFileSync } from 'node:fs';

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

export function parseNpy(bytes: Uint8Array, name = '<npy>'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw new Error(`${name}: not a .npy file (bad magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  let headerLength: number;
  let headerStart: number;
  if (major === 1) [headerLength, headerStart] = [view.getUint16(8, true), 10];
  else if (major === 2 || major === 3) [headerLength, headerStart] = [view.getUint32(8, true), 12];
  else throw new Error(`${name}: unsupported .npy version ${major}`);
  if (headerStart + headerLength > bytes.length) throw new Error(`${name}: truncated .npy header`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${name}: malformed .npy header ${header.trim()}`);
  const order = descr[0];
  const reader = READERS[descr.slice(1)];
  if (!reader || order === '>' || (order !== '<' && order !== '|' && order !== '=')) {
    throw new Error(`${name}: dtype '${descr}' is not read (little-endian numbers and bool only)`);
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${name}: bad .npy shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const [size, read] = reader;
  const start = headerStart + headerLength;
  if (start + count * size > bytes.length) {
    throw new Error(`${name}: .npy data truncated (shape (${shape.join(', ')}) needs ${count * size} bytes, the file has ${bytes.length - start})`);
  }
  const data = new Float32Array(count);
  if (fortran === 'False' || shape.length < 2) {
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
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseNpy(bytes, path);
}

/** .npy version 1.0 bytes of a float32 or uint8 array (C order); for tests and exports. */
export function encodeNpy(shape: readonly number[], data: Float32Array | Uint8Array): Uint8Array {
  const descr = data instanceof Uint8Array ? '|u1' : '<f4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 11, ' ') + '\n';
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}
