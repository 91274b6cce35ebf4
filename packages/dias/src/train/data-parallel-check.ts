// Whether a run can be trained by a group of processes (data-parallel.ts): one check for the launcher (`dias train
// --nproc`, before any worker starts) and for train() in every worker (torchrun or a scheduler may start them
// without the launcher), so the two cannot drift apart.
import type { TrainConfig } from './config.js';
import { findRecipe } from './recipes/index.js';

/** Why `config` cannot be trained by a group of `worldSize` processes, or null when it can. */
export function checkDataParallel(config: TrainConfig, worldSize: number): string | null {
  const { recipe, device, batchSize, accumulate } = config.train;
  if (findRecipe(recipe).stages)
    return `train.recipe ${recipe}: recipes trained in stages run in one process (no --nproc or WORLD_SIZE > 1 yet)`;
  if (device !== 'cpu')
    return `train.device ${device}: data-parallel training runs on the CPU (Gloo); the NCCL backend for GPUs is not built in yet`;
  if (batchSize % (worldSize * accumulate) !== 0)
    return `train.batchSize (${batchSize}) must be divisible by the ${worldSize} processes times train.accumulate (${accumulate})`;
  return null;
}
