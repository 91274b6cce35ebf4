// Scribble-corrected pseudo-labels of the SSCR framework (DIAS paper, scribble supervision + consistency
// regularisation). The vessel probability they come from is predict/vessel-probability.ts's, as at test time.
// Follows the official weak_supervised_segmentation/wsl_train_sscr.py (and wsl_train_sscr_ablation.py):
//   pseudo = argmax(softmax(pre[:, :-1]))  — the "limitative" softmax over the channels but the last, i.e. the
//            background and vessel channels of the C = 3 scribble models, leaving out the unused class 2;
//   pseudo[S == 0] = 0, pseudo[S == 1] = 1  — annotated pixels take the scribble's class;
//   computed under autocast but outside any graph (argmax has no gradient).
// How the released scripts use it (the recipe's business, listed here for reference):
//   wsl_train_sscr.py          loss = pCE(pre1) + pCE(pre2) + λp·(CE(pre1, pseudo1) + CE(pre2, pseudo2))
//                                     + λc·MSE(pseudo1, pseudo2)      — each network to its OWN pseudo-label;
//   wsl_train_sscr_ablation.py the same with CE(pre1, pseudo2) + CE(pre2, pseudo1)  — cross pseudo-supervision;
//   CE over all three channels and every pixel; λp = 1, λc = 0.5 (the argparse defaults, which override the
//   0.2 / 0.2 of configs/config.py). The consistency term is in consistency.ts.
// Deviation: we slice the first two channels by name rather than "all but the last" (the same for C = 3).
import { F, noGrad, where, type Tensor } from '@dias-ts/torch';
import { checkLogitsAndScribble } from './scribble.js';

function limitativeSoftmax(logits: Tensor): Tensor {
  return F.softmax(logits.narrow(1, 0, 2), 1);
}

/**
 * Pseudo-label int64 [B, H, W], no gradient: argmax of the softmax over the first two channels, then set to the
 * scribble where it is annotated (S = 0 → 0, S = 1 → 1; every other value, 255 included, keeps the argmax).
 */
export function limitativePseudoLabel(logits: Tensor, scribble: Tensor): Tensor {
  checkLogitsAndScribble('limitativePseudoLabel', logits, scribble);
  return noGrad(() => {
    const predicted = limitativeSoftmax(logits.detach()).argmax(1);
    const s = scribble.long();
    return where(s.eq(0), 0, where(s.eq(1), 1, predicted)).long();
  });
}
