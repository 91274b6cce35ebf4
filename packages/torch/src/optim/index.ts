// Optimizers, parameter-group helpers, gradient clipping and learning-rate schedules.
export {
  Optimizer,
  type BaseOptions,
  type GroupExtras,
  type HyperValue,
  type OptimizerMeta,
  type OptimizerStateDict,
  type OptimizerStateDictInput,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamState,
} from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { weightDecayGroups, type WeightDecayGroup } from './param-groups.js';
export { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
export { LRScheduler, type SchedulableOptimizer, type SchedulerStateDict, type WarmupOptions } from './lr-scheduler.js';
export { CosineLRScheduler, type CosineLROptions } from './cosine-lr.js';
export { StepLRScheduler, type StepLROptions } from './step-lr.js';
export { PolyLRScheduler, type PolyLROptions } from './poly-lr.js';
