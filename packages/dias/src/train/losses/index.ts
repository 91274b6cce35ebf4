// The training losses of the DIAS benchmark, one idea per file; see each file's header for the official source it
// follows (lseventeen/DIAS) and where it deviates. Every Dice-like loss computes soft-dice.ts's soft Dice; every
// scribble loss ignores data/sequence.ts's SCRIBBLE_UNLABELLED (255) by default.
export { softDice, oneHotChannels, DICE_SMOOTH, DICE_EPS, type SoftDiceOptions } from './soft-dice.js';
export { dcAndCeLoss, softForegroundDice, type SegmentationLoss } from './dc-and-ce.js';
export { partialCrossEntropy, type PartialCrossEntropyOptions } from './partial-ce.js';
export { maskedSoftDice, pceDiceLoss, type MaskedDiceOptions, type PceDiceLoss } from './masked-dice.js';
export { normalizedEntropy, ENTROPY_RELEASED_WEIGHT, type EntropyOptions } from './entropy.js';
export { gatedCrfLoss, gatedCrfXyKernel, GATED_CRF_RELEASED, type GatedCrfOptions } from './gated-crf.js';
export { limitativePseudoLabel } from './pseudo-labels.js';
export {
  consistencyLoss,
  CONSISTENCY_RELEASED_WEIGHT,
  PSEUDO_LABEL_RELEASED_WEIGHT,
  type ConsistencyForm,
  type ConsistencyOptions,
} from './consistency.js';
export {
  dmplsPseudoLabel,
  pseudoLabelDiceLoss,
  dmplsLoss,
  DMPLS_PSEUDO_WEIGHT,
  type DmplsPseudoLabel,
  type DmplsOptions,
  type DmplsLoss,
} from './dmpls.js';
