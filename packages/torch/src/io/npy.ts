// NumPy's .npy format (versions 1-3): the arrays PyTorch users save with np.save, in and out as tensors.
import { writeFileAtomic } from './atomic-write.js';
import { checkNpyDataLength, encodeNpyHeader, parseNpyHeader } from './npy-format.js';
import { readFileBytes } from './read-file.js';
import { Tensor } from '../tensor.js';
import { fromBytes } from '../creation.js';
import type { DType } from '../dtype.js';

const DESCR_TO_DTYPE: Record<string, DType> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<f2': 'float16',
  '<i8': 'int64',
  '<i4': 'int32',
  '<i2': 'int16',
  '|i1': 'int8',
  '|u1': 'uint8',
  '|b1': 'bool',
  '<u1': 'uint8',
  '<i1': 'int8',
  '<b1': 'bool',
};
const DTYPE_TO_DESCR: Partial<Record<DType, string>> = {
  float32: '<f4',
  float64: '<f8',
  float16: '<f2',
  int64: '<i8',
  int32: '<i4',
  int16: '<i2',
  int8: '|i1',
  uint8: '|u1',
  bool: '|b1',
};
const ITEM_SIZE: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
  bfloat16: 2,
};

/** Parses .npy bytes; `name` (a path) appears in every error. Fortran-ordered arrays come back row-major. */
export function deserializeNpy(bytes: Uint8Array, name = '<bytes>'): Tensor {
  const header = parseNpyHeader(bytes, name);
  const dtype = DESCR_TO_DTYPE[header.descr];
  if (!dtype)
    throw new Error(
      `${name}: unsupported dtype '${header.descr}' (big-endian, complex and object arrays are not read)`,
    );
  checkNpyDataLength(header, ITEM_SIZE[dtype], bytes, name);
  const { shape, dataOffset } = header;
  if (!header.fortranOrder) return fromBytes(bytes, dataOffset, shape, dtype);
  // Column-major: read with the shape reversed, then reverse the axes back.
  const reversed = fromBytes(bytes, dataOffset, [...shape].reverse(), dtype);
  const axes = shape.map((_, i) => shape.length - 1 - i);
  const out = reversed.permute(axes).contiguous();
  reversed.dispose();
  return out;
}

export function loadNpy(path: string): Tensor {
  return deserializeNpy(readFileBytes(path), path);
}

/** .npy version 1.0 bytes of a tensor (C order). */
export function serializeNpy(t: Tensor): Uint8Array {
  const descr = DTYPE_TO_DESCR[t.dtype];
  if (!descr) throw new Error(`.npy has no ${t.dtype}; convert to float32 first`);
  const header = encodeNpyHeader(descr, t.shape);
  const data = t.rawBytes();
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}

/** Writes a .npy file atomically (a temporary name in the same folder, then rename). */
export function saveNpy(path: string, t: Tensor): void {
  writeFileAtomic(path, serializeNpy(t));
}
