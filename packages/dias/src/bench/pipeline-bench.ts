// Training-data throughput: batches per second from PatchSampler on the calling thread against PatchPrefetcher's
// worker threads, on random z-scored sequences (the content does not change the cost). Both produce the same
// batches (same seed), so the comparison is of the same work. The prefetched figure is measured after the
// first batch has arrived (workers started). With consumerMs = 0 the consumer does nothing else, which gives
// the rate the workers sustain; with consumerMs > 0 the main thread is kept busy that long per batch (standing
// in for a training step) and the figure that matters is how long next() still makes it wait.
import { availableParallelism } from 'node:os';
import { PatchSampler } from '../data/pipeline/patch-sampler.js';
import { PatchPrefetcher } from '../data/pipeline/prefetch.js';
import { Random } from '../data/random.js';
import type { AugmentOptionsInput } from '../data/pipeline/augmentation.js';
import type { DsaSequence } from '../data/sequence.js';

export interface PipelineBenchOptions {
  /** Timed batches per mode (default 30). */
  batches?: number;
  batchSize?: number;
  patch?: number;
  frames?: number;
  /** Worker threads for the prefetched run (default PatchPrefetcher's). */
  workers?: number;
  augment?: AugmentOptionsInput;
  /** Sequences to sample from, each frames x size x size (default 4 of 512 x 512). */
  sequences?: number;
  size?: number;
  /** Busy time of the consumer per batch in the prefetched run, standing in for a training step (default 0). */
  consumerMs?: number;
}

export interface PipelineBenchResult {
  augment: string;
  batch: number;
  patch: number;
  frames: number;
  workers: number;
  cores: number;
  single_batches_per_s: number;
  prefetch_batches_per_s: number;
  speedup: number;
  consumer_ms: number;
  /** Mean and median time a next() call kept the consumer waiting in the prefetched run. */
  prefetch_wait_ms: number;
  prefetch_wait_ms_median: number;
  /** What a batch costs the consumer without prefetching (1000 / single_batches_per_s). */
  single_ms: number;
}

function randomSequences(n: number, T: number, size: number): DsaSequence[] {
  const rng = new Random(1234);
  return Array.from({ length: n }, (_, i) => {
    const frames = new Float32Array(T * size * size);
    for (let k = 0; k < frames.length; k++) frames[k] = rng.normal();
    const label = Uint8Array.from(frames.subarray(0, size * size), (v) => (v > 1 ? 1 : 0));
    return { id: `bench${i}`, source: 'bench', frames, T, H: size, W: size, label, meta: {} };
  });
}

export async function benchPipeline(o: PipelineBenchOptions = {}): Promise<PipelineBenchResult> {
  const batches = o.batches ?? 30;
  const T = o.frames ?? 8;
  const seqs = randomSequences(o.sequences ?? 4, T, o.size ?? 512);
  const opts = { patchSize: o.patch ?? 64, batchSize: o.batchSize ?? 64, seed: 1, augment: o.augment };

  const sampler = new PatchSampler(seqs, opts);
  sampler.next(); // warm-up (JIT)
  let t0 = performance.now();
  for (let i = 0; i < batches; i++) sampler.next();
  const single = batches / ((performance.now() - t0) / 1000);

  const pf = new PatchPrefetcher(seqs, { ...opts, workers: o.workers });
  const consumerMs = o.consumerMs ?? 0;
  const waits: number[] = [];
  let workers = 0;
  let prefetched: number;
  try {
    const consume = () => {
      const until = performance.now() + consumerMs;
      while (performance.now() < until); // busy, as a training step keeps the thread
    };
    await pf.next(); // workers started and warm
    consume();
    workers = pf.workerCount;
    t0 = performance.now();
    for (let i = 0; i < batches; i++) {
      const w0 = performance.now();
      await pf.next();
      waits.push(performance.now() - w0);
      consume();
    }
    prefetched = batches / ((performance.now() - t0) / 1000);
  } finally {
    await pf.close();
  }
  const round = (x: number) => +x.toFixed(1);
  return {
    augment: typeof o.augment === 'string' ? o.augment : o.augment ? JSON.stringify(o.augment) : 'fsl',
    batch: opts.batchSize,
    patch: opts.patchSize,
    frames: T,
    workers,
    cores: availableParallelism(),
    single_batches_per_s: round(single),
    prefetch_batches_per_s: round(prefetched),
    speedup: +(prefetched / single).toFixed(2),
    consumer_ms: consumerMs,
    prefetch_wait_ms: +(waits.reduce((a, b) => a + b, 0) / batches).toFixed(2),
    prefetch_wait_ms_median: +[...waits].sort((a, b) => a - b)[Math.floor(batches / 2)].toFixed(2),
    single_ms: +(1000 / single).toFixed(2),
  };
}
