// NumPy's .npy format (versions 1-3): the arrays PyTorch users save with np.save, in and out as tensors.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { Tensor } from '../tensor.js';
import { fromBytes } from '../creation.js';
import type { DType } from '../dtype.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR_TO_DTYPE: Record<string, DType> = {
  '<f4': 'float32', '<f8': 'float64', '<f2': 'float16', '<i8': 'int64', '<i4': 'int32', '<i2': 'int16',
  '|i1': 'int8', '|u1': 'uint8', '|b1': 'bool', '<u1': 'uint8', '<i1': 'int8', '<b1': 'bool',
};
const DTYPE_TO_DESCR: Partial<Record<DType, string>> = {
  float32: '<f4', float64: '<f8', float16: '<f2', int64: '<i8', int32: '<i4', int16: '<i2', int8: '|i1', uint8: '|u1', bool: '|b1',
};

/** Parses .npy bytes; `name` (a path) appears in every error. Fortran-ordered arrays come back row-major. */
export function deserializeNpy(bytes: Uint8Array, name = '<bytes>'): Tensor {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw new Error(`${name}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number, headerStart: number;
  if (major === 1) [headerLength, headerStart] = [view.getUint16(8, true), 10];
  else if (major === 2 || major === 3) [headerLength, headerStart] = [view.getUint32(8, true), 12];
  else throw new Error(`${name}: unsupported .npy version ${major}`);
  if (headerStart + headerLength > bytes.length) throw new Error(`${name}: truncated header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${name}: malformed header ${header.trim()}`);
  const dtype = DESCR_TO_DTYPE[descr];
  if (!dtype) throw new Error(`${name}: unsupported dtype '${descr}' (big-endian, complex and object arrays are not read)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${name}: bad shape (${shapeText})`);
  const dataStart = headerStart + headerLength;
  const itemSize = { float32: 4, float64: 8, float16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1, bfloat16: 2 }[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  if (dataStart + count * itemSize > bytes.length) {
    throw new Error(`${name}: data truncated (shape [${shape.join(', ')}] needs ${count * itemSize} bytes, file has ${bytes.length - dataStart})`);
  }
  if (fortran === 'False') return fromBytes(bytes, dataStart, shape, dtype);
  // Column-major: read with the shape reversed, then reverse the axes back.
  const reversed = fromBytes(bytes, dataStart, [...shape].reverse(), dtype);
  const axes = shape.map((_, i) => shape.length - 1 - i);
  const out = reversed.permute(axes).contiguous();
  reversed.dispose();
  return out;
}

export function loadNpy(path: string): Tensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return deserializeNpy(bytes, path);
}

/** .npy version 1.0 bytes of a tensor (C order). */
export function serializeNpy(t: Tensor): Uint8Array {
  const descr = DTYPE_TO_DESCR[t.dtype];
  if (!descr) throw new Error(`.npy has no ${t.dtype}; convert to float32 first`);
  const shape = t.shape;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad so that the data starts on a 64-byte boundary, ending the header with a newline, as NumPy does.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const data = t.rawBytes();
  const out = new Uint8Array(10 + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

/** Writes a .npy file atomically (a temporary name in the same folder, then rename). */
export function saveNpy(path: string, t: Tensor): void {
  writeFileAtomic(path, serializeNpy(t));
}
