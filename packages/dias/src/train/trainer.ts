// The fully supervised training loop (the official trainer.py): per epoch, steps of random labelled patches
// (forward in train mode, DC_and_CE loss, backward, AdamW step, scheduler step per iteration), then validation on
// whole validation sequences, checkpoint selection, and the run folder brought up to date (run-folder.ts).
//
// Reproducibility: the model is initialised after manualSeed(seed); batch i of the run is a pure function of
// (seed, i) (patch-sampler.ts); dropout draws from the global torch generator, whose state is saved with every
// epoch. So on the CPU, with the same thread count, a run stopped after any epoch and resumed ends with the same
// weights, bit for bit, as one that ran through.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  autocast, cuda, defaultGenerator, fromTypedArray, GradScaler, manualSeed, optim, scope, setNumThreads, getNumThreads,
} from '@dias-ts/torch';
import { PatchPrefetcher } from '../data/prefetch.js';
import type { PatchBatch } from '../data/patch-sampler.js';
import { ProgressBar } from '../cli/progress.js';
import type { SegmentationModel } from '../models/model-spec.js';
import { finalizeTrainConfig, resumeConflicts, selectFromEpoch, stepsPerEpoch, type TrainConfig } from './config.js';
import { dcAndCeLoss } from './losses.js';
import { buildModel, modelInput, resolveModelSetup, type ModelSetup } from './model-setup.js';
import { buildOptimizer, buildScheduler, schedulerT } from './optimization.js';
import {
  prepareRunFolder, readLatestCheckpoint, readLog, readRunConfig, runPath, saveLatestCheckpoint, saveWeightsFile, writeLog, writeRunConfig,
  type EpochLog, type ResumeRecord, type WeightsInfo,
} from './run-folder.js';
import { loadTrainingData } from './training-data.js';
import { validate, type ValidationResult } from './validation.js';
import { writeProgressChart } from './progress-chart.js';

export interface TrainOptions {
  /** The settings (finalized here). On resume, pass the run's saved config (readRunConfig) with any overrides. */
  config: TrainConfig;
  runDir: string;
  resume?: boolean;
  force?: boolean;
  /** Run at most this many epochs now, then stop (the run stays resumable). */
  stopAfterEpochs?: number;
  /** Progress bar on stderr (default true; it only draws on a terminal). */
  progress?: boolean;
  /** Where one-line messages go (default console.log). */
  log?: (line: string) => void;
  /** Called after each epoch with its log entry. */
  onEpoch?: (entry: EpochLog) => void;
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

const fmt = (v: number | null | undefined, digits = 4) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'nan');
const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

function checkDevice(device: string): void {
  if (device === 'cuda' && !cuda.isAvailable()) {
    throw new Error('train.device cuda: CUDA is not available (this libtorch build has no CUDA support or no GPU is visible); use --device cpu');
  }
}

function summaryRecord(s: ValidationResult['image'] | ValidationResult['patch']): Record<string, number | null> {
  return Object.fromEntries(Object.entries(s.mean).map(([k, v]) => [k, finiteOrNull(v as number)]));
}

/** One training step; returns [loss, ce, dice] as numbers. */
function trainStep(
  model: SegmentationModel, setup: ModelSetup, batch: PatchBatch, opt: optim.AdamW, config: TrainConfig, scaler: GradScaler | null,
): [number, number, number] {
  return scope(() => {
    const { B, T, P } = batch;
    const device = config.train.device;
    const x = modelInput(setup.spec, batch.images, B, T, P, P, device);
    const y = fromTypedArray(batch.labels!, [B, P, P]).to({ device, dtype: 'int64' });
    opt.zeroGrad();
    const forward = () => {
      const logits = model.forward(x);
      // The loss in float32 even under autocast (softmax sums over many pixels).
      return dcAndCeLoss(logits.float(), y);
    };
    const { loss, ce, dice } = scaler ? autocast('cuda', forward) : forward();
    if (scaler) scaler.scaleLoss(loss).backward();
    else loss.backward();
    if (config.train.clipGradNorm !== null) {
      if (scaler) scaler.unscale(opt);
      optim.clipGradNorm_(model.parameters(), config.train.clipGradNorm);
    }
    if (scaler) {
      scaler.step(opt);
      scaler.update();
    } else opt.step();
    return [loss.item(), ce.item(), dice.item()] as [number, number, number];
  });
}

