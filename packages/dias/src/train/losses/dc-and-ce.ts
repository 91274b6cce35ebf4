// The fully supervised loss of the DIAS benchmark: the official losses/losses.py DC_and_CE_loss({}, {}) (nnU-Net's),
// cross-entropy plus a soft Dice over the softmax probabilities.
//   CE    mean cross-entropy over every pixel of the batch;
//   Dice  batch Dice of each foreground class (background left out, do_bg False): with p = softmax(logits) and
//         y the one-hot target, summed over the batch and all pixels,
//           tp = Σ p·y, fp = Σ p·(1 - y), fn = Σ (1 - p)·y,  dc = (2tp + s) / (2tp + fp + fn + s + 1e-8), s = 1e-5,
//         averaged over the foreground classes (one class, the vessels, in DIAS); soft-dice.ts computes it.
// The official total is CE − dc; we report CE + (1 − dc): the same gradient, and a loss that reaches 0.
// With an ignore index (pseudo-labels whose uncertain pixels were left out, unlabelled patches), both terms count
// only the other pixels: CE averaged over them, the Dice sums masked.
import { F, noGrad, where, type Tensor } from '@dias-ts/torch';
import { DICE_SMOOTH, oneHotChannels, softDice } from './soft-dice.js';

export interface SegmentationLoss {
  /** CE + (1 − Dice), a scalar to call backward() on. */
  loss: Tensor;
  /** The cross-entropy part (scalar). */
  ce: Tensor;
  /** The soft batch Dice of the foreground (scalar; the loss part is 1 − dice). */
  dice: Tensor;
}

function checkShapes(logits: Tensor, target: Tensor): void {
  const [B, C, ...spatial] = logits.shape;
  if (logits.ndim < 3 || C < 2)
    throw new Error(`loss: logits must be [batch, classes >= 2, ...], got [${logits.shape.join(', ')}]`);
  const want = [B, ...spatial].join(', ');
  if (target.shape.join(', ') !== want)
    throw new Error(
      `loss: target must be [${want}] class indices for logits [${logits.shape.join(', ')}], got [${target.shape.join(', ')}]`,
    );
}

/**
 * Soft batch Dice of the foreground classes (1..C-1, their mean) from logits [B, C, ...] and class indices
 * [B, ...] (any integer dtype).
 */
export function softForegroundDice(logits: Tensor, target: Tensor, smooth = DICE_SMOOTH): Tensor {
  checkShapes(logits, target);
  const C = logits.shape[1];
  const p = F.softmax(logits, 1);
  const y = oneHotChannels(target.long(), C, p.dtype);
  return softDice(p, y, { smooth })
    .narrow(0, 1, C - 1)
    .mean();
}

/** The soft foreground batch Dice over the pixels where `target` is not `ignoreIndex`. */
function maskedForegroundDice(logits: Tensor, target: Tensor, ignoreIndex: number): Tensor {
  const C = logits.shape[1];
  const [mask, y] = noGrad(() => {
    const keep = target.ne(ignoreIndex);
    return [
      keep.unsqueeze(1).to(logits.dtype),
      oneHotChannels(where(keep, target.long(), 0), C, logits.dtype),
    ] as const;
  });
  return softDice(F.softmax(logits, 1), y, { mask })
    .narrow(0, 1, C - 1)
    .mean();
}

/**
 * DC_and_CE_loss: mean cross-entropy plus (1 − soft foreground batch Dice). With `ignoreIndex`, pixels of that
 * target value take no part (a batch of ignored pixels only gives CE 0).
 */
export function dcAndCeLoss(logits: Tensor, target: Tensor, options: { ignoreIndex?: number } = {}): SegmentationLoss {
  checkShapes(logits, target);
  if (options.ignoreIndex !== undefined) {
    const t = target.long();
    const counted = noGrad(() => t.ne(options.ignoreIndex!).sum().item());
    // CE over no pixel is NaN in libtorch; 0 (with a graph) keeps the step going.
    const ce = counted > 0 ? F.crossEntropy(logits, t, { ignoreIndex: options.ignoreIndex }) : logits.sum().mul(0);
    const dice = maskedForegroundDice(logits, t, options.ignoreIndex);
    return { loss: ce.add(dice.neg().add(1)), ce, dice };
  }
  const ce = F.crossEntropy(logits, target.long());
  const dice = softForegroundDice(logits, target);
  const loss = ce.add(dice.neg().add(1));
  return { loss, ce, dice };
}
