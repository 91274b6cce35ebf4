// Soft Dice over the annotated pixels, and the pCE + Dice total of the "pCE + Dice" scribble baseline.
// Follows the official weak_supervised_segmentation/wsl_train_pcedice.py, whose whole loss is
// losses/losses.py DC_and_CE_loss({}, {}, ignore_label=255) on the raw logits of a C = 3 model:
//   p     softmax over ALL C channels (softmax_helper), the unused third channel included;
//   mask  1 where the scribble is annotated, 0 where it is 255 (the target there is set to 0 and masked out);
//   per class c, summed over the batch and all pixels (batch_dice; soft-dice.ts with a mask):
//         tp = Σ m·p·y, fp = Σ m·p·(1 − y), fn = Σ m·(1 − p)·y,  dc = (2tp + s) / (2tp + fp + fn + s + 1e-8), s = 1e-5;
//   Dice  the mean of dc over classes 1..C−1 (do_bg False). With C = 3 that is the mean of the vessel Dice and the
//         Dice of the unused class 2, which never occurs in a scribble: its dc is s / (fp + s) ≈ 0, so the
//         released Dice term is about half the vessel Dice (classes 'as-released', the default here);
//         classes 'vessel' takes class 1 alone (what the method description reads as).
//   total CE − dc in the released code; here pCE + (1 − dc), the same gradient, a loss that reaches 0 (as
//         dc-and-ce.ts does for the fully supervised loss).
// Deviation: no NaN for a batch without annotated pixels (pCE is 0 there, see partial-ce.ts; the Dice is s/(s+1e-8)).
import { F, noGrad, where, type Tensor } from '@dias-ts/torch';
import { SCRIBBLE_UNLABELLED } from '../../data/sequence.js';
import { partialCrossEntropy } from './partial-ce.js';
import { checkLogitsAndScribble } from './scribble.js';
import { oneHotChannels, softDice } from './soft-dice.js';

export interface MaskedDiceOptions {
  /** Scribble value of unannotated pixels (default 255). */
  ignoreIndex?: number;
  /** 'as-released' (default): mean Dice of classes 1..C−1; 'vessel': the Dice of class 1 alone. */
  classes?: 'as-released' | 'vessel';
  /** Dice smoothing (default 1e-5, soft-dice.ts's DICE_SMOOTH). */
  smooth?: number;
}

/** Soft batch Dice (not a loss: 1 is perfect) over the annotated pixels, softmax over all channels. */
export function maskedSoftDice(logits: Tensor, scribble: Tensor, options: MaskedDiceOptions = {}): Tensor {
  checkLogitsAndScribble('maskedSoftDice', logits, scribble);
  const ignoreIndex = options.ignoreIndex ?? SCRIBBLE_UNLABELLED;
  const C = logits.shape[1];
  const p = F.softmax(logits, 1);
  const [mask, y] = noGrad(() => {
    const annotated = scribble.ne(ignoreIndex);
    return [
      annotated.unsqueeze(1).to(p.dtype),
      oneHotChannels(where(annotated, scribble.long(), 0), C, p.dtype),
    ] as const;
  });
  const dc = softDice(p, y, { mask, smooth: options.smooth });
  return options.classes === 'vessel' ? dc.select(0, 1) : dc.narrow(0, 1, C - 1).mean();
}

export interface PceDiceLoss {
  /** pCE + (1 − Dice), the scalar to call backward() on. */
  loss: Tensor;
  /** Partial cross-entropy over the annotated pixels. */
  pce: Tensor;
  /** The masked soft Dice (1 is perfect). */
  dice: Tensor;
}

/** The wsl_train_pcedice.py loss: partial CE plus (1 − masked soft Dice). */
export function pceDiceLoss(logits: Tensor, scribble: Tensor, options: MaskedDiceOptions = {}): PceDiceLoss {
  const pce = partialCrossEntropy(logits, scribble, { ignoreIndex: options.ignoreIndex });
  const dice = maskedSoftDice(logits, scribble, options);
  return { loss: pce.add(dice.neg().add(1)), pce, dice };
}
