// What `dias test` and `dias segment` share: the inference flags, their checks, and loading a trained model from
// a run folder or a weights file with messages that name what is missing.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { noGrad, scope, setNumThreads } from '@dias-ts/torch';
import type { BlendMode } from '../data/pipeline/sliding-window.js';
import { bfloat16Warning } from '../predict/cpu-bfloat16.js';
import { PREDICTION_SCHEMES, type PredictionScheme, type PredictorOptions } from '../predict/predictor.js';
import type { ModelOptions, ModelSpec, SegmentationModel } from '../models/model-spec.js';
import type { TrainConfig } from '../train/config.js';
import {
  isResumeState,
  loadRunModel,
  loadWeightsFile,
  readRunConfig,
  runPath,
  weightsRunDir,
  type LoadedModel,
  type WeightsChoice,
} from '../train/run-folder.js';
import type { LabelSet } from '../data/label-set.js';
import { UsageError } from './command.js';
import { availableDevice, inputFile, positiveIntFlag } from './flags.js';

const inferenceFlags = {
  scheme: { type: 'string' },
  tile: { type: 'string' },
  bf16: { type: 'boolean' },
  'no-tta': { type: 'boolean' },
  stride: { type: 'string' },
  blend: { type: 'string' },
  batch: { type: 'string' },
  device: { type: 'string' },
  threads: { type: 'string' },
} as const;

/** The flags of every command that runs a trained model: the model's run folder, the threshold, the output style. */
const modelRunFlags = {
  run: { type: 'string' },
  checkpoint: { type: 'string' },
  iteration: { type: 'string' },
  threshold: { type: 'string' },
  json: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  ...inferenceFlags,
} as const;

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
type InferenceArgsConfig<Own extends FlagOptions, Positionals extends boolean> = {
  args: string[];
  allowPositionals?: Positionals;
  options: typeof modelRunFlags & Own;
};

/** A model-running command's argv: its own flags plus the shared ones. */
export function parseInferenceArgs<Own extends FlagOptions, Positionals extends boolean = false>(
  argv: string[],
  own: Own,
  allowPositionals?: Positionals,
): ReturnType<typeof parseArgs<InferenceArgsConfig<Own, Positionals>>> {
  return parseArgs<InferenceArgsConfig<Own, Positionals>>({
    args: argv,
    allowPositionals,
    options: { ...modelRunFlags, ...own },
  });
}

export const INFERENCE_FLAG_USAGE = `  --scheme S         sliding (default: 64x64 patches, the official tester) or whole (the whole frame per
                     forward pass, tiles of at most --tile px overlapping by 64 px beyond that)
  --tile N           largest tile side of --scheme whole (default 1024)
  --bf16             forward passes in bfloat16 (autocast; faster on CPUs with AVX512-BF16, README)
  --no-tta           no flip test-time augmentation (default: the mean over identity, left-right, up-down
                     and both flips; 4x the work)
  --stride N         patch stride in pixels (default 32; 64 = no overlap)
  --blend B          average (default, as the official tester) or gaussian (nnU-Net-like centre weighting)
  --batch N          patches per forward pass (default 16)
  --device D         cpu (default) or cuda
  --threads K        CPU threads`;

export interface InferenceFlagValues {
  scheme?: string;
  tile?: string;
  bf16?: boolean;
  'no-tta'?: boolean;
  stride?: string;
  blend?: string;
  batch?: string;
  device?: string;
}

export function checkpointChoice(value: string | undefined): WeightsChoice {
  const c = value ?? 'best';
  if (c !== 'best' && c !== 'final' && c !== 'latest')
    throw new UsageError(`--checkpoint must be best, final or latest, got '${value}'`);
  return c;
}

/**
 * --threads: libtorch's thread count, for the whole process; capped at the cores (setNumThreads), said on stderr.
 * Returns the count applied (undefined when the flag is absent), for commands that pass it on to their runs.
 */
export function applyThreadsFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const asked = positiveIntFlag('threads', value, 1);
  const applied = setNumThreads(asked);
  if (applied < asked)
    console.error(`note: --threads ${asked} is more than the ${applied} cores here; using ${applied}`);
  return applied;
}

export interface InferenceModel {
  model: SegmentationModel;
  spec: ModelSpec;
  options: ModelOptions;
  /** The frame count the model was trained on. */
  frames: number;
  /** The label set it was trained on: 'av' models give class maps besides the vessel map. */
  labels: LabelSet;
  weights: string;
  config?: TrainConfig;
  metadata: Record<string, string>;
  describe(): string;
  /** PredictorOptions from the shared flags (stride, blend, TTA, batch, device) and the model's frame count. */
  predictOptions(values: InferenceFlagValues, overrides?: Partial<PredictorOptions>): PredictorOptions;
  summaryExtra(): Record<string, unknown>;
}

function nonNegativeInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--${flag} must be an integer >= 0, got '${text}'`);
  return Number(text);
}

/**
 * Weights with NaN or infinite values (a diverged run) predict NaN everywhere; refusing them at load names the
 * cause, where predicting first ended in a NaN probability map and an empty output folder.
 */
function checkFinite(loaded: LoadedModel, path: string): void {
  const bad: string[] = [];
  let tensors = 0;
  noGrad(() =>
    scope(() => {
      for (const [name, t] of loaded.model.stateDict()) {
        if (t.dtype !== 'float32' && t.dtype !== 'float64' && t.dtype !== 'float16' && t.dtype !== 'bfloat16') continue;
        tensors++;
        if (!t.isfinite().all().item()) bad.push(name);
      }
    }),
  );
  if (bad.length) {
    loaded.model.dispose();
    const names = bad.slice(0, 3).join(', ') + (bad.length > 3 ? ', ...' : '');
    throw new Error(
      `${path}: ${bad.length} of ${tensors} weight tensors hold NaN or infinite values (${names}); the training diverged: use an earlier checkpoint`,
    );
  }
}

let modelLoads = 0;

/** How many models this process has loaded for inference (run folder or weights file) so far. */
export function inferenceModelLoads(): number {
  return modelLoads;
}

/** --scheme: sliding or whole (undefined when absent). */
export function schemeFlag(value: string | undefined): PredictionScheme | undefined {
  if (value === undefined) return undefined;
  if (!PREDICTION_SCHEMES.includes(value as PredictionScheme))
    throw new UsageError(`--scheme must be ${PREDICTION_SCHEMES.join(' or ')}, got '${value}'`);
  return value as PredictionScheme;
}

function wrap(loaded: LoadedModel & { config?: TrainConfig }, path: string): InferenceModel {
  modelLoads++;
  checkFinite(loaded, path);
  const frames = loaded.frames;
  let device: 'cpu' | 'cuda' = 'cpu';
  return {
    ...loaded,
    weights: path,
    describe: () =>
      `${loaded.spec.name} (${path}${Number.isFinite(loaded.epoch) ? `, epoch ${loaded.epoch}` : ''}, ${frames} frames)`,
    predictOptions(values, overrides = {}) {
      const blend = (values.blend ?? 'average') as BlendMode;
      if (blend !== 'average' && blend !== 'gaussian')
        throw new UsageError(`--blend must be average or gaussian, got '${values.blend}'`);
      const stride = positiveIntFlag('stride', values.stride, 32);
      if (stride > 64)
        throw new UsageError(
          `--stride must not exceed the 64-pixel patch, or pixels would be left out (got ${stride})`,
        );
      const scheme = schemeFlag(values.scheme) ?? overrides.scheme ?? 'sliding';
      if (values.tile !== undefined && scheme !== 'whole') throw new UsageError('--tile goes with --scheme whole');
      if (values.stride !== undefined && scheme === 'whole')
        throw new UsageError('--stride goes with --scheme sliding (the whole scheme has no patches)');
      const tileSize = positiveIntFlag('tile', values.tile, 1024);
      if (tileSize < 128) throw new UsageError(`--tile must be at least 128 (tiles overlap by 64 px), got ${tileSize}`);
      const wanted = availableDevice(values.device);
      if (wanted !== device) {
        loaded.model.to(wanted);
        device = wanted;
      }
      const slowBf16 = values.bf16 ? bfloat16Warning(device) : null;
      if (slowBf16) console.error(`warning: ${slowBf16}`);
      return {
        stride,
        blend,
        tta: !values['no-tta'],
        batchSize: positiveIntFlag('batch', values.batch, 16),
        device,
        frames,
        ...overrides,
        scheme,
        tileSize,
        ...(values.bf16 ? { precision: 'bfloat16' as const } : {}),
        ...(loaded.labels === 'av' ? { labels: loaded.labels } : {}),
      };
    },
    summaryExtra: () => ({
      model: loaded.spec.name,
      model_options: loaded.options,
      parameters: loaded.model.parameterCount(),
      weights: path,
      epoch: Number.isFinite(loaded.epoch) ? loaded.epoch : null,
      frames,
      ...(loaded.labels === 'av' ? { labels: loaded.labels } : {}),
    }),
  };
}

/**
 * A run folder's checkpoint (for a self-training run, that of stage `iteration`, default the last), with clear
 * messages for a missing folder or checkpoint.
 */
export function loadRunForInference(runDir: string, which: WeightsChoice, iteration?: number): InferenceModel {
  if (!existsSync(runDir)) throw new UsageError(`--run ${runDir}: no such run folder`);
  if (!statSync(runDir).isDirectory()) throw new UsageError(`--run ${runDir}: not a folder`);
  if (!existsSync(runPath(runDir, 'config')))
    throw new UsageError(`--run ${runDir}: not a run folder (no config.json)`);
  let dir: string;
  try {
    dir = weightsRunDir(runDir, readRunConfig(runDir), iteration);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const file = runPath(dir, which);
  if (!existsSync(file)) {
    const have = existsSync(dir) ? readdirSync(dir).filter((n) => /^checkpoint_\w+\.safetensors$/.test(n)) : [];
    throw new UsageError(
      `${file}: no such checkpoint (${have.length ? `the run has ${have.join(', ')}` : 'the run has no checkpoints yet'})`,
    );
  }
  return wrap(loadRunModel(runDir, which, iteration), file);
}

/** A weights file written by dias train (safetensors with dias_model, dias_model_options and dias_frames). */
export function loadWeightsForInference(path: string): InferenceModel {
  inputFile('--weights', path);
  // The resume state carries the weights' metadata too, so it would build the model and then fail on thousands
  // of key names (<net>/model.<name>): say what the file is instead.
  if (isResumeState(path)) {
    throw new UsageError(
      `--weights ${path}: a resume state of dias train, not weights; give checkpoint_best, _final or _latest.safetensors`,
    );
  }
  return wrap(loadWeightsFile(path), path);
}

/** The model named by --run (with --checkpoint) or else by --weights; the caller has checked that one is given. */
export function loadInferenceModel(values: {
  run?: string;
  checkpoint?: string;
  weights?: string;
  iteration?: string;
}): InferenceModel {
  if (values.iteration !== undefined && !values.run)
    throw new UsageError('--iteration goes with --run (a self-training run)');
  const iteration = values.iteration === undefined ? undefined : nonNegativeInt('iteration', values.iteration);
  return values.run
    ? loadRunForInference(values.run, checkpointChoice(values.checkpoint), iteration)
    : loadWeightsForInference(values.weights!);
}
