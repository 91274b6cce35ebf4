// The optimiser and learning-rate schedule of a run, as the official optimizer.py and lr_scheduler.py build them.
//
// Parameter groups: official set_weight_decay returns [decay group (the configured weight decay), no-decay group
// (biases and 1-D parameters, weight decay 0)]. optim.weightDecayGroups gives them the other way round (timm's
// order), so they are swapped here: the group order decides the parameter indices of the optimizer state.
//
// Schedule: timm's CosineLRScheduler with t counted in iterations, t_initial = epochs·steps, warmup_t =
// warmupEpochs·steps, warmup_lr_init, lr_min, one cycle. The official trainer steps it after every update with
// step_update(epoch·steps + idx) where epoch counts from 1 (for epoch in range(1, EPOCHS + 1)), so
//   - the first update of the run uses warmup_lr_init (the value the scheduler sets on construction);
//   - after it the schedule is one epoch ahead: t runs from steps to (epochs + 1)·steps − 1, so the warm-up
//     effectively lasts warmupEpochs − 1 epochs and the whole last epoch runs at lr_min (t ≥ t_initial).
// stepIndex 'official' (the default) reproduces that; 'updates' uses t = number of updates done (timm's own
// training loop), which runs the schedule exactly over the run.
//
// One schedule over several runs (not in the official code; RPST's students with rpst.schedule continue): the
// schedule spans scheduler.totalEpochs, and a run whose scheduler.startEpoch is S counts its epochs from S + 1, so
// t, the warm-up and the cosine carry on where the previous stage stopped. The learning rate a fresh schedule
// sets on construction (warmup_lr_init) is then replaced by the one the previous stage's last update set.
import { optim, type Module } from '@dias-ts/torch';
import type { StepIndex, TrainConfig } from './config.js';

/** AdamW over [decay, no-decay] groups, the official order. */
export function buildOptimizer(model: Module, config: TrainConfig): optim.AdamW {
  const [noDecay, decay] = optim.weightDecayGroups(model.namedParameters(), config.optimizer.weightDecay);
  const groups = [decay, noDecay].filter((g) => g.params.length > 0);
  const { lr, betas, eps, weightDecay } = config.optimizer;
  return new optim.AdamW(groups, { lr, betas, eps, weightDecay });
}

/** The cosine schedule with warm-up, t in iterations. */
export function buildScheduler(optimizer: optim.AdamW, config: TrainConfig, steps: number): optim.CosineLRScheduler {
  const s = config.scheduler;
  const scheduler = new optim.CosineLRScheduler(optimizer, {
    tInitial: (s.totalEpochs ?? config.train.epochs) * steps,
    lrMin: s.minLr,
    warmupLrInit: s.warmupLr,
    // int() as the official build_scheduler: fractional warm-up epochs round down to whole steps.
    warmupT: Math.trunc(s.warmupEpochs * steps),
    cycleMul: 1,
    cycleLimit: 1,
    tInUpdates: true,
  });
  // A continued schedule: the first update uses the rate the previous stage's last update set.
  if (s.startEpoch > 0) scheduler.stepUpdate(schedulerT(s.stepIndex, s.startEpoch, steps - 1, steps));
  return scheduler;
}

/** The t passed to the scheduler after update `idx` (0-based) of epoch `epoch` (1-based), counted over the whole
 * schedule: a run continuing one (scheduler.startEpoch S) passes S + its own epoch. */
export function schedulerT(stepIndex: StepIndex, epoch: number, idx: number, steps: number): number {
  return stepIndex === 'official' ? epoch * steps + idx : (epoch - 1) * steps + idx + 1;
}