/** Trains (or resumes) a run; resolves when it has finished or stopped after stopAfterEpochs epochs. */
export async function trainRun(o: TrainOptions): Promise<TrainResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const config = finalizeTrainConfig(o.config);
  const { runDir } = o;
  const mode = prepareRunFolder(runDir, { resume: o.resume, force: o.force });
  if (mode === 'resume') {
    const conflicts = resumeConflicts(finalizeTrainConfig(readRunConfig(runDir), runPath(runDir, 'config')), config);
    if (conflicts.length) throw new Error(`${runPath(runDir, 'config')}: the run was made with other settings for ${conflicts.join(', ')}; resume with the run's own settings or start a new run`);
  }
  checkDevice(config.train.device);
  if (config.train.threads !== null) setNumThreads(config.train.threads);

  const withValidation = config.validation.everyEpochs > 0;
  const data = loadTrainingData(config.data.dir, config.data.frames, withValidation);
  const steps = stepsPerEpoch(config);
  const E = config.train.epochs;

  // The model exactly as the official seed_torch(seed) then build_model.
  manualSeed(config.train.seed);
  const setup = resolveModelSetup(config.model.name, config.model.options, config.data.frames, (k, r) => {
    throw new Error(`${k}: ${r}`);
  });
  const model = buildModel(setup);
  if (config.train.device !== 'cpu') model.to(config.train.device);
  const optimizer = buildOptimizer(model, config);
  const scheduler = buildScheduler(optimizer, config, steps);
  // Native memory is freed when the run ends, however it ends (tests and tools run several in one process).
  try {
    const amp = config.train.amp === 'auto' ? config.train.device === 'cuda' : config.train.amp;
    const scaler = amp ? new GradScaler() : null;
    const selectMetric = config.validation.select;
    const fromEpoch = selectFromEpoch(config);
    const info = (epoch: number): WeightsInfo => ({ model: setup.spec.name, options: setup.options, frames: config.data.frames, epoch });

    let done = 0;
    let best: ResumeRecord['best'] = { metric: selectMetric, value: null, epoch: null };
    let notImproved = 0;
    let samplerStart = 0;
    let finished = false;
    let history: EpochLog[] = [];
    if (mode === 'resume') {
      const ckpt = readLatestCheckpoint(runDir);
      if (ckpt) {
        try {
          const r = ckpt.record;
          if (r.stepsPerEpoch !== steps) throw new Error(`${runPath(runDir, 'latestState')}: saved with ${r.stepsPerEpoch} steps per epoch, the config gives ${steps}`);
          model.loadStateDict(ckpt.model);
          optimizer.loadStateDict({ state: ckpt.optimizer, meta: r.optimizer });
          scheduler.loadStateDict(r.scheduler);
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
      log(ckpt ? `resuming ${runDir} after epoch ${done}/${E}` : `resuming ${runDir}: no epoch had completed, starting at epoch 1`);
    } else {
      writeRunConfig(runDir, config);
    }
    if (finished) {
      // Killed between the resume record and the final weights: the record's model is the final one.
      if (!existsSync(runPath(runDir, 'final'))) saveWeightsFile(runPath(runDir, 'final'), model, info(done));
      log(`${runDir}: the run has already finished (${done} epochs)`);
      return { runDir, config, epochs: done, finished, best, history };
    }

    log(
      `training ${setup.spec.name} (${model.parameterCount().toLocaleString('en')} parameters) on ${data.training.length} sequences` +
        `${withValidation ? `, validating on ${data.validation.length}` : ''}: ${E} epochs x ${steps} steps of ${config.train.batchSize} patches ` +
        `${config.data.patchSize}x${config.data.patchSize}x${config.data.frames}, ${config.train.device}, ${getNumThreads()} threads`,
    );
    const prefetcher = new PatchPrefetcher(data.training, {
      patchSize: config.data.patchSize,
      batchSize: config.train.batchSize,
      seed: config.train.seed,
      augment: config.data.augment,
      targets: 'label',
      workers: config.data.workers ?? Math.min(4, Math.max(1, cpus().length - 1)),
      startIndex: samplerStart,
    });
    const lastEpoch = Math.min(E, o.stopAfterEpochs !== undefined ? done + o.stopAfterEpochs : E);
    try {
      for (let epoch = done + 1; epoch <= lastEpoch; epoch++) {
        const t0 = performance.now();
        model.train();
        const bar = new ProgressBar(`epoch ${epoch}/${E}`, steps, { enabled: o.progress ?? true, unit: 'steps' });
        let sumLoss = 0, sumCe = 0, sumDice = 0, lr = optimizer.paramGroups[0].lr;
        for (let idx = 0; idx < steps; idx++) {
          const batch = await prefetcher.next();
          lr = optimizer.paramGroups[0].lr;
          const [loss, ce, dice] = trainStep(model, setup, batch, optimizer, config, scaler);
          if (!Number.isFinite(loss)) {
            throw new Error(`epoch ${epoch}, step ${idx + 1}: the loss is ${loss} (diverged); try a lower optimizer.lr (now ${config.optimizer.lr})`);
          }
          sumLoss += loss;
          sumCe += ce;
          sumDice += dice;
          scheduler.stepUpdate(schedulerT(config.scheduler.stepIndex, epoch, idx, steps));
          bar.tick(1, `loss ${fmt(sumLoss / (idx + 1))} (ce ${fmt(sumCe / (idx + 1), 3)}, dice ${fmt(sumDice / (idx + 1), 3)}) lr ${lr.toExponential(2)}`);
        }
        bar.finish();
        const trainSeconds = (performance.now() - t0) / 1000;
        const entry: EpochLog = {
          epoch,
          train_loss: sumLoss / steps,
          train_ce: sumCe / steps,
          train_dice: sumDice / steps,
          lr,
          train_seconds: +trainSeconds.toFixed(3),
          seconds: 0,
        };

        // Validation and the checkpoint choice. As the official trainer, every validated epoch before monitoring
        // starts (fromEpoch) counts as an improvement; unlike it, an epoch without validation never replaces
        // checkpoint_best (the official one re-saves it when the last validated epoch had improved).
        let improved = false;
        if (withValidation && epoch % config.validation.everyEpochs === 0) {
          const v0 = performance.now();
          const vbar = new ProgressBar(`validate ${epoch}/${E}`, data.validation.length, { enabled: o.progress ?? true, unit: 'sequences' });
          const v = validate(model, setup.spec, data.validation, {
            patchSize: config.data.patchSize, stride: config.validation.stride, batchSize: config.validation.batchSize,
            blend: config.validation.blend, threshold: config.validation.threshold, device: config.train.device,
          }, () => vbar.tick());
          vbar.finish();
          entry.val_seconds = +((performance.now() - v0) / 1000).toFixed(3);
          entry.val_loss = v.loss;
          entry.val = summaryRecord(v.image);
          entry.val_patch = summaryRecord(v.patch);
          const value = selectMetric === 'dsc' ? v.image.mean.DSC : v.patch.mean.AUC;
          entry.selected_metric = finiteOrNull(value);
          if (epoch >= fromEpoch) {
            improved = Number.isFinite(value) && (best.value === null || value >= best.value);
            if (improved) {
              best = { metric: selectMetric, value, epoch };
              notImproved = 0;
            } else notImproved++;
          } else {
            improved = true;
            best = { metric: selectMetric, value: null, epoch };
          }
        } else if (!withValidation) {
          improved = true;
          best = { metric: 'latest', value: null, epoch };
        }
        entry.best = improved;
        const stopEarly = config.validation.earlyStopping !== null && notImproved >= config.validation.earlyStopping;
        finished = epoch === E || stopEarly;

        // The run folder: log first (a resumed run drops lines past its checkpoint), then weights, then the resume record.
        entry.seconds = +((performance.now() - t0) / 1000).toFixed(3);
        history.push(entry);
        writeLog(runDir, history);
        if (improved) saveWeightsFile(runPath(runDir, 'best'), model, info(epoch));
        const optimizerState = optimizer.stateDict();
        const generatorState = defaultGenerator.getState();
        const record: ResumeRecord = {
          format: 'dias-train-checkpoint/1',
          epoch,
          stepsPerEpoch: steps,
          optimizer: optimizerState.meta,
          scheduler: scheduler.stateDict(),
          rng: { torch: Buffer.from(generatorState.rawBytes()).toString('base64'), sampler: prefetcher.getState() },
          best,
          notImprovedCount: notImproved,
          finished,
          ...(scaler ? { scaler: scaler.stateDict() } : {}),
        };
        generatorState.dispose();
        saveLatestCheckpoint(runDir, model, optimizerState.state, record, info(epoch));
        if (finished) saveWeightsFile(runPath(runDir, 'final'), model, info(epoch));
        try {
          writeProgressChart(runPath(runDir, 'progress'), history);
        } catch (e) {
          log(`warning: ${runPath(runDir, 'progress')} not written: ${(e as Error).message}`);
        }
        o.onEpoch?.(entry);
        const val = entry.val ? ` | val DSC ${fmt(entry.val.DSC)} AUC ${fmt(entry.val.AUC)} clDice ${fmt(entry.val.clDice)} patch AUC ${fmt(entry.val_patch?.AUC)} loss ${fmt(entry.val_loss)}` : '';
        log(
          `epoch ${epoch}/${E}: loss ${fmt(entry.train_loss)} (ce ${fmt(entry.train_ce)}, dice ${fmt(entry.train_dice)})${val} | lr ${lr.toExponential(2)} | ` +
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
    optimizer.dispose();
    model.dispose();
  }
}
