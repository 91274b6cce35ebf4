// Entropy minimisation: the normalised Shannon entropy of the softmax, pushing predictions on unannotated pixels
// towards confidence (Grandvalet & Bengio 2004, the "pCE + EM" scribble baseline).
// Follows the official losses/losses.py entropy_loss(p, C=2) as weak_supervised_segmentation/
// wsl_train_entropy_mini.py calls it: entropy_loss(torch.softmax(pre, dim=1), C=2), weight 5 on top of
// DC_and_CE_loss(ignore_label=255) (pCE + masked Dice, see masked-dice.ts); the weight is the recipe's.
//   H = mean over batch and pixels of  −Σ_c p_c·log(p_c + 1e-6) / log(normalizer),  p = softmax(logits) over ALL
//   channels, every pixel (annotated ones too).
// As released, the softmax and the sum run over all C channels of the model, the unused third channel of the C = 3
// scribble models included, while the normaliser is log 2 (C=2 passed by hand), so the value lies in
// [0, log C / log 2] (up to 1.585 for C = 3), not [0, 1]. normalizer defaults to that released 2.
import { F, type Tensor } from '@dias-ts/torch';
import { checkLogits } from './scribble.js';

/** The weight wsl_train_entropy_mini.py puts on the entropy term (loss = DC_and_CE + 5·H); applied by the recipe. */
export const ENTROPY_RELEASED_WEIGHT = 5;

export interface EntropyOptions {
  /** The entropy is divided by log(normalizer) (default 2, as released, whatever C is). */
  normalizer?: number;
  /** Added inside the log (default 1e-6, as released). */
  eps?: number;
}

/** Mean over batch and pixels of the softmax entropy (all channels) divided by log(normalizer). */
export function normalizedEntropy(logits: Tensor, options: EntropyOptions = {}): Tensor {
  checkLogits('normalizedEntropy', logits);
  const normalizer = options.normalizer ?? 2;
  if (!(normalizer > 1)) throw new Error(`normalizedEntropy: normalizer must be > 1, got ${normalizer}`);
  const eps = options.eps ?? 1e-6;
  const p = F.softmax(logits, 1);
  return p.mul(p.add(eps).log()).sum(1).mean().neg().div(Math.log(normalizer));
}
