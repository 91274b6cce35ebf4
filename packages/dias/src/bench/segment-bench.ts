// `dias bench segment` (issue 19): click-to-overlay time of segmenting one sequence -- load the weights, read the
// input, predict, threshold and write the outputs `dias segment` writes (probability map NPY and PNG, mask,
// overlay) -- for square sequences of several sizes, with the whole-image scheme without TTA (`dias segment
// --fast`, the server's fast mode) or any other Predictor setting. The input is an NPY stack (T, S, S) of smooth
// vessel-like stripes and noise written once per size; every round loads the model afresh, so load is counted
// each time, as a new click in a fresh `dias segment` would (Node's start and the addon's are not counted, nor is
// Python's and `import torch` on the PyTorch side).
//
// The PyTorch side (benchmarks/pytorch/bench_segment.py, run as a child process with the official model code)
// does the same steps with the same weights and input, after an unmeasured pass in its process as ours has, and
// with glibc's allocator tuned as the addon tunes it (PYTORCH_MALLOC_TUNING); the two sides alternate within each
// round and the medians are compared.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromTypedArray, saveNpy } from '@dias-ts/torch';
import { readSequence } from '../data/readers/read-sequence.js';
import { writeCaseOutputs } from '../eval/case-outputs.js';
import { thresholdProbability } from '../metrics/metrics.js';
import { FAST_PREDICTION, Predictor, type PredictorOptions } from '../predict/predictor.js';
import { loadWeightsFile } from '../train/run-folder.js';

export interface SegmentTimes {
  load: number;
  read: number;
  predict: number;
  write: number;
  total: number;
}

export interface PytorchSide {
  /** The Python interpreter (with torch), e.g. python3. */
  python: string;
  /** benchmarks/pytorch/bench_segment.py */
  script: string;
  /** A checkout of the official DIAS code (lseventeen/DIAS). */
  official: string;
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function medianTimes(ts: SegmentTimes[]): SegmentTimes {
  const keys = ['load', 'read', 'predict', 'write', 'total'] as const;
  return Object.fromEntries(keys.map((k) => [k, +median(ts.map((t) => t[k])).toFixed(3)])) as unknown as SegmentTimes;
}

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

/**
 * glibc settings equal to the addon's allocator tuning (packages/torch/native/handle.cc), given to the PyTorch
 * process so that both sides reuse freed memory alike: with glibc's defaults every large tensor is a fresh mmap
 * and PyTorch spends most of an 800x800 forward pass faulting pages in (measured 8-9 s instead of 1.35 s).
 */
export const PYTORCH_MALLOC_TUNING = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(1024 ** 3),
};

/** The PyTorch side once, in a child process (warm: after an unmeasured pass in it); its JSON's `seconds`. */
export function pytorchOnce(
  side: PytorchSide,
  weights: string,
  input: string,
  outDir: string,
  threads: number,
): SegmentTimes {
  const r = spawnSync(
    side.python,
    [
      side.script,
      '--warm',
      '--official',
      side.official,
      '--weights',
      weights,
      '--input',
      input,
      '--out',
      outDir,
      '--threads',
      String(threads),
    ],
    { encoding: 'utf8', env: { ...process.env, ...PYTORCH_MALLOC_TUNING } },
  );
  if (r.status !== 0)
    throw new Error(
      `${side.script} failed (exit ${r.status}): ${(r.stderr || r.error?.message || '').trim().slice(-800)}`,
    );
  const lines = r.stdout.trim().split('\n');
  return (JSON.parse(lines[lines.length - 1]) as { seconds: SegmentTimes }).seconds;
}

export async function benchSegment(o: SegmentBenchOptions): Promise<SegmentBenchRow[]> {
  const T = o.frames ?? 8;
  const rounds = o.rounds ?? 3;
  const rows: SegmentBenchRow[] = [];
  mkdirSync(o.dir, { recursive: true });
  for (const S of o.sizes) {
    const input = join(o.dir, `input_${S}.npy`);
    const t = fromTypedArray(benchSequence(T, S), [T, S, S]);
    saveNpy(input, t);
    t.dispose();
    const ours: SegmentTimes[] = [];
    const theirs: SegmentTimes[] = [];
    // One unmeasured pass of each side first (page cache, lazy initialisation), then alternate, starting with
    // the other side every second round.
    await segmentOnce(o.weights, input, join(o.dir, `ours_${S}`), o.predict);
    if (o.pytorch) pytorchOnce(o.pytorch, o.weights, input, join(o.dir, `pytorch_${S}`), o.threads);
    for (let r = 0; r < rounds; r++) {
      let mine: SegmentTimes;
      let other: SegmentTimes | null = null;
      if (o.pytorch && r % 2 === 1) {
        other = pytorchOnce(o.pytorch, o.weights, input, join(o.dir, `pytorch_${S}`), o.threads);
        mine = await segmentOnce(o.weights, input, join(o.dir, `ours_${S}`), o.predict);
      } else {
        mine = await segmentOnce(o.weights, input, join(o.dir, `ours_${S}`), o.predict);
        if (o.pytorch) other = pytorchOnce(o.pytorch, o.weights, input, join(o.dir, `pytorch_${S}`), o.threads);
      }
      ours.push(mine);
      if (other) theirs.push(other);
      o.onRound?.(S, r, mine, other);
    }
    const a = medianTimes(ours);
    const b = theirs.length ? medianTimes(theirs) : null;
    const fastest = (ts: SegmentTimes[]) => +Math.min(...ts.map((x) => x.total)).toFixed(3);
    rows.push({
      size: S,
      frames: T,
      ours: a,
      pytorch: b,
      ratio: b ? +(a.total / b.total).toFixed(3) : null,
      best: { ours: fastest(ours), pytorch: theirs.length ? fastest(theirs) : null },
      rounds,
    });
  }
  return rows;
}
