// The soft Dice every Dice-like loss of the project computes: the fully supervised DC_and_CE (dc-and-ce.ts), the
// scribble baselines' masked Dice (masked-dice.ts) and DMPLS's pseudo-label Dice (dmpls.ts).
// Follows the official losses/losses.py of lseventeen/DIAS (nnU-Net's SoftDiceLoss with batch_dice, and pDLoss):
// with p the softmax probabilities [B, C, ...] and y the one-hot target [B, C, ...], per class c, summed over the
// batch and all pixels,
//   'linear'   (SoftDiceLoss)  tp = Σ p·y, fp = Σ p·(1 − y), fn = Σ (1 − p)·y,
//                              dc = (2tp + s) / (2tp + fp + fn + s + eps),  s = 1e-5, eps = 1e-8;
//   'squared'  (pDLoss)        dc = (2Σ p·y + s) / (Σ p² + Σ y² + s + eps),  DMPLS passes eps = 0.
// With a mask m (1 counted, 0 left out; SoftDiceLoss's loss_mask), p and y are multiplied by m first:
//   tp = Σ m·p·y, fp = Σ (m·p − m·p·y), fn = Σ (m·y − m·p·y).
// The result is the Dice of every class, [C]; which classes a loss averages (the foreground, all, the vessel) is
// the caller's.
// Deviation, none in the values: without a mask fp and fn are written Σ p·(1 − y) and Σ (1 − p)·y, with one as
// the differences above. For m = 1 the forward values are the same, but autograd accumulates the gradient in a
// different order; each form is the one existing runs were trained with, so both stay and runs keep bit-identical
// weights.
import { F, type DType, type Tensor } from '@dias-ts/torch';

/** nnU-Net's smoothing of the soft Dice (SoftDiceLoss smooth = 1e-5; pDLoss's too). */
export const DICE_SMOOTH = 1e-5;
/** Added to the denominator as the official SoftDiceLoss does (nominator / (denominator + 1e-8)). */
export const DICE_EPS = 1e-8;

export interface SoftDiceOptions {
  /** [B, 1, ...] of p's layout, 1 where a pixel counts and 0 where it does not (default: every pixel counts). */
  mask?: Tensor;
  /** s, added to the numerator and the denominator (default 1e-5). */
  smooth?: number;
  /** Added to the denominator besides s (default 1e-8, as SoftDiceLoss; pDLoss adds none). */
  eps?: number;
  /** 'linear' (default): 2tp + fp + fn, SoftDiceLoss; 'squared': Σ p² + Σ y², pDLoss. */
  denominator?: 'linear' | 'squared';
}

/** The one-hot [B, C, ...] of class indices [B, ...] (int64), in `dtype`: the channels next to the batch. */
export function oneHotChannels(target: Tensor, classes: number, dtype: DType): Tensor {
  const order = [0, target.ndim, ...Array.from({ length: target.ndim - 1 }, (_, i) => i + 1)];
  return F.oneHot(target, classes)
    .permute(...order)
    .to(dtype);
}

/** Soft batch Dice of each class, [C], from probabilities p and a one-hot target y, both [B, C, ...]. */
export function softDice(p: Tensor, y: Tensor, options: SoftDiceOptions = {}): Tensor {
  const smooth = options.smooth ?? DICE_SMOOTH;
  const eps = options.eps ?? DICE_EPS;
  const axes = [0, ...Array.from({ length: p.ndim - 2 }, (_, i) => i + 2)];
  if (options.denominator === 'squared') {
    if (options.mask) throw new Error("softDice: the 'squared' denominator takes no mask");
    return p
      .mul(y)
      .sum(axes)
      .mul(2)
      .add(smooth)
      .div(
        p
          .square()
          .sum(axes)
          .add(y.square().sum(axes))
          .add(smooth + eps),
      );
  }
  let tp: Tensor, fp: Tensor, fn: Tensor;
  if (options.mask) {
    const pm = p.mul(options.mask);
    const ym = y.mul(options.mask);
    tp = pm.mul(y).sum(axes);
    fp = pm.sub(pm.mul(y)).sum(axes);
    fn = ym.sub(pm.mul(y)).sum(axes);
  } else {
    tp = p.mul(y).sum(axes);
    fp = p.mul(y.neg().add(1)).sum(axes);
    fn = p.neg().add(1).mul(y).sum(axes);
  }
  return tp
    .mul(2)
    .add(smooth)
    .div(
      tp
        .mul(2)
        .add(fp)
        .add(fn)
        .add(smooth + eps),
    );
}
