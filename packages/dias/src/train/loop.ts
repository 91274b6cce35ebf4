// The training loop every recipe without stages runs in (the official trainer.py and its weak-supervision variants,
// reshaped as nnU-Net's run_training: a short loop of named phases that call the recipe's hooks). trainLoop reads
// as: setUp (the run folder, the data, the recipe), buildNetworks, restore (a resumed run's state), then per epoch
// trainEpoch (steps of random patches: the recipe's forward passes and losses, one backward, every network's AdamW
// step and per-iteration scheduler step), validateEpoch (the exported network on whole validation sequences),
// chooseCheckpoint (checkpoint-choice.ts) and saveEpoch (run-folder.ts). One step (train-step.ts) may be split into
// micro-batches. The loop reports through events (TrainEvents), stops between steps when its AbortSignal fires, and
// imports nothing of the command line: `dias train` draws its progress bars from the events. train() (index.ts)
// picks this loop or the staged runner.
//
// Reproducibility: the networks are initialised, in the recipe's order, after manualSeed(seed); batch i of the run
// is a pure function of (seed, i) (patch-sampler.ts); dropout and recipe randomness draw from the global torch
// generator, whose state is saved with every epoch. So on the CPU, with the same thread count, a run stopped after
// any epoch and resumed ends with the same weights, bit for bit, as one that ran through -- every network of it.
//
// Data-parallel runs (WORLD_SIZE > 1 in the environment, as `dias train --nproc` or torchrun set it;
// data-parallel.ts): every process draws the same global batch i and trains its contiguous share of it, the
// gradients are averaged before each optimizer step, and rank 0 alone validates and writes the run folder.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  cuda,
  defaultGenerator,
  fromTypedArray,
  GradScaler,
  loadSafetensors,
  manualSeed,
  optim,
  setNumThreads,
  getNumThreads,
  type Tensor,
} from '@dias-ts/torch';
import { PatchPrefetcher } from '../data/pipeline/prefetch.js';
import { finalizeTrainConfig, selectFromEpoch, stepsPerEpoch, type TrainConfig } from './config.js';
import { buildModel, resolveModelSetup, type ModelSetup } from './model-setup.js';
import { buildOptimizer, buildScheduler, schedulerT } from './optimization.js';
import { stepContext, trainStep } from './train-step.js';
import { batchShare } from './micro-batch.js';
import { gradientSync, joinDataParallel, type DataParallel, type DataParallelOptions } from './data-parallel.js';
import { findRecipe } from './recipes/index.js';
import type { Recipe, RecipeDefinition, SecondPool } from './recipe.js';
import {
  openRunFolder,
  readLatestCheckpoint,
  readLog,
  runPath,
  saveEpoch,
  saveFinalWeights,
  writeRunConfig,
  type EpochLog,
  type LatestCheckpoint,
  type ResumeRecord,
  type WeightsInfo,
} from './run-folder.js';
import { loadTrainingData, type TrainingData } from './training-data.js';
import { validate, type ValidationResult } from './validation.js';
import { chooseCheckpoint, initialCheckpointState, type CheckpointRule } from './checkpoint-choice.js';
import { NetworkSet, type Network } from './network-set.js';

/** What a run tells its caller as it goes (all optional). */
export interface TrainEvents {
  /** One-line messages (default console.log). */
  log?(line: string): void;
  epochStart?(epoch: number, epochs: number, steps: number): void;
  /** After each step: its 0-based index, the running means of the recipe's losses, the learning rate used. */
  step?(index: number, meanLosses: Readonly<Record<string, number>>, lr: number): void;
  epochTrained?(epoch: number): void;
  validationStart?(epoch: number, sequences: number): void;
  validationSequence?(done: number): void;
  validationEnd?(epoch: number): void;
  /** After each epoch, with its log entry. */
  epoch?(entry: EpochLog): void;
}

