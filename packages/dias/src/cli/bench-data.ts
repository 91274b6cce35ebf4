// `dias bench data`: the flags of the training-data throughput benchmark (bench/pipeline-bench.ts).
import { parseArgs } from 'node:util';
import { benchPipeline } from '../bench/pipeline-bench.js';
import { AUGMENT_PRESETS, type AugmentPreset } from '../data/pipeline/augmentation.js';
import { UsageError } from './command.js';
import { positiveIntFlag } from './flags.js';

export const BENCH_DATA_USAGE = `Usage: dias bench data [--batch 64] [--patch 64] [--frames 8] [--batches 30] [--workers N]
                       [--augment PRESET] [--consumer-ms MS] [--sequences 4] [--size 512] [--json]

Batches of random patches (with the training augmentations) made on the calling thread, then by the prefetching
worker threads, from the same seed: batches per second of each and the speed-up. With --consumer-ms the main
thread stays busy that long per batch, standing in for a training step, and what matters is how long each
next() still waits. The last line printed is JSON: {"augment","batch","patch","frames","workers","cores",
"single_batches_per_s","prefetch_batches_per_s","speedup","consumer_ms","prefetch_wait_ms",
"prefetch_wait_ms_median","single_ms"}.
  --batch N          patches per batch (default 64)
  --patch N          patch height and width in pixels (default 64)
  --frames N         frames per patch (default 8)
  --batches N        batches timed in each of the two runs (default 30)
  --workers N        prefetching worker threads (default the prefetcher's: min(4, cores - 1))
  --augment PRESET   one of ${Object.keys(AUGMENT_PRESETS).join(', ')} (default fsl, the training default)
  --consumer-ms MS   milliseconds the main thread stays busy per batch (a simulated training step; default 0)
  --sequences, --size  random sequences sampled from, each frames x size x size (default 4 of 512)
  --json             print only the JSON line`;

export async function benchData(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      batch: { type: 'string' },
      patch: { type: 'string' },
      frames: { type: 'string' },
      batches: { type: 'string' },
      workers: { type: 'string' },
      augment: { type: 'string' },
      'consumer-ms': { type: 'string' },
      sequences: { type: 'string' },
      size: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const augment = values.augment ?? 'fsl';
  if (!(augment in AUGMENT_PRESETS))
    throw new UsageError(`--augment: unknown preset '${augment}' (known: ${Object.keys(AUGMENT_PRESETS).join(', ')})`);
  const consumerMs = Number(values['consumer-ms'] ?? 0);
  if (!(consumerMs >= 0))
    throw new UsageError(`--consumer-ms must be a number of milliseconds >= 0, got '${values['consumer-ms']}'`);
  const patch = positiveIntFlag('patch', values.patch, 64);
  const size = positiveIntFlag('size', values.size, 512);
  if (patch > size) throw new UsageError(`--patch ${patch} is larger than the sequences (--size ${size})`);
  const result = await benchPipeline({
    batchSize: positiveIntFlag('batch', values.batch, 64),
    patch,
    frames: positiveIntFlag('frames', values.frames, 8),
    batches: positiveIntFlag('batches', values.batches, 30),
    workers: positiveIntFlag('workers', values.workers),
    augment: augment as AugmentPreset,
    consumerMs,
    sequences: positiveIntFlag('sequences', values.sequences, 4),
    size,
  });
  if (!values.json) {
    console.log(
      `batches of ${result.batch} ${result.frames}x${result.patch}x${result.patch} patches (augment ${result.augment}):`,
    );
    if (result.consumer_ms > 0) {
      // The workers' rate is bounded by the simulated step here; the wait is the figure.
      console.log(
        `  with a ${result.consumer_ms} ms step per batch, next() waited ${result.prefetch_wait_ms_median} ms (median; mean ${result.prefetch_wait_ms} ms) ` +
          `with ${result.workers} worker(s), against ${result.single_ms} ms to make a batch on the calling thread`,
      );
    } else {
      console.log(
        `  calling thread ${result.single_batches_per_s}/s (${result.single_ms} ms each); ${result.workers} worker(s) ${result.prefetch_batches_per_s}/s, x${result.speedup}`,
      );
    }
  }
  console.log(JSON.stringify(result));
  return 0;
}
