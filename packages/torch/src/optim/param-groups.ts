// Parameter groups for weight decay, as timm's param_groups_weight_decay (the recipe DIAS trains with): biases,
// normalisation weights and every other parameter with at most one dimension get no weight decay.
import type { Tensor } from '../tensor.js';

export interface WeightDecayGroup {
  params: Tensor[];
  weightDecay: number;
}

/**
 * Two groups, in timm's order: first the parameters without decay (ndim <= 1, names ending in ".bias", or listed
 * in noWeightDecay), with weightDecay 0; then the rest, with weightDecay. Parameters that do not require
 * gradients are left out. Pass the result to an optimizer: `new AdamW(weightDecayGroups(model.namedParameters(), 0.05))`.
 */
export function weightDecayGroups(
  namedParameters: Iterable<readonly [string, Tensor]>,
  weightDecay: number,
  noWeightDecay: Iterable<string> = [],
): [noDecay: WeightDecayGroup, decay: WeightDecayGroup] {
  const skip = new Set(noWeightDecay);
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  for (const [name, p] of namedParameters) {
    if (!p.requiresGrad) continue;
    if (p.ndim <= 1 || name.endsWith('.bias') || skip.has(name)) noDecay.push(p);
    else decay.push(p);
  }
  return [
    { params: noDecay, weightDecay: 0 },
    { params: decay, weightDecay },
  ];
}