export interface TrainOptions {
  /** The settings (finalized here). On resume, pass the run's saved config (readRunConfig) with any overrides. */
  config: TrainConfig;
  runDir: string;
  resume?: boolean;
  force?: boolean;
  /** Run at most this many epochs now, then stop (the run stays resumable). */
  stopAfterEpochs?: number;
  events?: TrainEvents;
  /** Data-parallel settings, used when the environment makes this process one of several (data-parallel.ts). */
  dataParallel?: DataParallelOptions;
  /** Cancels the run: it stops before the next step or validated sequence, rejecting with the signal's reason; the
   * run folder keeps its last whole epoch (resumable). */
  signal?: AbortSignal;
}

export interface TrainResult {
  runDir: string;
  config: TrainConfig;
  /** Epochs completed, in all. */
  epochs: number;
  finished: boolean;
  best: ResumeRecord['best'];
  history: EpochLog[];
}

const fmt = (v: number | null | undefined, digits = 4) =>
  typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'nan';
const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

function checkDevice(device: string): void {
  if (device === 'cuda' && !cuda.isAvailable()) {
    throw new Error(
      'train.device cuda: CUDA is not available (this libtorch build has no CUDA support or no GPU is visible); use --device cpu',
    );
  }
}

function summaryRecord(s: ValidationResult['image'] | ValidationResult['patch']): Record<string, number | null> {
  return Object.fromEntries(Object.entries(s.mean).map(([k, v]) => [k, finiteOrNull(v)]));
}

/** "loss 0.4123 (ce 0.201, dice 0.790)": the recipe's losses, the first one in front. */
export function describeLosses(names: readonly string[], values: Readonly<Record<string, number>>, digits = 4): string {
  const [first, ...rest] = names;
  return `${first} ${fmt(values[first], digits)}${rest.length ? ` (${rest.map((k) => `${k} ${fmt(values[k], 3)}`).join(', ')})` : ''}`;
}

/** Another run's exported weights and, when asked, its resume state (optimizer tensors per network). */
function readInitialState(runDir: string, which: 'best' | 'final', withOptimizer: boolean) {
  const path = runPath(runDir, which);
  if (!existsSync(path))
    throw new Error(`train.init.from: ${path}: missing (the run to start from has no checkpoint_${which})`);
  const weights = loadSafetensors(path).tensors;
  const optimizer = withOptimizer ? readLatestCheckpoint(runDir) : null;
  if (withOptimizer && !optimizer)
    throw new Error(
      `train.init.from: ${runPath(runDir, 'latestState')}: missing (no optimizer state to continue from)`,
    );
  return {
    weights,
    optimizer,
    dispose() {
      for (const t of weights.values()) t.dispose();
      optimizer?.dispose();
    },
  };
}

type InitialState = ReturnType<typeof readInitialState>;

/** The optimizer state a network takes from another run: the same-named network's, or the only one there is. */
function initialOptimizerOf(
  ckpt: LatestCheckpoint,
  name: string,
): { state: Map<string, Tensor>; meta: optim.OptimizerMeta } | null {
  const names = [...ckpt.networks.keys()];
  const source = ckpt.networks.has(name) ? name : names.length === 1 ? names[0] : null;
  return source === null
    ? null
    : { state: ckpt.networks.get(source)!.optimizer, meta: ckpt.record.networks[source].optimizer };
}

/** Trains (or resumes) a run of a recipe without stages; resolves when it has finished or stopped after
 * stopAfterEpochs epochs. */
export async function trainLoop(o: TrainOptions): Promise<TrainResult> {
  const config = finalizeTrainConfig(o.config);
  if (findRecipe(config.train.recipe).stages)
    throw new Error(`train.recipe ${config.train.recipe} trains in stages: train() (train/index.ts) runs them`);
  const dp = joinDataParallel(o.dataParallel);
  try {
    return await trainProcess(o, config, dp);
  } finally {
    dp?.close();
  }
}

