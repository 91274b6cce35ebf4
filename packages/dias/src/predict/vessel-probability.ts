// The vessel probability of a network's logits [B, C, H, W] -> [B, 1, H, W], for every output layout of the zoo:
//   C = 1  a single vessel logit: sigmoid;
//   C = 2  background and vessel: softmax over the classes, class 1 (the official tester);
//   C = 3  the weak-supervision networks (class 2 stands for the scribbles' "unlabelled" value): softmax over the
//          first two channels only, class 1 -- the "limitative softmax" of the official SSCR training and
//          validation (wsl_train_sscr.py, wsl_test.py: softmax(pre[:, :NUM_CLASSES])), so the third channel never
//          takes probability away from the vessels.
// Half-precision logits (mixed precision) are computed in float32; float32 and float64 stay as they are.
// A network trained on the artery/vein label set (data/label-set.ts, also 3 channels) is read by classProbabilities
// instead: the softmax over every channel, one probability per class; which of the two readings a 3-channel
// network needs is its run's label set, not its shape.
import { F, type Tensor } from '@dias-ts/torch';

export function vesselProbability(logits: Tensor): Tensor {
  if (logits.ndim < 2)
    throw new Error(`vesselProbability: logits must be [batch, classes, ...], got [${logits.shape.join(', ')}]`);
  const x = logits.dtype === 'float16' || logits.dtype === 'bfloat16' ? logits.float() : logits;
  const C = x.shape[1];
  if (C === 1) return F.sigmoid(x);
  return F.softmax(C === 2 ? x : x.narrow(1, 0, 2), 1).narrow(1, 1, 1);
}

/** The probability of every class, softmax over all channels [B, C, ...] (an artery/vein network's outputs). */
export function classProbabilities(logits: Tensor): Tensor {
  if (logits.ndim < 2 || logits.shape[1] < 2)
    throw new Error(`classProbabilities: logits must be [batch, classes >= 2, ...], got [${logits.shape.join(', ')}]`);
  const x = logits.dtype === 'float16' || logits.dtype === 'bfloat16' ? logits.float() : logits;
  return F.softmax(x, 1);
}
