// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_.
import { Tensor } from '../tensor.js';
import { stack } from '../ops/joining.js';
import { scope } from '../scope.js';
import { noGrad } from '../autograd.js';

function gradsOf(parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const params = parameters instanceof Tensor ? [parameters] : [...parameters];
  const grads: Tensor[] = [];
  for (const p of params) {
    const g = p.grad;
    if (g !== null) grads.push(g);
  }
  return grads;
}

/**
 * Scales the gradients in place so that their joint normType-norm (over all of them, as if concatenated) is at
 * most maxNorm, and returns that norm as it was before clipping. The scale is min(1, maxNorm / (norm + 1e-6)),
 * computed as PyTorch does (as a tensor, applied to every gradient). normType may be Infinity (largest |g|).
 * Parameters without a gradient are skipped; with none, the result is 0.
 */
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType = 2,
  options: { errorIfNonfinite?: boolean } = {},
): number {
  return noGrad(() =>
    scope(() => {
      const grads = gradsOf(parameters);
      if (grads.length === 0) return 0;
      let total: Tensor;
      if (normType === Infinity) {
        const norms = grads.map((g) => g.abs().amax());
        total = norms.length === 1 ? norms[0] : stack(norms).amax();
      } else {
        total = stack(grads.map((g) => g.norm(normType))).norm(normType);
      }
      const value = total.item();
      if (options.errorIfNonfinite && !Number.isFinite(value)) {
        throw new Error(`clipGradNorm_: the total norm of order ${normType} of the gradients is not finite (${value})`);
      }
      // PyTorch: clip_coef = max_norm / (total_norm + 1e-6), where float / tensor is tensor.reciprocal() * float.
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clampMax(1);
      for (const g of grads) g.mul_(coef);
      return value;
    }),
  );
}

/** Clamps every gradient element into [-clipValue, clipValue] in place (torch.nn.utils.clip_grad_value_). */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  noGrad(() =>
    scope(() => {
      for (const g of gradsOf(parameters)) g.clamp_(-clipValue, clipValue);
    }),
  );
}