/** What the phases share: the settings, where this process stands in the group, and what set-up made. */
interface Run {
  o: TrainOptions;
  config: TrainConfig;
  runDir: string;
  dp: DataParallel | null;
  /** Rank 0 (or the only process): validates, logs and writes the run folder. */
  isMain: boolean;
  ev: TrainEvents;
  log(line: string): void;
  mode: 'fresh' | 'resume';
  definition: RecipeDefinition<TrainConfig>;
  recipe: Recipe;
  secondPool: SecondPool | null;
  data: TrainingData;
  setup: ModelSetup;
  steps: number;
  epochs: number;
  withValidation: boolean;
  rule: CheckpointRule;
  scaler: GradScaler | null;
  info(epoch: number): WeightsInfo;
}

/** Where the run stands: what a resume record holds besides the networks' state. */
interface Progress {
  /** Epochs completed. */
  done: number;
  best: ResumeRecord['best'];
  notImproved: number;
  samplerStart: number;
  finished: boolean;
  history: EpochLog[];
}

/** The run as one process trains it: alone (dp null), or as one rank of a data-parallel group. */
async function trainProcess(o: TrainOptions, config: TrainConfig, dp: DataParallel | null): Promise<TrainResult> {
  const run = setUp(o, config, dp);
  const set = buildNetworks(run);
  // Native memory is freed when the run ends, however it ends (tests and tools run several in one process).
  try {
    const progress = restore(run, set);
    // Every rank starts from rank 0's weights; the frozen networks are not trained, so only the others average.
    const averageGradients = dp
      ? gradientSync(
          dp.rank,
          set.trained.map((n) => dp.wrap(n.model)),
        )
      : undefined;
    if (progress.finished) {
      // Killed between the resume record and the final weights: the record's networks are the final ones.
      if (run.isMain && !existsSync(runPath(run.runDir, 'final')))
        saveFinalWeights(run.runDir, set.all, set.exported.name, run.info(progress.done));
      run.log(`${run.runDir}: the run has already finished (${progress.done} epochs)`);
      return result(run, progress);
    }
    announce(run, set);
    const prefetcher = openPrefetcher(run, progress.samplerStart);
    try {
      const last = Math.min(
        run.epochs,
        o.stopAfterEpochs !== undefined ? progress.done + o.stopAfterEpochs : run.epochs,
      );
      for (let epoch = progress.done + 1; epoch <= last; epoch++) {
        const stop = await runEpoch(run, set, prefetcher, averageGradients, progress, epoch);
        if (stop) break;
      }
    } finally {
      await prefetcher.close();
    }
    return result(run, progress);
  } finally {
    set.dispose();
  }
}

function result(run: Run, p: Progress): TrainResult {
  return {
    runDir: run.runDir,
    config: run.config,
    epochs: p.done,
    finished: p.finished,
    best: p.best,
    history: p.history,
  };
}

/** The run folder (rank 0 prepares it; a forced start empties it), the device and threads, the recipe and its data. */
function setUp(o: TrainOptions, config: TrainConfig, dp: DataParallel | null): Run {
  const isMain = !dp || dp.isMain;
  const ev = isMain ? (o.events ?? {}) : {};
  const log = isMain ? (line: string) => (ev.log ? ev.log(line) : console.log(line)) : () => {};
  const { runDir } = o;
  // The others read the folder once rank 0 has prepared it.
  const mode = isMain
    ? openRunFolder(runDir, config, { resume: o.resume, force: o.force })
    : o.resume
      ? 'resume'
      : 'fresh';
  dp?.barrier();
  checkDevice(config.train.device);
  applyThreads(config, dp, log);
  const definition = findRecipe(config.train.recipe);
  const recipe = definition.create(config);
  const withValidation = config.validation.everyEpochs > 0;
  const secondPool = definition.secondPool?.(config) ?? null;
  const data = loadTrainingData(config.data.dir, {
    frames: config.data.frames,
    withValidation,
    targets: definition.targets,
    labels: config.data.labels,
    scribbles: config.data.scribbles,
    labelled: config.data.labelled,
    labelledIds: config.data.labelledIds,
    pool: secondPool?.source ?? null,
  });
  if (data.frameNote) log(`note: ${data.frameNote}`);
  const setup = resolveModelSetup(config.model.name, config.model.options, config.data.frames, (k, r) => {
    throw new Error(`${k}: ${r}`);
  });
  const amp = config.train.amp === 'auto' ? config.train.device === 'cuda' : config.train.amp;
  return {
    o,
    config,
    runDir,
    dp,
    isMain,
    ev,
    log,
    mode,
    definition,
    recipe,
    secondPool,
    data,
    setup,
    steps: stepsPerEpoch(config),
    epochs: config.train.epochs,
    withValidation,
    rule: {
      select: config.validation.select,
      fromEpoch: selectFromEpoch(config),
      withValidation,
      earlyStopping: config.validation.earlyStopping,
    },
    scaler: amp ? new GradScaler() : null,
    info: (epoch) => ({
      model: setup.spec.name,
      options: setup.options,
      frames: config.data.frames,
      epoch,
      labels: config.data.labels,
    }),
  };
}

