// The training loop every recipe runs in (the official trainer.py and its weak-supervision variants, reshaped as
// nnU-Net's run_training: a short loop that calls the recipe's hooks). Per epoch: steps of random patches (the
// recipe's forward passes and losses, one backward, every network's AdamW step and per-iteration scheduler step),
// then validation of the recipe's exported network on whole validation sequences, the checkpoint choice, and the
// run folder brought up to date (run-folder.ts). One step (train-step.ts) may be split into micro-batches. The
// loop reports through events (TrainEvents) and imports nothing of the command line: `dias train` draws its
// progress bars from them.
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
import { buildModel, resolveModelSetup } from './model-setup.js';
import { buildOptimizer, buildScheduler, schedulerT } from './optimization.js';
import { stepContext, trainStep, type Network } from './train-step.js';
import { batchShare } from './micro-batch.js';
import { gradientSync, joinDataParallel, type DataParallel, type DataParallelOptions } from './data-parallel.js';
import { findRecipe } from './recipes/index.js';
import {
  networkWeightsPath,
  openRunFolder,
  readLatestCheckpoint,
  readLog,
  runPath,
  saveLatestCheckpoint,
  saveWeightsFile,
  writeLog,
  writeRunConfig,
  type EpochLog,
  type LatestCheckpoint,
  type ResumeRecord,
  type WeightsInfo,
} from './run-folder.js';
import { loadTrainingData } from './training-data.js';
import { validate, type ValidationResult } from './validation.js';
import { writeProgressChart } from './progress-chart.js';
import { chooseCheckpoint, initialCheckpointState, type CheckpointRule } from './checkpoint-choice.js';
import { NetworkSet } from './network-set.js';

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
 * stopAfterEpochs epochs. train() (index.ts) runs the recipes with stages. */
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

