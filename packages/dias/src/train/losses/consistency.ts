// Consistency between the two networks of SSCR (DIAS paper: scribble supervision + consistency regularisation).
// Follows the official weak_supervised_segmentation/wsl_train_sscr.py: self.con_loss = MSELoss() applied to
// pseudo_gt1.float() and pseudo_gt2.float(), the two scribble-corrected argmax maps of pseudo-labels.ts, weight
// λc = 0.5 (argparse default) in the total.
// Two forms:
//   'as-released'  mean over batch and pixels of (pseudo1 − pseudo2)², the corrected 0/1 maps as floats: the
//                  fraction of pixels where the two networks disagree. argmax has no gradient, so this term only
//                  changes the logged loss: in the released training it regularises nothing.
//   'probability'  (default) the same quantity made differentiable: q = the vessel probability of the same
//                  limitative softmax (first two channels), mean over batch and pixels of (q1 − q2)², with the
//                  difference set to 0 where the scribble is annotated (S = 0 or 1), as the corrected maps agree
//                  there by construction; same denominator B·H·W. The gradient reaches both networks, so the
//                  term actually pulls their predictions together on the unannotated pixels — the consistency
//                  regularisation the method describes.
import { F, noGrad, where, type Tensor } from '@dias-ts/torch';
import { vesselProbability } from '../../predict/vessel-probability.js';
import { limitativePseudoLabel } from './pseudo-labels.js';
import { checkLogitsAndScribble } from './scribble.js';

/** λc, the weight wsl_train_sscr.py puts on the consistency term (argparse default); applied by the recipe. */
export const CONSISTENCY_RELEASED_WEIGHT = 0.5;
/** λp, the weight wsl_train_sscr.py puts on the pseudo-label CE terms (argparse default); applied by the recipe. */
export const PSEUDO_LABEL_RELEASED_WEIGHT = 1;

export type ConsistencyForm = 'probability' | 'as-released';

export interface ConsistencyOptions {
  /** 'probability' (default, differentiable) or 'as-released' (MSE of the corrected argmax maps, no gradient). */
  form?: ConsistencyForm;
}

/** MSE consistency between two networks' predictions [B, C, H, W] under the same scribble [B, H, W]. */
export function consistencyLoss(
  logitsA: Tensor,
  logitsB: Tensor,
  scribble: Tensor,
  options: ConsistencyOptions = {},
): Tensor {
  checkLogitsAndScribble('consistencyLoss', logitsA, scribble);
  checkLogitsAndScribble('consistencyLoss', logitsB, scribble);
  const form = options.form ?? 'probability';
  if (form === 'as-released') {
    const a = limitativePseudoLabel(logitsA, scribble);
    const b = limitativePseudoLabel(logitsB, scribble);
    return noGrad(() => F.mseLoss(a.to(logitsA.dtype), b.to(logitsA.dtype)));
  }
  if (form !== 'probability')
    throw new Error(`consistencyLoss: form must be 'probability' or 'as-released', got '${String(form)}'`);
  const annotated = noGrad(() => {
    const s = scribble.long();
    return s.eq(0).logicalOr(s.eq(1));
  });
  const difference = vesselProbability(logitsA).squeeze(1).sub(vesselProbability(logitsB).squeeze(1));
  return where(annotated, 0, difference).square().mean();
}
