// One optimizer step of a recipe (the body of the official trainer's batch loop: forward, loss, backward,
// optimizer step, for every network the recipe trains), and the context a recipe's losses read the batch from.
// Deviation: the official trainer has no gradient accumulation; here a batch may be trained as equal
// micro-batches (train.accumulate), split exactly as data-parallel processes split it (micro-batch.ts).
import { autocast, fromTypedArray, GradScaler, optim, scope, type Tensor } from '@dias-ts/torch';
import type { PatchBatch } from '../data/pipeline/patch-sampler.js';
import type { SegmentationModel } from '../models/model-spec.js';
import type { TrainConfig } from './config.js';
import { batchShare } from './micro-batch.js';
import { modelInput, type ModelSetup } from './model-setup.js';
import type { NetworkSet } from './network-set.js';
import type { Recipe, StepContext } from './recipe.js';

export type { Network } from './network-set.js';

/** The recipe's context for one batch: tensors made on first use, inside the step's scope. */
export function stepContext(
  batch: PatchBatch,
  setup: ModelSetup,
  nets: Record<string, SegmentationModel>,
  at: Pick<StepContext, 'epoch' | 'step' | 'stepsPerEpoch' | 'epochs'>,
  device: TrainConfig['train']['device'],
): StepContext {
  const { B, T, P } = batch;
  const memo = new Map<string, Tensor>();
  const once = (key: string, make: () => Tensor) => memo.get(key) ?? (memo.set(key, make()), memo.get(key)!);
  const targets = (what: 'labels' | 'scribbles') => {
    const data = batch[what];
    if (!data) throw new Error(`the batch holds no ${what} (the recipe asked for the other kind of target)`);
    return fromTypedArray(data, [B, P, P]).to({ device, dtype: 'int64' });
  };
  return {
    batch,
    nets,
    ...at,
    device,
    input: (view = 1) =>
      once(`input${view}`, () => {
        const images = view === 1 ? batch.images : batch.images2;
        if (!images) throw new Error('the batch holds one view (the recipe asked for two)');
        return modelInput(setup.spec, images, B, T, P, P, device);
      }),
    labels: () => once('labels', () => targets('labels')),
    scribbles: () => once('scribbles', () => targets('scribbles')),
  };
}

/**
 * One training step over every network; returns the recipe's losses as numbers (means over the micro-batches).
 * With train.accumulate K the batch is trained as K equal micro-batches: each loss is divided by K before its
 * backward, so the summed gradients are those of the mean loss, as an all-reduce average over K processes gives.
 */
export function trainStep(
  recipe: Recipe,
  /** The run's networks: the trained ones (not frozen) take the optimizer steps. */
  set: NetworkSet,
  batch: PatchBatch,
  makeContext: (b: PatchBatch) => StepContext,
  config: TrainConfig,
  scaler: GradScaler | null,
  /** Data-parallel runs: averages the gradients over the processes, started by the last backward (data-parallel.ts). */
  gradientSync?: { beforeLastBackward(): void; afterBackward(): void },
): Record<string, number> {
  const networks = set.trained;
  const K = config.train.accumulate;
  const sums: Record<string, number> = Object.fromEntries(recipe.lossNames.map((k) => [k, 0]));
  for (const n of networks) n.optimizer.zeroGrad();
  for (let k = 0; k < K; k++) {
    // One scope per micro-batch: its activations are freed before the next one's forward.
    scope(() => {
      const ctx = makeContext(batchShare(batch, k, K));
      const forward = () => recipe.losses(ctx);
      const losses = scaler ? autocast('cuda', forward) : forward();
      const loss = K === 1 ? losses.loss : losses.loss.div(K);
      if (k === K - 1) gradientSync?.beforeLastBackward();
      if (scaler) scaler.scaleLoss(loss).backward();
      else loss.backward();
      for (const name of recipe.lossNames) sums[name] += losses[name].item() / K;
    });
  }
  gradientSync?.afterBackward();
  scope(() => {
    if (config.train.clipGradNorm !== null) {
      for (const n of networks) {
        if (scaler) scaler.unscale(n.optimizer);
        optim.clipGradNorm_(n.model.parameters(), config.train.clipGradNorm);
      }
    }
    if (scaler) {
      for (const n of networks) scaler.step(n.optimizer);
      scaler.update();
    } else for (const n of networks) n.optimizer.step();
    recipe.afterStep?.(makeContext(batch));
  });
  return sums;
}
