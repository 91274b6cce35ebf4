// Functions over several tensors: joining, selection by condition, einsum.
import { native } from '../native.js';
import { Tensor, type TensorOrScalar } from '../tensor.js';

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return new Tensor(
    native.cat(
      tensors.map((t) => t.handle),
      dim,
    ),
  );
}
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return new Tensor(
    native.stack(
      tensors.map((t) => t.handle),
      dim,
    ),
  );
}
/** Elements of a where condition is true, else of b; a and b may be numbers. */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return new Tensor(
    native.where(condition.handle, a instanceof Tensor ? a.handle : a, b instanceof Tensor ? b.handle : b),
  );
}
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  return new Tensor(
    native.einsum(
      equation,
      operands.map((t) => t.handle),
    ),
  );
}
/** input + value * t1 * t2 */
export function addcmul(input: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor {
  return new Tensor(native.addcmul(input.handle, t1.handle, t2.handle, value));
}
