// The deterministic fill of ../shared/reference (its README): every weight and the input come from a 32-bit
// integer hash, so the official PyTorch outputs can be reproduced here bit for bit without storing weights.
import { fromTypedArray, type Tensor } from '@dias-ts/torch';

function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** u(j, i) in [0, 1): element i of tensor number j. */
export function hashUniform(j: number, i: number): number {
  const salt = (Math.imul(j, 0x632be5ab) + 0x12345) >>> 0;
  return fmix32((Math.imul(i, 0x9e3779b1) + salt) >>> 0) / 4294967296;
}

/** The value of every element of state-dict tensor number j, by the recipe's rules on its name and shape. */
export function referenceTensorValues(name: string, shape: readonly number[], j: number): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  if (name.endsWith('num_batches_tracked')) return out;
  let value: (u: number) => number;
  if (name.endsWith('running_var')) value = (u) => 0.5 + u;
  else if (name.endsWith('running_mean')) value = (u) => (u - 0.5) * 0.2;
  else if (shape.length >= 2) {
    const bound = Math.sqrt(3 / (n / shape[0]));
    value = (u) => (2 * u - 1) * bound;
  } else if (shape.length === 1 && name.endsWith('weight')) value = (u) => 1 + (u - 0.5) * 0.2;
  else value = (u) => (u - 0.5) * 0.2;
  for (let i = 0; i < n; i++) out[i] = value(hashUniform(j, i));
  return out;
}

/** A tensor of the recipe's values with the given dtype (computed in double, rounded once). */
export function referenceTensor(
  name: string,
  shape: readonly number[],
  j: number,
  dtype: 'float32' | 'int64' = 'float32',
): Tensor {
  const values = referenceTensorValues(name, shape, j);
  if (dtype === 'int64')
    return fromTypedArray(
      BigInt64Array.from(values, (v) => BigInt(Math.round(v))),
      shape,
    );
  return fromTypedArray(Float32Array.from(values), shape);
}

/** The recipe's input: u(999999, i) for every element. */
export function referenceInput(shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = hashUniform(999999, i);
  return fromTypedArray(data, shape);
}
