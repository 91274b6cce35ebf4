// Batch, instance, group and layer normalisation, as torch.nn.functional.
import { native } from '../native.js';
import { Tensor } from '../tensor.js';

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/** Updates runningMean/runningVar in place when training, as F.batch_norm. */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  o: BatchNormOptions = {},
): Tensor {
  return new Tensor(
    native.batchNorm(
      input.handle,
      runningMean?.handle ?? null,
      runningVar?.handle ?? null,
      o.weight?.handle ?? null,
      o.bias?.handle ?? null,
      o.training ?? false,
      o.momentum ?? 0.1,
      o.eps ?? 1e-5,
    ),
  );
}

export interface InstanceNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  useInputStats?: boolean;
  momentum?: number;
  eps?: number;
}

export function instanceNorm(input: Tensor, o: InstanceNormOptions = {}): Tensor {
  return new Tensor(
    native.instanceNorm(
      input.handle,
      o.runningMean?.handle ?? null,
      o.runningVar?.handle ?? null,
      o.weight?.handle ?? null,
      o.bias?.handle ?? null,
      o.useInputStats ?? true,
      o.momentum ?? 0.1,
      o.eps ?? 1e-5,
    ),
  );
}

export function groupNorm(
  input: Tensor,
  numGroups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  return new Tensor(native.groupNorm(input.handle, numGroups, weight?.handle ?? null, bias?.handle ?? null, eps));
}

export function layerNorm(
  input: Tensor,
  normalizedShape: readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  return new Tensor(
    native.layerNorm(input.handle, [...normalizedShape], weight?.handle ?? null, bias?.handle ?? null, eps),
  );
}