/** The run as one process trains it: alone (dp null), or as one rank of a data-parallel group. */
async function trainProcess(o: TrainOptions, config: TrainConfig, dp: DataParallel | null): Promise<TrainResult> {
  const isMain = !dp || dp.isMain;
  const ev = isMain ? (o.events ?? {}) : {};
  const log = isMain ? (line: string) => (ev.log ? ev.log(line) : console.log(line)) : () => {};
  const { runDir } = o;
  // Rank 0 prepares the run folder (a forced start empties it); the others read it once that is done.
  const mode = isMain
    ? openRunFolder(runDir, config, { resume: o.resume, force: o.force })
    : o.resume
      ? 'resume'
      : 'fresh';
  dp?.barrier();
  checkDevice(config.train.device);
  // train.threads is the machine's: the processes on it share it. Unset, each takes its share of the free cores
  // (the launcher's DIAS_THREADS).
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

  const definition = findRecipe(config.train.recipe);
  const recipe = definition.create(config);
  const withValidation = config.validation.everyEpochs > 0;
  const secondPool = definition.secondPool?.(config) ?? null;
  const data = loadTrainingData(config.data.dir, {
    frames: config.data.frames,
    withValidation,
    targets: definition.targets,
    scribbles: config.data.scribbles,
    labelled: config.data.labelled,
    labelledIds: config.data.labelledIds,
    pool: secondPool?.source ?? null,
  });
  const steps = stepsPerEpoch(config);
  const E = config.train.epochs;
  if (data.frameNote) log(`note: ${data.frameNote}`);

  // The networks exactly as the official seed_torch(seed) then build_model (the weak-supervision scripts build
  // model1 then model2 after the one seed).
  manualSeed(config.train.seed);
  const setup = resolveModelSetup(config.model.name, config.model.options, config.data.frames, (k, r) => {
    throw new Error(`${k}: ${r}`);
  });
  const networks: Network[] = [];
  // Native memory is freed when the run ends, however it ends (tests and tools run several in one process).
  try {
    const init =
      mode === 'fresh' && config.train.init.from !== null
        ? readInitialState(config.train.init.from, config.train.init.checkpoint, config.train.init.optimizer)
        : null;
    try {
      for (const name of recipe.networks) {
        const model = buildModel(setup);
        if (config.train.device !== 'cpu') model.to(config.train.device);
        const optimizer = buildOptimizer(model, config);
        // Another run's weights (and AdamW state) before the schedule is built, so the schedule starts afresh.
        if (init) {
          model.loadStateDict(init.weights);
          const from = init.optimizer && initialOptimizerOf(init.optimizer, name);
          if (from) optimizer.loadStateDict(from);
        }
        networks.push({ name, model, optimizer, scheduler: buildScheduler(optimizer, config, steps) });
      }
    } finally {
      init?.dispose();
    }
    if (init)
      log(
        `initialised from ${config.train.init.from} (checkpoint_${config.train.init.checkpoint}${config.train.init.optimizer ? ' and its AdamW state' : ''})`,
      );
    const set = new NetworkSet(networks, recipe.exported, recipe.frozen);
    const exported = set.exported;
    const amp = config.train.amp === 'auto' ? config.train.device === 'cuda' : config.train.amp;
    const scaler = amp ? new GradScaler() : null;
    const selectMetric = config.validation.select;
    const rule: CheckpointRule = {
      select: selectMetric,
      fromEpoch: selectFromEpoch(config),
      withValidation,
      earlyStopping: config.validation.earlyStopping,
    };
    const info = (epoch: number): WeightsInfo => ({
      model: setup.spec.name,
      options: setup.options,
      frames: config.data.frames,
      epoch,
    });

    let done = 0;
    let { best, notImproved } = initialCheckpointState(selectMetric);
    let samplerStart = 0;
    let finished = false;
    let history: EpochLog[] = [];
    if (mode === 'resume') {
      const ckpt = readLatestCheckpoint(runDir);
      if (ckpt) {
        try {
          const r = ckpt.record;
          if (r.stepsPerEpoch !== steps)
            throw new Error(
              `${runPath(runDir, 'latestState')}: saved with ${r.stepsPerEpoch} steps per epoch, the config gives ${steps}`,
            );
          for (const n of set.all) {
            const saved = ckpt.networks.get(n.name);
            if (!saved || !r.networks[n.name])
              throw new Error(
                `${runPath(runDir, 'latestState')}: no state for network '${n.name}' (recipe ${recipe.name})`,
              );
            n.model.loadStateDict(saved.model);
            n.optimizer.loadStateDict({ state: saved.optimizer, meta: r.networks[n.name].optimizer });
            n.scheduler.loadStateDict(r.networks[n.name].scheduler);
          }
          const rng = Buffer.from(r.rng.torch, 'base64');
          const state = fromTypedArray(new Uint8Array(rng.buffer, rng.byteOffset, rng.byteLength), [rng.byteLength]);
          defaultGenerator.setState(state);
          state.dispose();
          if (scaler && r.scaler) scaler.loadStateDict(r.scaler);
          done = r.epoch;
          best = r.best;
          notImproved = r.notImprovedCount;
          samplerStart = r.rng.sampler.nextIndex;
          finished = r.finished;
        } finally {
          ckpt.dispose();
        }
      }
      // Epochs logged after the checkpoint (a run killed while saving) are trained again.
      history = readLog(runDir).filter((e) => e.epoch <= done);
      log(
        ckpt
          ? `resuming ${runDir} after epoch ${done}/${E}`
          : `resuming ${runDir}: no epoch had completed, starting at epoch 1`,
      );
    } else if (isMain) {
      writeRunConfig(runDir, config);
    }
    if (dp) {
      // Every rank reads the resume record itself: one that cannot see rank 0's would train from other AdamW state.
      const [mainDone] = dp.fromMain([done]);
      if (mainDone !== done) {
        throw new Error(
          `rank ${dp.rank}: ${runPath(runDir, 'latestState')} is at epoch ${done} here but at epoch ${mainDone} on rank 0: --resume needs the run folder on every machine (a shared file system)`,
        );
      }
    }
    // Every rank starts from rank 0's weights; the frozen networks are not trained, so only the others average.
    const wrapped = dp ? set.trained.map((n) => dp.wrap(n.model)) : [];
    const averageGradients = dp ? gradientSync(dp.rank, wrapped) : undefined;
    const saveFinal = (epoch: number) => {
      saveWeightsFile(runPath(runDir, 'final'), exported.model, info(epoch));
      for (const n of set.others) saveWeightsFile(networkWeightsPath(runDir, 'final', n.name), n.model, info(epoch));
    };
    if (finished) {
      // Killed between the resume record and the final weights: the record's networks are the final ones.
      if (isMain && !existsSync(runPath(runDir, 'final'))) saveFinal(done);
      log(`${runDir}: the run has already finished (${done} epochs)`);
      return { runDir, config, epochs: done, finished, best, history };
    }

    const netsText =
      networks.length > 1
        ? `${networks.length} networks ${setup.spec.name} (${networks.map((n) => n.name).join(', ')}; ${exported.name} is validated and exported)`
        : setup.spec.name;
    log(
      `training ${netsText} (${exported.model.parameterCount().toLocaleString('en')} parameters${networks.length > 1 ? ' each' : ''}), recipe ${recipe.name}, on ${data.training.length} sequences` +
        `${withValidation ? `, validating on ${data.validation.length}` : ''}: ${E} epochs x ${steps} steps of ${config.train.batchSize} patches ` +
        `${config.train.accumulate > 1 ? `(${config.train.accumulate} micro-batches of ${config.train.batchSize / config.train.accumulate}) ` : ''}` +
        `${config.data.patchSize}x${config.data.patchSize}x${config.data.frames}, ${config.train.device}, ${getNumThreads()} threads` +
        `${dp ? ` per process, ${dp.worldSize} processes of ${config.train.batchSize / dp.worldSize} patches each` : ''}`,
    );
    if (data.scribbles) {
      const c = data.scribbles;
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      log(
        `scribbles '${c.set}': ${pct(c.labelled)} of the training pixels labelled (${pct(c.vessel)} vessel, ${pct(c.background)} background)`,
      );
    }
    if (data.pool.length) {
      log(
        `patch mix: ${data.pool.length} ${secondPool!.describe} sequences drawn with probability ${secondPool!.probability}, ${data.training.length} labelled otherwise`,
      );
    }
    const prefetcher = new PatchPrefetcher([...data.training, ...data.pool], {
      patchSize: config.data.patchSize,
      batchSize: config.train.batchSize,
      seed: config.train.seed,
      augment: config.data.augment ?? 'fsl',
      targets: definition.targets,
      views: definition.views,
      workers:
        config.data.workers ??
        Math.max(1, Math.floor(Math.min(4, Math.max(1, cpus().length - 1)) / (dp?.localWorldSize ?? 1))),
      startIndex: samplerStart,
      ...(data.pool.length
        ? {
            pool: {
              from: data.training.length,
              probability: secondPool!.probability,
              ...(secondPool!.augment !== undefined ? { augment: secondPool!.augment } : {}),
            },
          }
        : {}),
    });
    const lastEpoch = Math.min(E, o.stopAfterEpochs !== undefined ? done + o.stopAfterEpochs : E);
    try {
      for (let epoch = done + 1; epoch <= lastEpoch; epoch++) {
        const t0 = performance.now();
        set.train();
        ev.epochStart?.(epoch, E, steps);
        const sums: Record<string, number> = Object.fromEntries(recipe.lossNames.map((k) => [k, 0]));
        let lr = set.lr;
        for (let idx = 0; idx < steps; idx++) {
          const batch = await prefetcher.next();
          lr = set.lr;
          const at = { epoch, step: idx, stepsPerEpoch: steps, epochs: E };
          // Batch i is the same on every rank; each trains its share, and the losses shown are the whole batch's.
          const share = dp ? batchShare(batch, dp.rank, dp.worldSize) : batch;
          const ownLosses = trainStep(
            recipe,
            set.all,
            share,
            (b) => stepContext(b, setup, set.models, at, config.train.device),
            config,
            scaler,
            averageGradients,
          );
          const losses = dp
            ? Object.fromEntries(
                dp.mean(recipe.lossNames.map((k) => ownLosses[k])).map((v, i) => [recipe.lossNames[i], v]),
              )
            : ownLosses;
          if (!Number.isFinite(losses.loss)) {
            throw new Error(
              `epoch ${epoch}, step ${idx + 1}: the loss is ${losses.loss} (diverged); try a lower optimizer.lr (now ${config.optimizer.lr})`,
            );
          }
          for (const k of recipe.lossNames) sums[k] += losses[k];
          set.stepSchedulers(schedulerT(config.scheduler.stepIndex, epoch, idx, steps));
          ev.step?.(idx, Object.fromEntries(recipe.lossNames.map((k) => [k, sums[k] / (idx + 1)])), lr);
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

        // Validation (rank 0), then the checkpoint choice (checkpoint-choice.ts).
        let value: number | undefined;
        if (isMain && withValidation && epoch % config.validation.everyEpochs === 0) {
          const v0 = performance.now();
          ev.validationStart?.(epoch, data.validation.length);
          const v = validate(
            set.exported.model,
            setup.spec,
            data.validation,
            {
              patchSize: config.data.patchSize,
              stride: config.validation.stride,
              batchSize: config.validation.batchSize,
              blend: config.validation.blend,
              threshold: config.validation.threshold,
              device: config.train.device,
            },
            (k) => ev.validationSequence?.(k),
          );
          ev.validationEnd?.(epoch);
          entry.val_seconds = +((performance.now() - v0) / 1000).toFixed(3);
          entry.val_loss = v.loss;
          entry.val = summaryRecord(v.image);
          entry.val_patch = summaryRecord(v.patch);
          value = selectMetric === 'patch-auc' ? v.patch.mean.AUC : v.image.mean.DSC;
          entry.selected_metric = finiteOrNull(value);
        }
        const choice = chooseCheckpoint(rule, { best, notImproved }, epoch, value);
        ({ best, notImproved } = choice);
        const improved = choice.improved;
        entry.best = improved;
        const stopsHere = choice.stop;
        // Only rank 0 validated: its decision holds for every rank.
        const stopEarly = dp ? dp.fromMain([stopsHere ? 1 : 0])[0] === 1 : stopsHere;
        finished = epoch === E || stopEarly;

        // The run folder: log first (a resumed run drops lines past its checkpoint), then weights, then the resume record.
        entry.seconds = +((performance.now() - t0) / 1000).toFixed(3);
        history.push(entry);
        // Rank 0 alone writes the run folder: its weights are every rank's.
        if (isMain) {
          writeLog(runDir, history);
          if (improved) saveWeightsFile(runPath(runDir, 'best'), exported.model, info(epoch));
          const states = set.all.map((n) => ({
            name: n.name,
            model: n.model,
            optimizerState: n.optimizer.stateDict(),
          }));
          const generatorState = defaultGenerator.getState();
          const record: ResumeRecord = {
            format: 'dias-train-checkpoint/2',
            recipe: recipe.name,
            epoch,
            stepsPerEpoch: steps,
            networks: Object.fromEntries(
              set.all.map((n, i) => [
                n.name,
                { optimizer: states[i].optimizerState.meta, scheduler: n.scheduler.stateDict() },
              ]),
            ),
            rng: { torch: Buffer.from(generatorState.rawBytes()).toString('base64'), sampler: prefetcher.getState() },
            best,
            notImprovedCount: notImproved,
            finished,
            ...(scaler ? { scaler: scaler.stateDict() } : {}),
          };
          generatorState.dispose();
          saveLatestCheckpoint(
            runDir,
            states.map((s) => ({ name: s.name, model: s.model, optimizerState: s.optimizerState.state })),
            exported.name,
            record,
            info(epoch),
          );
          if (finished) saveFinal(epoch);
          try {
            writeProgressChart(runPath(runDir, 'progress'), history);
          } catch (e) {
            log(`warning: ${runPath(runDir, 'progress')} not written: ${(e as Error).message}`);
          }
        }
        ev.epoch?.(entry);
        const val = entry.val
          ? ` | val DSC ${fmt(entry.val.DSC)} AUC ${fmt(entry.val.AUC)} clDice ${fmt(entry.val.clDice)} patch AUC ${fmt(entry.val_patch?.AUC)} loss ${fmt(entry.val_loss)}`
          : '';
        log(
          `epoch ${epoch}/${E}: ${describeLosses(recipe.lossNames, entry.train)}${val} | lr ${lr.toExponential(2)} | ` +
            `${entry.seconds.toFixed(1)}s (${((trainSeconds * 1000) / steps).toFixed(0)} ms/step)${improved ? ' *best' : ''}`,
        );
        done = epoch;
        if (stopEarly) {
          log(`early stopping: no improvement of ${selectMetric} for ${notImproved} validations`);
          break;
        }
      }
    } finally {
      await prefetcher.close();
    }
    return { runDir, config, epochs: done, finished, best, history };
  } finally {
    for (const n of networks) {
      n.optimizer.dispose();
      n.model.dispose();
    }
  }
}
