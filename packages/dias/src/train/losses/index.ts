// The scribble-supervised (weak) losses of the DIAS benchmark, one idea per file; see each file's header for the
// official source it follows and where it deviates.
export { UNLABELLED } from './scribble.js';
export { partialCrossEntropy, type PartialCrossEntropyOptions } from './partial-ce.js';
export {
  maskedSoftDice,
  pceDiceLoss,
  MASKED_DICE_SMOOTH,
  type MaskedDiceOptions,
  type PceDiceLoss,
} from './masked-dice.js';
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
  PSEUDO_DICE_SMOOTH,
  DMPLS_PSEUDO_WEIGHT,
  type DmplsPseudoLabel,
  type DmplsOptions,
  type DmplsLoss,
} from './dmpls.js';
