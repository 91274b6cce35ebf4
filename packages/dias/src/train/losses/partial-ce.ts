// Partial cross-entropy (pCE): cross-entropy over the annotated (scribble) pixels only, the supervision every
// scribble recipe of the DIAS benchmark starts from.
// Follows the official weak_supervised_segmentation/wsl_train_sscr.py, wsl_train_sscr_ablation.py and
// wsl_train_DMPLS.py (torch CrossEntropyLoss(ignore_index=255) on the raw logits, softmax over all C channels,
// mean over the non-ignored pixels), which is also the CE half of losses/losses.py DC_and_CE_loss(ignore_label=255)
// used by wsl_train_pcedice.py, wsl_train_entropy_mini.py and wsl_train_GatedCRFLoss.py (per-pixel CE times the
// labelled mask, summed, divided by the mask's sum: the same number).
// Deviation: a batch without a single annotated pixel gives 0, still attached to the graph (zero gradient); the
// released code divides 0 by 0 there (NaN).
import { F, noGrad, type Tensor } from '@dias-ts/torch';
import { SCRIBBLE_UNLABELLED } from '../../data/sequence.js';
import { checkLogitsAndScribble } from './scribble.js';

export interface PartialCrossEntropyOptions {
  /** Scribble value of unannotated pixels (default 255). */
  ignoreIndex?: number;
}

/** Mean cross-entropy over the pixels whose scribble is not ignoreIndex; 0 (with a gradient path) when there are none. */
export function partialCrossEntropy(
  logits: Tensor,
  scribble: Tensor,
  options: PartialCrossEntropyOptions = {},
): Tensor {
  checkLogitsAndScribble('partialCrossEntropy', logits, scribble);
  const ignoreIndex = options.ignoreIndex ?? SCRIBBLE_UNLABELLED;
  const total = F.crossEntropy(logits, scribble.long(), { ignoreIndex, reduction: 'sum' });
  const labelled = noGrad(() => scribble.ne(ignoreIndex).sum().clampMin(1).to(total.dtype));
  return total.div(labelled);
}
