// train(options): the one way to train a run, for `dias train`, the server's training worker and the benchmarks.
// It picks the runner the recipe asks for -- the staged runner (self-training.ts: a teacher, then students on its
// pseudo-labels, each stage an ordinary run) or the loop (loop.ts) -- after checking that the recipe and settings
// suit the process group the environment describes (data-parallel-check.ts). Nothing calls back into it.
import { checkDataParallel } from './data-parallel-check.js';
import { requestedWorldSize } from './data-parallel.js';
import { trainLoop, type TrainOptions, type TrainResult } from './loop.js';
import { findRecipe } from './recipes/index.js';
import { runSelfTraining } from './self-training.js';

export { describeLosses, type TrainEvents, type TrainOptions, type TrainResult } from './loop.js';

/** Trains (or resumes) a run; resolves when it has finished or stopped after stopAfterEpochs epochs. */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const worldSize = requestedWorldSize();
  const why = worldSize > 1 ? checkDataParallel(o.config, worldSize) : null;
  if (why) throw new Error(why);
  const { stages } = findRecipe(o.config.train.recipe);
  return stages ? runSelfTraining(o, stages) : trainLoop(o);
}

/** train's earlier name. */
export const trainRun = train;