/** train.threads is the machine's: the processes on it share it. Unset, each takes its share of the free cores
 * (the launcher's DIAS_THREADS). */
function applyThreads(config: TrainConfig, dp: DataParallel | null, log: (line: string) => void): void {
  const threads =
    config.train.threads === null
      ? null
      : dp
        ? Math.max(1, Math.floor(config.train.threads / dp.localWorldSize))
        : config.train.threads;
  if (threads !== null) {
    const applied = setNumThreads(threads);
    if (applied < threads)
      log(`note: train.threads ${threads} is more than the ${applied} cores here; using ${applied}`);
  }
}

/**
 * The networks exactly as the official seed_torch(seed) then build_model (the weak-supervision scripts build model1
 * then model2 after the one seed), each with its AdamW and schedule; a fresh run given train.init.from starts from
 * that run's weights (and AdamW state).
 */
function buildNetworks(run: Run): NetworkSet {
  const { config, recipe } = run;
  manualSeed(config.train.seed);
  const networks: Network[] = [];
  const init =
    run.mode === 'fresh' && config.train.init.from !== null
      ? readInitialState(config.train.init.from, config.train.init.checkpoint, config.train.init.optimizer)
      : null;
  try {
    for (const name of recipe.networks) networks.push(buildNetwork(run, name, init));
    const set = new NetworkSet(networks, recipe.exported, recipe.frozen);
    if (init)
      run.log(
        `initialised from ${config.train.init.from} (checkpoint_${config.train.init.checkpoint}${config.train.init.optimizer ? ' and its AdamW state' : ''})`,
      );
    return set;
  } catch (e) {
    NetworkSet.disposeAll(networks);
    throw e;
  } finally {
    init?.dispose();
  }
}

/** One network of the recipe, on the device, with its AdamW and schedule (freed again if any of it fails). */
function buildNetwork(run: Run, name: string, init: InitialState | null): Network {
  const { config } = run;
  const model = buildModel(run.setup);
  let optimizer: optim.AdamW | null = null;
  try {
    if (config.train.device !== 'cpu') model.to(config.train.device);
    optimizer = buildOptimizer(model, config);
    // Another run's weights (and AdamW state) before the schedule is built, so the schedule starts afresh.
    if (init) {
      model.loadStateDict(init.weights);
      const from = init.optimizer && initialOptimizerOf(init.optimizer, name);
      if (from) optimizer.loadStateDict(from);
    }
    return { name, model, optimizer, scheduler: buildScheduler(optimizer, config, run.steps) };
  } catch (e) {
    optimizer?.dispose();
    model.dispose();
    throw e;
  }
}

/**
 * A resumed run's state: every network's weights, AdamW state and schedule, the torch generator, the loss scaler and
 * the counters, from the resume record; the log up to its epoch. A fresh run writes RUN/config.json instead.
 */
