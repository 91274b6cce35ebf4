// Element types and devices, named as PyTorch names them.

export type DType =
  'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** 'cpu', 'cuda' or 'cuda:N'. */
export type Device = string;

export const DTYPES: readonly DType[] = [
  'float32',
  'float64',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
];

/** The typed array toTypedArray() returns for each dtype. */
export type TypedArrayFor<D extends DType> = D extends 'float64'
  ? Float64Array
  : D extends 'int64'
    ? BigInt64Array
    : D extends 'int32'
      ? Int32Array
      : D extends 'int16'
        ? Int16Array
        : D extends 'int8'
          ? Int8Array
          : D extends 'uint8' | 'bool'
            ? Uint8Array
            : Float32Array;

export type AnyTypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | BigInt64Array;

export function dtypeOfTypedArray(array: AnyTypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Int16Array) return 'int16';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof BigInt64Array) return 'int64';
  if (array instanceof Uint16Array) return 'float16';
  return 'uint8';
}

export function checkDtype(dtype: string): DType {
  if (!(DTYPES as readonly string[]).includes(dtype))
    throw new Error(`unknown dtype '${dtype}' (one of ${DTYPES.join(', ')})`);
  return dtype as DType;
}
