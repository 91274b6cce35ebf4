// `dias bench train`: the speed of one model's training step and eval forward pass on random data, measured the
// same way as the PyTorch script it is compared with (benchmarks/pytorch/bench_train.py): one warm-up step, then
// N timed steps (forward, cross-entropy against random 0/1 targets, backward, AdamW lr 5e-4, weight decay 0.01,
// fp32), the median; then the median of eval-mode forward passes of the same batch.
import {
  F,
  optim,
  randn,
  randint,
  manualSeed,
  scope,
  noGrad,
  inferenceMode,
  setNumThreads,
  getNumThreads,
  cuda,
  type Tensor,
} from '@dias-ts/torch';
import { createModel, findModel } from '../models/registry.js';

export interface TrainBenchOptions {
  model: string;
  batch: number;
  patch: number;
  frames: number;
  steps: number;
  threads?: number;
  device: 'cpu' | 'cuda';
  /** Forward passes timed in eval mode (default: as many as training steps, at least 3). */
  inferSteps?: number;
  /** Called after each timed step, e.g. for a progress bar. */
  onStep?: (done: number, total: number) => void;
}

export interface TrainBenchResult {
  model: string;
  batch: number;
  patch: number;
  frames: number;
  threads: number;
  device: string;
  train_step_ms: number;
  infer_batch_ms: number;
  rss_mb_start: number;
  rss_mb_end: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rssMb = () => +(process.memoryUsage().rss / 2 ** 20).toFixed(1);

export function benchTrainStep(o: TrainBenchOptions): TrainBenchResult {
  if (o.threads) setNumThreads(o.threads);
  if (o.device === 'cuda' && !cuda.isAvailable())
    throw new Error('--device cuda: CUDA is not available in this build or on this machine');
  manualSeed(0);
  const spec = findModel(o.model);
  const model = createModel(spec.name, spec.kind === '2d' ? { num_channels: o.frames } : {});
  if (o.device === 'cuda') model.to('cuda');
  const sync = () => {
    if (o.device === 'cuda') cuda.synchronize();
  };
  const shape = spec.kind === '2d' ? [o.batch, o.frames, o.patch, o.patch] : [o.batch, 1, o.frames, o.patch, o.patch];
  const x = randn(shape, { device: o.device });
  const y = randint(0, 2, [o.batch, o.patch, o.patch], { device: o.device });
  const opt = new optim.AdamW(model.parameters(), { lr: 5e-4, weightDecay: 0.01 });
  const step = () =>
    scope(() => {
      opt.zeroGrad();
      const loss: Tensor = F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
    });
  model.train();
  step();
  sync();
  let rssStart = rssMb();
  const times: number[] = [];
  for (let i = 1; i <= o.steps; i++) {
    const t0 = performance.now();
    step();
    sync();
    times.push(performance.now() - t0);
    if (i === 20 && o.steps > 20) rssStart = rssMb();
    o.onStep?.(i, o.steps);
  }
  model.eval();
  const inferSteps = o.inferSteps ?? Math.max(3, o.steps);
  const inferTimes: number[] = [];
  noGrad(() => scope(() => model.forward(x)).dispose());
  for (let i = 0; i < inferSteps; i++) {
    const t0 = performance.now();
    inferenceMode(() => scope(() => model.forward(x)).dispose());
    sync();
    inferTimes.push(performance.now() - t0);
  }
  const result: TrainBenchResult = {
    model: o.model,
    batch: o.batch,
    patch: o.patch,
    frames: o.frames,
    threads: getNumThreads(),
    device: o.device,
    train_step_ms: +median(times).toFixed(2),
    infer_batch_ms: +median(inferTimes).toFixed(2),
    rss_mb_start: rssStart,
    rss_mb_end: rssMb(),
  };
  opt.dispose();
  model.dispose();
  return result;
}
