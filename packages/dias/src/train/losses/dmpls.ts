// DMPLS: dual-branch network with dynamically mixed pseudo-label supervision (Luo et al., MICCAI 2022, "Scribble-
// Supervised Medical Image Segmentation via Dual-Branch Network and Dynamically Mixed Pseudo Labels Supervision").
// Follows the official weak_supervised_segmentation/wsl_train_DMPLS.py with losses/losses.py pDLoss, on the two
// decoders' logits of models UNet_CCT (main_seg, aux_seg1; build_wsl_model gives it num_classes=2, so C = 2):
//   pCE      0.5·(CE(main, S) + CE(aux, S)), CrossEntropyLoss(ignore_index=255)         (see partial-ce.ts);
//   β        a fresh U(0, 1) each step (Python random.random() + 1e-10);
//   PL       argmax over the channels of β·softmax(main) + (1 − β)·softmax(aux), both detached: no gradient;
//   PLS      0.5·(Dice(softmax(main), PL) + Dice(softmax(aux), PL)), pDLoss(2, ignore_index=255): per class c,
//            summed over the whole batch, 1 − (2Σ p_c y_c + s) / (Σ p_c² + Σ y_c² + s), s = 1e-5, averaged over
//            the classes, background included — a Dice loss, not a cross-entropy (soft-dice.ts, 'squared');
//   total    pCE + 0.5·PLS.
// Deviations: β comes from the global torch generator (rand) or the caller, not Python's random, and without the
// 1e-10; pDLoss multiplies each sum by the batch size through a broadcast ([B, H, W] × [B, 1, H, W] → [B, B, H, W],
// the ignore mask is all ones since PL is never 255), i.e. its smoothing is effectively s/B — here s is applied
// once, as pDLoss intends; every channel of the logits is a class (C = 2 for the released model; a C = 3 model
// would make the released pDLoss(2) fail its shape assertion).
import { F, noGrad, rand, type Tensor } from '@dias-ts/torch';
import { SCRIBBLE_UNLABELLED } from '../../data/sequence.js';
import { partialCrossEntropy } from './partial-ce.js';
import { checkLogits, checkLogitsAndScribble } from './scribble.js';
import { DICE_SMOOTH, oneHotChannels, softDice } from './soft-dice.js';

/** The weight wsl_train_DMPLS.py puts on the pseudo-label supervision term (loss = pCE + 0.5·PLS). */
export const DMPLS_PSEUDO_WEIGHT = 0.5;

export interface DmplsPseudoLabel {
  /** int64 [B, H, W], no gradient. */
  label: Tensor;
  /** The mixing coefficient used. */
  beta: number;
}

/**
 * Dynamically mixed pseudo-label: argmax over channels of β·softmax(main) + (1 − β)·softmax(aux), without
 * gradient; β is drawn from U(0, 1) with the global torch generator unless given.
 */
export function dmplsPseudoLabel(logitsMain: Tensor, logitsAux: Tensor, beta?: number): DmplsPseudoLabel {
  checkLogits('dmplsPseudoLabel', logitsMain);
  if (logitsAux.shape.join(', ') !== logitsMain.shape.join(', ')) {
    throw new Error(
      `dmplsPseudoLabel: the two decoders' logits differ in shape: [${logitsMain.shape.join(', ')}] vs [${logitsAux.shape.join(', ')}]`,
    );
  }
  const b = beta ?? noGrad(() => rand([1]).item());
  if (!(b >= 0 && b <= 1)) throw new Error(`dmplsPseudoLabel: beta must lie in [0, 1], got ${b}`);
  const label = noGrad(() => {
    const mixed = F.softmax(logitsMain.detach(), 1)
      .mul(b)
      .add(F.softmax(logitsAux.detach(), 1).mul(1 - b));
    return mixed.argmax(1);
  });
  return { label, beta: b };
}

/** pDLoss: mean over all C classes of 1 − (2Σ p y + s) / (Σ p² + Σ y² + s), sums over the whole batch. */
export function pseudoLabelDiceLoss(logits: Tensor, label: Tensor, smooth = DICE_SMOOTH): Tensor {
  checkLogitsAndScribble('pseudoLabelDiceLoss', logits, label);
  const p = F.softmax(logits, 1);
  const y = noGrad(() => oneHotChannels(label.long(), logits.shape[1], p.dtype));
  return softDice(p, y, { smooth, eps: 0, denominator: 'squared' }).neg().add(1).mean();
}

export interface DmplsOptions {
  /** Mixing coefficient; default a fresh U(0, 1) draw from the global torch generator. */
  beta?: number;
  /** Scribble value of unannotated pixels (default 255). */
  ignoreIndex?: number;
}

export interface DmplsLoss {
  /** pce + 0.5·pseudoSupervision, the scalar to call backward() on. */
  loss: Tensor;
  /** 0.5·(pCE(main) + pCE(aux)). */
  pce: Tensor;
  /** 0.5·(Dice loss(main, PL) + Dice loss(aux, PL)). */
  pseudoSupervision: Tensor;
  /** The mixed pseudo-label, int64 [B, H, W]. */
  pseudoLabel: Tensor;
  beta: number;
}

/** The wsl_train_DMPLS.py loss from the main and auxiliary decoders' logits and the scribble. */
export function dmplsLoss(
  logitsMain: Tensor,
  logitsAux: Tensor,
  scribble: Tensor,
  options: DmplsOptions = {},
): DmplsLoss {
  checkLogitsAndScribble('dmplsLoss', logitsMain, scribble);
  const ce = { ignoreIndex: options.ignoreIndex ?? SCRIBBLE_UNLABELLED };
  const pce = partialCrossEntropy(logitsMain, scribble, ce)
    .add(partialCrossEntropy(logitsAux, scribble, ce))
    .mul(0.5);
  const { label, beta } = dmplsPseudoLabel(logitsMain, logitsAux, options.beta);
  const pseudoSupervision = pseudoLabelDiceLoss(logitsMain, label).add(pseudoLabelDiceLoss(logitsAux, label)).mul(0.5);
  return {
    loss: pce.add(pseudoSupervision.mul(DMPLS_PSEUDO_WEIGHT)),
    pce,
    pseudoSupervision,
    pseudoLabel: label,
    beta,
  };
}
