// `dias bench segment`: click-to-overlay time (load, read, predict, write) of `dias segment --fast` on square
// sequences of several sizes, against the official PyTorch model doing the same whole-image inference
// (bench/segment-bench.ts, benchmarks/pytorch/bench_segment.py).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getNumThreads } from '@dias-ts/torch';
import { benchSegment, type SegmentTimes } from '../bench/segment-bench.js';
import { bfloat16Warning } from '../predict/cpu-bfloat16.js';
import { defaultModelWeights } from '../predict/default-model.js';
import { UsageError } from './command.js';
import { inputFile, positiveIntFlag } from './flags.js';
import { applyThreadsFlag, schemeFlag } from './inference-flags.js';

export const BENCH_SEGMENT_USAGE = `Usage: dias bench segment [--weights W.safetensors] [--sizes 256,800,1024] [--frames 8] [--rounds 3]
                          [--scheme whole|sliding] [--tta] [--bf16] [--threads K]
                          [--pytorch OFFICIAL_DIR [--python python3]] [--json]

Click-to-overlay of one sequence, as \`dias segment --fast\` does it: load the weights, read an NPY stack
(T x S x S, written once per size), predict, threshold and write the probability map, mask and overlay. Every
round loads the model afresh; the start of Node (and of Python, with import torch) is not counted. With
--pytorch, benchmarks/pytorch/bench_segment.py does the same with the official model code (a checkout of
lseventeen/DIAS) and the same weights, alternating with our side in each round; medians are compared.
  --weights FILE     the model (default: the shipped default model)
  --sizes LIST       square sizes in pixels (default 256,800,1024)
  --frames N         frames of the input (default 8)
  --rounds N         measured rounds per size, after one unmeasured (default 3)
  --scheme S         whole (default, the fast mode) or sliding (64x64 patches, stride 32); ours only
  --tta              flip test-time augmentation (default off, as --fast); ours only
  --bf16             our forward passes in bfloat16 (autocast); ours only
  --threads K        libtorch threads on both sides (default: the free cores)
  --pytorch DIR      run the PyTorch side with the official code in DIR
  --python CMD       the Python with torch (default python3)
  --json             the last line printed is JSON: one row per size`;

const fmt = (t: SegmentTimes) =>
  `${t.total.toFixed(2)} s (load ${t.load.toFixed(2)}, read ${t.read.toFixed(2)}, predict ${t.predict.toFixed(2)}, write ${t.write.toFixed(2)})`;

export async function benchSegmentCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      weights: { type: 'string' },
      sizes: { type: 'string' },
      frames: { type: 'string' },
      rounds: { type: 'string' },
      scheme: { type: 'string' },
      tta: { type: 'boolean' },
      bf16: { type: 'boolean' },
      threads: { type: 'string' },
      pytorch: { type: 'string' },
      python: { type: 'string' },
      json: { type: 'boolean' },
      'no-progress': { type: 'boolean' },
    },
  });
  let weights: string;
  if (values.weights) weights = inputFile('--weights', values.weights);
  else {
    try {
      weights = defaultModelWeights();
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const sizes = (values.sizes ?? '256,800,1024').split(',').map((s) => positiveIntFlag('sizes', s.trim(), 1));
  if (values.python && !values.pytorch) throw new UsageError('--python goes with --pytorch');
  if (values.pytorch && !existsSync(join(values.pytorch, 'models')))
    throw new UsageError(`--pytorch ${values.pytorch}: not a checkout of the official DIAS code (no models/)`);
  const script = new URL('../../../../../benchmarks/pytorch/bench_segment.py', import.meta.url);
  const scriptPath = [script, new URL('../../../../benchmarks/pytorch/bench_segment.py', import.meta.url)]
    .map((u) => u.pathname)
    .find((p) => existsSync(p));
  if (values.pytorch && !scriptPath)
    throw new UsageError('benchmarks/pytorch/bench_segment.py is not in this installation');
  applyThreadsFlag(values.threads);
  const threads = getNumThreads();
  const dir = mkdtempSync(join(tmpdir(), 'dias-bench-segment-'));
  const say = (s: string) => (values.json ? console.error(s) : console.log(s));
  const slowBf16 = values.bf16 ? bfloat16Warning('cpu') : null;
  if (slowBf16) console.error(`warning: ${slowBf16}`);
  try {
    const rows = await benchSegment({
      weights,
      sizes,
      frames: positiveIntFlag('frames', values.frames, 8),
      rounds: positiveIntFlag('rounds', values.rounds, 3),
      dir,
      threads,
      predict: {
        scheme: schemeFlag(values.scheme) ?? 'whole',
        tta: Boolean(values.tta),
        precision: values.bf16 ? 'bfloat16' : 'float32',
      },
      pytorch: values.pytorch
        ? { python: values.python ?? 'python3', script: scriptPath!, official: values.pytorch }
        : undefined,
      onRound: (S, r, ours, theirs) =>
        say(`${S}x${S} round ${r + 1}: ours ${fmt(ours)}${theirs ? `; PyTorch ${fmt(theirs)}` : ''}`),
    });
    for (const row of rows) {
      say(
        `${row.size}x${row.size}x${row.frames}, ${threads} thread(s), medians of ${row.rounds}: ours ${fmt(row.ours)}` +
          (row.pytorch ? `; PyTorch ${fmt(row.pytorch)}; ratio ${row.ratio}` : '') +
          `; fastest round: ours ${row.best.ours.toFixed(2)} s${row.best.pytorch !== null ? `, PyTorch ${row.best.pytorch.toFixed(2)} s` : ''}`,
      );
    }
    console.log(JSON.stringify({ weights, threads, rows }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}