function restore(run: Run, set: NetworkSet): Progress {
  const { runDir, dp } = run;
  const { best, notImproved } = initialCheckpointState(run.config.validation.select);
  let p: Progress = { done: 0, best, notImproved, samplerStart: 0, finished: false, history: [] };
  if (run.mode === 'resume') {
    const ckpt = readLatestCheckpoint(runDir);
    if (ckpt) {
      try {
        p = restoreCheckpoint(run, set, ckpt);
      } finally {
        ckpt.dispose();
      }
    }
    // Epochs logged after the checkpoint (a run killed while saving) are trained again.
    p.history = readLog(runDir).filter((e) => e.epoch <= p.done);
    run.log(
      ckpt
        ? `resuming ${runDir} after epoch ${p.done}/${run.epochs}`
        : `resuming ${runDir}: no epoch had completed, starting at epoch 1`,
    );
  } else if (run.isMain) {
    writeRunConfig(runDir, run.config);
  }
  if (dp) {
    // Every rank reads the resume record itself: one that cannot see rank 0's would train from other AdamW state.
    const [mainDone] = dp.fromMain([p.done]);
    if (mainDone !== p.done) {
      throw new Error(
        `rank ${dp.rank}: ${runPath(runDir, 'latestState')} is at epoch ${p.done} here but at epoch ${mainDone} on rank 0: --resume needs the run folder on every machine (a shared file system)`,
      );
    }
  }
  return p;
}

function restoreCheckpoint(run: Run, set: NetworkSet, ckpt: LatestCheckpoint): Progress {
  const r = ckpt.record;
  const state = runPath(run.runDir, 'latestState');
  if (r.stepsPerEpoch !== run.steps)
    throw new Error(`${state}: saved with ${r.stepsPerEpoch} steps per epoch, the config gives ${run.steps}`);
  set.forEach((n) => {
    const saved = ckpt.networks.get(n.name);
    if (!saved || !r.networks[n.name])
      throw new Error(`${state}: no state for network '${n.name}' (recipe ${run.recipe.name})`);
    n.model.loadStateDict(saved.model);
    n.optimizer.loadStateDict({ state: saved.optimizer, meta: r.networks[n.name].optimizer });
    n.scheduler.loadStateDict(r.networks[n.name].scheduler);
  });
  const rng = Buffer.from(r.rng.torch, 'base64');
  const generator = fromTypedArray(new Uint8Array(rng.buffer, rng.byteOffset, rng.byteLength), [rng.byteLength]);
  defaultGenerator.setState(generator);
  generator.dispose();
  if (run.scaler && r.scaler) run.scaler.loadStateDict(r.scaler);
  return {
    done: r.epoch,
    best: r.best,
    notImproved: r.notImprovedCount,
    samplerStart: r.rng.sampler.nextIndex,
    finished: r.finished,
    history: [],
  };
}

/** The run's one-line description, and what its data holds (scribble coverage, the patch mix). */
function announce(run: Run, set: NetworkSet): void {
  const { config, data, dp, setup } = run;
  const E = run.epochs;
  const netsText =
    set.size > 1
      ? `${set.size} networks ${setup.spec.name} (${set.names.join(', ')}; ${set.exported.name} is validated and exported)`
      : setup.spec.name;
  run.log(
    `training ${netsText} (${set.exported.model.parameterCount().toLocaleString('en')} parameters${set.size > 1 ? ' each' : ''}), recipe ${run.recipe.name}, on ${data.training.length} sequences` +
      `${run.withValidation ? `, validating on ${data.validation.length}` : ''}: ${E} epochs x ${run.steps} steps of ${config.train.batchSize} patches ` +
      `${config.train.accumulate > 1 ? `(${config.train.accumulate} micro-batches of ${config.train.batchSize / config.train.accumulate}) ` : ''}` +
      `${config.data.patchSize}x${config.data.patchSize}x${config.data.frames}, ${config.train.device}, ${getNumThreads()} threads` +
      `${dp ? ` per process, ${dp.worldSize} processes of ${config.train.batchSize / dp.worldSize} patches each` : ''}`,
  );
  if (data.scribbles) {
    const c = data.scribbles;
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    run.log(
      `scribbles '${c.set}': ${pct(c.labelled)} of the training pixels labelled (${pct(c.vessel)} vessel, ${pct(c.background)} background)`,
    );
  }
  if (data.pool.length) {
    run.log(
      `patch mix: ${data.pool.length} ${run.secondPool!.describe} sequences drawn with probability ${run.secondPool!.probability}, ${data.training.length} labelled otherwise`,
    );
  }
}

