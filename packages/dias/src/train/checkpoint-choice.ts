// The checkpoint choice after an epoch, as a pure function of the rule (config.validation), what was chosen so far
// and this epoch's validation metric: whether the epoch becomes checkpoint_best, and whether the run stops early.
// As the official trainer, every validated epoch before monitoring starts (fromEpoch) counts as an improvement;
// unlike it, an epoch without validation never replaces checkpoint_best (the official one re-saves it when the last
// validated epoch had improved).
import type { SelectMetric } from './config.js';

/** The rule: config.validation's select, selectFromEpoch (resolved) and earlyStopping, and whether runs validate. */
export interface CheckpointRule {
  select: SelectMetric;
  /** First epoch (from 1) at which the metric is compared. */
  fromEpoch: number;
  /** Whether the run validates at all (validation.everyEpochs > 0). */
  withValidation: boolean;
  /** Validations without improvement before stopping; null never. */
  earlyStopping: number | null;
}

/** What has been chosen so far (kept in the resume record). */
export interface CheckpointState {
  best: { metric: string; value: number | null; epoch: number | null };
  /** Validations since the last improvement. */
  notImproved: number;
}

export interface CheckpointChoice extends CheckpointState {
  /** This epoch becomes checkpoint_best. */
  improved: boolean;
  /** The run stops here: earlyStopping validations in a row without improvement. */
  stop: boolean;
}

/** The state of a run that has chosen nothing yet. */
export function initialCheckpointState(select: SelectMetric): CheckpointState {
  return { best: { metric: select, value: null, epoch: null }, notImproved: 0 };
}

/**
 * The choice after `epoch`: `value` is its validation's selection metric (NaN when it could not be computed), or
 * undefined when the epoch was not validated (no validation this epoch, or another rank than 0).
 */
export function chooseCheckpoint(
  rule: CheckpointRule,
  before: CheckpointState,
  epoch: number,
  value: number | undefined,
): CheckpointChoice {
  let { best, notImproved } = before;
  let improved = false;
  if (value !== undefined) {
    if (rule.select === 'final') {
      improved = true;
      best = { metric: 'final', value: null, epoch };
    } else if (epoch >= rule.fromEpoch) {
      improved = Number.isFinite(value) && (best.value === null || value >= best.value);
      if (improved) {
        best = { metric: rule.select, value, epoch };
        notImproved = 0;
      } else notImproved++;
    } else {
      improved = true;
      best = { metric: rule.select, value: null, epoch };
    }
  } else if (!rule.withValidation || rule.select === 'final') {
    improved = true;
    best = { metric: rule.withValidation ? 'final' : 'latest', value: null, epoch };
  }
  const stop = rule.earlyStopping !== null && notImproved >= rule.earlyStopping;
  return { best, notImproved, improved, stop };
}
