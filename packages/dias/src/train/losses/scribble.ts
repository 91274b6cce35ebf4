// What every scribble loss shares: the label convention of the official DIAS scribble data (the weak-supervision
// scripts under weak_supervised_segmentation/ of the official repository) and the shape checks.
//   logits    [B, C, H, W], C >= 2: channel 0 background, 1 vessel; the scribble models have C = 3, the third
//             channel an unused "unlabelled" class (models/build.py build_wsl_model, num_classes=3);
//   scribble  [B, H, W] integer: 1 vessel, 0 background, 255 not annotated (CrossEntropyLoss(ignore_index=255)),
//             data/sequence.ts's SCRIBBLE_UNLABELLED, the default ignore index of every scribble loss.
import type { Tensor } from '@dias-ts/torch';

/** Throws unless logits are [B, C >= 2, H, W] and scribble is [B, H, W]. */
export function checkLogitsAndScribble(fn: string, logits: Tensor, scribble: Tensor): void {
  checkLogits(fn, logits);
  const [B, , H, W] = logits.shape;
  if (scribble.shape.join(', ') !== [B, H, W].join(', ')) {
    throw new Error(
      `${fn}: scribble must be [${[B, H, W].join(', ')}] for logits [${logits.shape.join(', ')}], got [${scribble.shape.join(', ')}]`,
    );
  }
}

/** Throws unless logits are [B, C >= 2, H, W]. */
export function checkLogits(fn: string, logits: Tensor): void {
  if (logits.ndim !== 4 || logits.shape[1] < 2) {
    throw new Error(`${fn}: logits must be [batch, classes >= 2, height, width], got [${logits.shape.join(', ')}]`);
  }
}
