// Losses, as torch.nn.functional.
import { native } from '../native.js';
import { Tensor } from '../tensor.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

/** Logits [N, C, ...] against class indices [N, ...] (int64) or class probabilities [N, C, ...]. */
export function crossEntropy(input: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  return new Tensor(
    native.crossEntropy(
      input.handle,
      target.handle,
      o.weight?.handle ?? null,
      o.reduction ?? 'mean',
      o.ignoreIndex ?? -100,
      o.labelSmoothing ?? 0,
    ),
  );
}

export function nllLoss(input: Tensor, target: Tensor, o: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): Tensor {
  return new Tensor(
    native.nllLoss(input.handle, target.handle, o.weight?.handle ?? null, o.reduction ?? 'mean', o.ignoreIndex ?? -100),
  );
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return new Tensor(native.mseLoss(input.handle, target.handle, reduction));
}

export function l1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return new Tensor(native.l1Loss(input.handle, target.handle, reduction));
}

export function smoothL1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean', beta = 1): Tensor {
  return new Tensor(native.smoothL1Loss(input.handle, target.handle, reduction, beta));
}

export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  return new Tensor(
    native.bceWithLogits(
      input.handle,
      target.handle,
      o.weight?.handle ?? null,
      o.posWeight?.handle ?? null,
      o.reduction ?? 'mean',
    ),
  );
}

export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  return new Tensor(native.bce(input.handle, target.handle, o.weight?.handle ?? null, o.reduction ?? 'mean'));
}

/** int64 class indices to a one-hot int64 tensor with a trailing class dimension (numClasses -1: max + 1). */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  return new Tensor(native.oneHot(indices.handle, numClasses));
}
