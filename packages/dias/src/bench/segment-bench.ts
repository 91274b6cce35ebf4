// `dias bench segment` (issue 19): click-to-overlay time of segmenting one sequence -- load the weights, read the
// input, predict, threshold and write the outputs `dias segment` writes (probability map NPY and PNG, mask,
// overlay) -- for square sequences of several sizes, with the whole-image scheme without TTA (`dias segment
// --fast`, the server's fast mode) or any other Predictor setting. The input is an NPY stack (T, S, S) of smooth
// vessel-like stripes and noise written once per size; every round loads the model afresh, so load is counted
// each time, as a new click in a fresh `dias segment` would (Node's start and the addon's are not counted, nor is
// Python's and `import torch` on the PyTorch side).
//
// The PyTorch side (bench/pytorch-side.ts: benchmarks/pytorch/bench_segment.py with the official model code, one
// child process started before our side runs) does the same steps with the same weights and input, after an
// unmeasured pass in its process as ours has; the two sides alternate within each round and the medians are
// compared.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromTypedArray, saveNpy } from '@dias-ts/torch';
import { readSequence } from '../data/readers/read-sequence.js';
import { writeCaseOutputs } from '../eval/case-outputs.js';
import { thresholdProbability } from '../metrics/metrics.js';
import { FAST_PREDICTION, Predictor, type PredictorOptions } from '../predict/predictor.js';
import { loadWeightsFile } from '../train/run-folder.js';
import { medianSeconds } from './medians.js';
import { PytorchProcess, type PytorchSide } from './pytorch-side.js';

export type { PytorchSide } from './pytorch-side.js';

export interface SegmentTimes {
  load: number;
  read: number;
  predict: number;
  write: number;
  total: number;
}

export interface SegmentBenchOptions {
  weights: string;
  /** Square sizes (pixels). */
  sizes: readonly number[];
  frames?: number;
  rounds?: number;
  /** Scratch folder for the inputs and outputs. */
  dir: string;
  threads: number;
  predict?: PredictorOptions;
  pytorch?: PytorchSide;
  onRound?: (size: number, round: number, ours: SegmentTimes, pytorch: SegmentTimes | null) => void;
}

export interface SegmentBenchRow {
  size: number;
  frames: number;
  /** Medians over the rounds, seconds. */
  ours: SegmentTimes;
  pytorch: SegmentTimes | null;
  /** ours.total / pytorch.total (medians), null without the PyTorch side. */
  ratio: number | null;
  /** The fastest round's total of each side (seconds): on a machine shared with other work, the least disturbed. */
  best: { ours: number; pytorch: number | null };
  rounds: number;
}

/** A T x S x S stack: a few dark curved "vessels" that fill in over time on a noisy background (0..255). */
export function benchSequence(T: number, S: number): Float32Array {
  const out = new Float32Array(T * S * S);
  let seed = 12345;
  for (let t = 0; t < T; t++) {
    const fill = Math.min(1, (t + 1) / (T / 2));
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        let v = 200 + (seed / 2 ** 31) * 20;
        for (let k = 0; k < 4; k++) {
          const cx = S * (0.2 + 0.2 * k) + 0.08 * S * Math.sin((y / S) * 6 + k);
          const d = Math.abs(x - cx);
          const w = 2 + k;
          if (d < w && y < S * fill) v -= 90 * (1 - d / w);
        }
        out[(t * S + y) * S + x] = v;
      }
    }
  }
  return out;
}

const medianTimes = (ts: SegmentTimes[]) => medianSeconds(ts, ['load', 'read', 'predict', 'write', 'total'] as const);

/** Our side once: load, read, predict, write (seconds). */
export async function segmentOnce(
  weights: string,
  input: string,
  outDir: string,
  predict: PredictorOptions = FAST_PREDICTION,
): Promise<SegmentTimes> {
  const t0 = performance.now();
  const loaded = loadWeightsFile(weights);
  try {
    const t1 = performance.now();
    const seq = await readSequence(input);
    const t2 = performance.now();
    const prob = new Predictor(loaded.model, loaded.spec, { ...predict, frames: loaded.frames }).predict(seq);
    const t3 = performance.now();
    mkdirSync(outDir, { recursive: true });
    writeCaseOutputs(outDir, 'bench', seq, prob, thresholdProbability(prob, 0.5));
    const t4 = performance.now();
    return {
      load: (t1 - t0) / 1000,
      read: (t2 - t1) / 1000,
      predict: (t3 - t2) / 1000,
      write: (t4 - t3) / 1000,
      total: (t4 - t0) / 1000,
    };
  } finally {
    loaded.model.dispose();
  }
}

export async function benchSegment(o: SegmentBenchOptions): Promise<SegmentBenchRow[]> {
  const T = o.frames ?? 8;
  const rounds = o.rounds ?? 3;
  const rows: SegmentBenchRow[] = [];
  mkdirSync(o.dir, { recursive: true });
  // Started first, while our heap is small: a later spawn would make our next forward pass fault its pages in again.
  const python = o.pytorch ? new PytorchProcess(o.pytorch, o.weights, o.threads) : null;
  try {
    for (const S of o.sizes) rows.push(await benchSize(o, S, T, rounds, python));
  } finally {
    await python?.close();
  }
  return rows;
}

async function benchSize(
  o: SegmentBenchOptions,
  S: number,
  T: number,
  rounds: number,
  python: PytorchProcess | null,
): Promise<SegmentBenchRow> {
  const input = join(o.dir, `input_${S}.npy`);
  const t = fromTypedArray(benchSequence(T, S), [T, S, S]);
  saveNpy(input, t);
  t.dispose();
  const ours: SegmentTimes[] = [];
  const theirs: SegmentTimes[] = [];
  // One unmeasured pass of each side first (page cache, lazy initialisation), then alternate, starting with
  // the other side every second round.
  await segmentOnce(o.weights, input, join(o.dir, `ours_${S}`), o.predict);
  const theirOnce = () => python!.once(input, join(o.dir, `pytorch_${S}`));
  if (python) await theirOnce();
  for (let r = 0; r < rounds; r++) {
    let mine: SegmentTimes;
    let other: SegmentTimes | null = null;
    if (python && r % 2 === 1) {
      other = await theirOnce();
      mine = await segmentOnce(o.weights, input, join(o.dir, `ours_${S}`), o.predict);
    } else {
      mine = await segmentOnce(o.weights, input, join(o.dir, `ours_${S}`), o.predict);
      if (python) other = await theirOnce();
    }
    ours.push(mine);
    if (other) theirs.push(other);
    o.onRound?.(S, r, mine, other);
  }
  const a = medianTimes(ours);
  const b = theirs.length ? medianTimes(theirs) : null;
  const fastest = (ts: SegmentTimes[]) => +Math.min(...ts.map((x) => x.total)).toFixed(3);
  return {
    size: S,
    frames: T,
    ours: a,
    pytorch: b,
    ratio: b ? +(a.total / b.total).toFixed(3) : null,
    best: { ours: fastest(ours), pytorch: theirs.length ? fastest(theirs) : null },
    rounds,
  };
}