/** The batches of the run from batch `startIndex` on, made by worker threads (patch i a function of seed and i). */
function openPrefetcher(run: Run, startIndex: number): PatchPrefetcher {
  const { config, data, secondPool } = run;
  return new PatchPrefetcher([...data.training, ...data.pool], {
    patchSize: config.data.patchSize,
    batchSize: config.train.batchSize,
    seed: config.train.seed,
    augment: config.data.augment ?? run.definition.augment,
    targets: run.definition.targets,
    views: run.definition.views,
    workers:
      config.data.workers ??
      Math.max(1, Math.floor(Math.min(4, Math.max(1, cpus().length - 1)) / (run.dp?.localWorldSize ?? 1))),
    startIndex,
    ...(data.pool.length && secondPool
      ? {
          pool: {
            from: data.training.length,
            probability: secondPool.probability,
            ...(secondPool.augment !== undefined ? { augment: secondPool.augment } : {}),
          },
        }
      : {}),
  });
}

type GradientSync = ReturnType<typeof gradientSync>;

/** One epoch: train, validate (rank 0), choose the checkpoint, save; true when the run stops early after it. */
async function runEpoch(
  run: Run,
  set: NetworkSet,
  prefetcher: PatchPrefetcher,
  averageGradients: GradientSync | undefined,
  p: Progress,
  epoch: number,
): Promise<boolean> {
  const { dp, rule } = run;
  const t0 = performance.now();
  const { entry, trainSeconds } = await trainEpoch(run, set, prefetcher, averageGradients, epoch);
  const value = validateEpoch(run, set, epoch, entry);
  const choice = chooseCheckpoint(rule, p, epoch, value);
  p.best = choice.best;
  p.notImproved = choice.notImproved;
  entry.best = choice.improved;
  // Only rank 0 validated: its decision holds for every rank.
  const stopEarly = dp ? dp.fromMain([choice.stop ? 1 : 0])[0] === 1 : choice.stop;
  p.finished = epoch === run.epochs || stopEarly;
  entry.seconds = +((performance.now() - t0) / 1000).toFixed(3);
  p.history.push(entry);
  // Rank 0 alone writes the run folder: its weights are every rank's.
  if (run.isMain) {
    saveEpoch(
      run.runDir,
      {
        history: p.history,
        improved: choice.improved,
        networks: set.all,
        exported: set.exported.name,
        recipe: run.recipe.name,
        epoch,
        stepsPerEpoch: run.steps,
        sampler: prefetcher.getState(),
        best: p.best,
        notImproved: p.notImproved,
        finished: p.finished,
        ...(run.scaler ? { scaler: run.scaler.stateDict() } : {}),
        info: run.info(epoch),
      },
      (line) => run.log(line),
    );
  }
  run.ev.epoch?.(entry);
  reportEpoch(run, entry, trainSeconds, choice.improved);
  p.done = epoch;
  if (stopEarly) run.log(`early stopping: no improvement of ${rule.select} for ${p.notImproved} validations`);
  return stopEarly;
}

/** The steps of one epoch; its log entry with the mean losses (validation and timing filled in later). */
async function trainEpoch(
  run: Run,
  set: NetworkSet,
  prefetcher: PatchPrefetcher,
  averageGradients: GradientSync | undefined,
  epoch: number,
): Promise<{ entry: EpochLog; trainSeconds: number }> {
  const { config, dp, recipe, ev, steps } = run;
  const signal = run.o.signal;
  const t0 = performance.now();
  set.train();
  ev.epochStart?.(epoch, run.epochs, steps);
  signal?.throwIfAborted();
  const sums: Record<string, number> = Object.fromEntries(recipe.lossNames.map((k) => [k, 0]));
  let lr = set.lr;
  for (let idx = 0; idx < steps; idx++) {
    const batch = await prefetcher.next();
    lr = set.lr;
    const at = { epoch, step: idx, stepsPerEpoch: steps, epochs: run.epochs };
    // Batch i is the same on every rank; each trains its share, and the losses shown are the whole batch's.
    const share = dp ? batchShare(batch, dp.rank, dp.worldSize) : batch;
    const ownLosses = trainStep(
      recipe,
      set,
      share,
      (b) => stepContext(b, run.setup, set.models, at, config.train.device),
      config,
      run.scaler,
      averageGradients,
    );
    const losses = dp
      ? Object.fromEntries(dp.mean(recipe.lossNames.map((k) => ownLosses[k])).map((v, i) => [recipe.lossNames[i], v]))
      : ownLosses;
    if (!Number.isFinite(losses.loss)) {
      throw new Error(
        `epoch ${epoch}, step ${idx + 1}: the loss is ${losses.loss} (diverged); try a lower optimizer.lr (now ${config.optimizer.lr})`,
      );
    }
    for (const k of recipe.lossNames) sums[k] += losses[k];
    set.stepSchedulers(schedulerT(config.scheduler.stepIndex, config.scheduler.startEpoch + epoch, idx, steps));
    ev.step?.(idx, Object.fromEntries(recipe.lossNames.map((k) => [k, sums[k] / (idx + 1)])), lr);
    signal?.throwIfAborted();
  }
  ev.epochTrained?.(epoch);
  const trainSeconds = (performance.now() - t0) / 1000;
  const entry: EpochLog = {
    epoch,
    train: Object.fromEntries(recipe.lossNames.map((k) => [k, sums[k] / steps])),
    lr,
    train_seconds: +trainSeconds.toFixed(3),
    seconds: 0,
  };
  return { entry, trainSeconds };
}

/**
 * Validation of the exported network on the whole validation sequences (rank 0, every validation.everyEpochs
 * epochs): fills the entry's validation fields and returns the selection metric, or undefined when not validated.
 */
function validateEpoch(run: Run, set: NetworkSet, epoch: number, entry: EpochLog): number | undefined {
  const { config, data, ev } = run;
  if (!run.isMain || !run.withValidation || epoch % config.validation.everyEpochs !== 0) return undefined;
  const v0 = performance.now();
  ev.validationStart?.(epoch, data.validation.length);
  const v = validate(
    set.exported.model,
    run.setup.spec,
    data.validation,
    {
      patchSize: config.data.patchSize,
      stride: config.validation.stride,
      batchSize: config.validation.batchSize,
      blend: config.validation.blend,
      threshold: config.validation.threshold,
      device: config.train.device,
      labels: config.data.labels,
    },
    (k) => {
      ev.validationSequence?.(k);
      run.o.signal?.throwIfAborted();
    },
  );
  ev.validationEnd?.(epoch);
  entry.val_seconds = +((performance.now() - v0) / 1000).toFixed(3);
  entry.val_loss = v.loss;
  entry.val = summaryRecord(v.image);
  entry.val_patch = summaryRecord(v.patch);
  const value = config.validation.select === 'patch-auc' ? v.patch.mean.AUC : v.image.mean.DSC;
  entry.selected_metric = finiteOrNull(value);
  return value;
}

/** The epoch's line in the log. */
function reportEpoch(run: Run, entry: EpochLog, trainSeconds: number, improved: boolean): void {
  const val = entry.val
    ? ` | val DSC ${fmt(entry.val.DSC)} AUC ${fmt(entry.val.AUC)} clDice ${fmt(entry.val.clDice)} patch AUC ${fmt(entry.val_patch?.AUC)} loss ${fmt(entry.val_loss)}`
    : '';
  run.log(
    `epoch ${entry.epoch}/${run.epochs}: ${describeLosses(run.recipe.lossNames, entry.train)}${val} | lr ${entry.lr.toExponential(2)} | ` +
      `${entry.seconds.toFixed(1)}s (${((trainSeconds * 1000) / run.steps).toFixed(0)} ms/step)${improved ? ' *best' : ''}`,
  );
}
