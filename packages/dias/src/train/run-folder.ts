// The run folder: everything `dias train` writes, and the loaders that `dias test`, `dias segment` and the demo
// read it with. The format (stable; other commands depend on it):
//
//   RUN/config.json                         the resolved TrainConfig (config.ts): model {name (official), options
//                                           (every snake_case constructor option)}, data {dir, frames (T), ...},
//                                           normalization 'zscore-per-sequence', ...
//   RUN/checkpoint_best.safetensors         weights of the selected epoch    \  state dict with PyTorch names; metadata
//   RUN/checkpoint_final.safetensors        weights after the last epoch      >  dias_model, dias_model_options (JSON),
//   RUN/checkpoint_latest.safetensors       weights after the latest epoch   /   dias_frames (T), epoch, dias_normalization
//   RUN/checkpoint_latest.state.safetensors the resume record: for every network of the recipe (fsl: 'model'; sscr:
//                                           'A' and 'B') its tensors (<net>/model.<name>) and optimizer state
//                                           (<net>/state.<param>.<key>), and in its metadata dias_checkpoint = the
//                                           JSON below. One file written atomically, so a run killed at any moment
//                                           resumes from the last whole epoch.
//   RUN/checkpoint_latest.json              the same JSON, for people and tools: epoch, each network's optimizer
//                                           meta and scheduler state, RNG states (global torch generator, base64;
//                                           patch sampler), best metric so far.
//   RUN/checkpoint_final.<net>.safetensors  the final weights of each network that is not the exported one (sscr's B)
//   RUN/log.jsonl                           one JSON object per epoch (EpochLog)
//   RUN/progress.png                        loss, validation and learning-rate curves
//
// The weights files (best, final, latest) hold the recipe's exported network, the one validation chose.
//
// Every file is written to a temporary name and renamed, so readers see the previous or the new version whole.
import { existsSync, readdirSync, readFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultGenerator,
  loadSafetensors,
  readSafetensorsMetadata,
  saveSafetensors,
  noGrad,
  scope,
  type Tensor,
  type optim,
} from '@dias-ts/torch';
import { writeFileAtomic } from '@dias-ts/torch';
import { findModel } from '../models/registry.js';
import type { ModelOptions, ModelSpec, SegmentationModel } from '../models/model-spec.js';
import {
  applyConfigPatch,
  defaultTrainConfig,
  finalizeTrainConfig,
  resumeConflicts,
  type TrainConfig,
} from './config.js';
import type { PatchSamplerState } from '../data/pipeline/patch-sampler.js';
import { LABEL_SETS, type LabelSet } from '../data/label-set.js';
import { writeProgressChart } from './progress-chart.js';
import { allRecipes, findRecipe } from './recipes/index.js';

export const RUN_FILES = {
  config: 'config.json',
  best: 'checkpoint_best.safetensors',
  final: 'checkpoint_final.safetensors',
  latest: 'checkpoint_latest.safetensors',
  latestState: 'checkpoint_latest.state.safetensors',
  latestJson: 'checkpoint_latest.json',
  log: 'log.jsonl',
  progress: 'progress.png',
} as const;

export type WeightsChoice = 'best' | 'final' | 'latest';
export const NORMALIZATION = 'zscore-per-sequence';
const CHECKPOINT_FORMAT = 'dias-train-checkpoint/2';
/** One network named 'model', its tensors under model.<name> and state.<...> (runs of DIAS-TS before recipes). */
const SINGLE_NETWORK_FORMAT = 'dias-train-checkpoint/1';
const STATE_META_KEY = 'dias_checkpoint';

/** One line of log.jsonl. Validation keys are present on validated epochs only. */
export interface EpochLog {
  epoch: number;
  /** Means over the epoch's steps of the recipe's losses: 'loss' (the one optimised) and its named parts. */
  train: Record<string, number>;
  /** Learning rate of the exported network's first parameter group during the epoch's last step. */
  lr: number;
  /** Seconds of training, of validation, and of the whole epoch (both, before the checkpoint is written). */
  train_seconds: number;
  val_seconds?: number;
  seconds: number;
  /** Image-level means over the validation sequences (DSC, AUC, clDice, Acc, Sen, Spe, IoU, VC). */
  val?: Record<string, number | null>;
  /** Patch-level means over batches of validation tiles, as the official validation (DSC, Acc, Sen, Spe, IoU, AUC). */
  val_patch?: Record<string, number | null>;
  val_loss?: number;
  /** The selection metric's value, and whether this epoch became checkpoint_best. */
  selected_metric?: number | null;
  best?: boolean;
}

/** One network's optimizer and schedule, besides its tensors. */
export interface NetworkRecord {
  optimizer: optim.OptimizerMeta;
  scheduler: optim.SchedulerStateDict;
}

/** What resuming needs besides tensors (stored as JSON). */
export interface ResumeRecord {
  format: typeof CHECKPOINT_FORMAT;
  /** The training recipe (train.recipe). */
  recipe: string;
  /** Epochs completed (1-based count). */
  epoch: number;
  stepsPerEpoch: number;
  networks: Record<string, NetworkRecord>;
  rng: {
    /** The global torch CPU generator's state (defaultGenerator.getState()), base64. */
    torch: string;
    sampler: PatchSamplerState;
  };
  best: { metric: string; value: number | null; epoch: number | null };
  notImprovedCount: number;
  /** True once the run ended (all epochs, or early stopping). */
  finished: boolean;
  /** The mixed-precision loss scaler's state (CUDA runs with amp). */
  scaler?: { scale: number; growthTracker: number };
}

export function runPath(runDir: string, file: keyof typeof RUN_FILES): string {
  return join(runDir, RUN_FILES[file]);
}

const NETWORK_WEIGHTS = /^checkpoint_(best|final|latest)\.[A-Za-z0-9_-]+\.safetensors$/;

/** The weights file of a network other than the exported one (checkpoint_final.B.safetensors). */
export function networkWeightsPath(runDir: string, which: WeightsChoice, network: string): string {
  return join(runDir, `checkpoint_${which}.${network}.safetensors`);
}

// ------------------------------------------------------------------------------------------------ the folder

/**
 * Checks that runDir can take a run (writeRunConfig creates it): an existing non-empty folder is refused unless
 * resuming (it must hold a config.json) or forced (the run files listed above are deleted; anything else stays).
 * Returns whether a run is being resumed.
 */
export function prepareRunFolder(runDir: string, mode: { resume?: boolean; force?: boolean }): 'fresh' | 'resume' {
  // Each refusal is the command line's to fix (another --out, --resume or --force): a usage error, exit code 2.
  const refuse = (message: string) => Object.assign(new Error(message), { exitCode: 2 });
  if (mode.resume && mode.force)
    throw refuse('--resume and --force exclude each other (resume continues a run, force starts it over)');
  if (existsSync(runDir) && !statSync(runDir).isDirectory()) throw refuse(`${runDir}: exists and is not a folder`);
  const entries = existsSync(runDir) ? readdirSync(runDir) : [];
  if (mode.resume) {
    if (!existsSync(runPath(runDir, 'config')))
      throw refuse(`${runDir}: nothing to resume (no ${RUN_FILES.config}; start the run without --resume)`);
    return 'resume';
  }
  if (entries.length > 0 && !mode.force) {
    throw refuse(
      `${runDir}: the run folder exists and is not empty; use --resume to continue it or --force to start over`,
    );
  }
  if (mode.force) {
    for (const f of Object.values(RUN_FILES)) rmSync(join(runDir, f), { force: true });
    for (const f of entries) if (NETWORK_WEIGHTS.test(f)) rmSync(join(runDir, f), { force: true });
  }
  return 'fresh';
}

/**
 * prepareRunFolder, and on resume the check that `config` (finalized) computes what the saved run computed: only
 * RESUME_OVERRIDABLE settings may differ.
 */
export function openRunFolder(
  runDir: string,
  config: TrainConfig,
  mode: { resume?: boolean; force?: boolean },
): 'fresh' | 'resume' {
  const opened = prepareRunFolder(runDir, mode);
  if (opened === 'resume') {
    const conflicts = resumeConflicts(finalizeTrainConfig(readRunConfig(runDir), runPath(runDir, 'config')), config);
    if (conflicts.length)
      throw new Error(
        `${runPath(runDir, 'config')}: the run was made with other settings for ${conflicts.join(', ')}; resume with the run's own settings or start a new run`,
      );
  }
  return opened;
}

export function writeRunConfig(runDir: string, config: TrainConfig): void {
  mkdirSync(runDir, { recursive: true });
  writeFileAtomic(runPath(runDir, 'config'), `${JSON.stringify(config, null, 2)}\n`);
}

/** Reads RUN/config.json, checking every key as a config file (errors name the file and the key). */
export function readRunConfig(runDir: string): TrainConfig {
  const path = runPath(runDir, 'config');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // exitCode 2, as a bad setting in it (ConfigError) and a config file that does not parse: every command that
    // reads a run's config.json (segment, test, train --resume) then gives the same code for the same file.
    const why =
      code === 'ENOENT'
        ? 'missing (not a run folder?)'
        : code
          ? `unreadable (${code})`
          : `not valid JSON (${(e as Error).message})`;
    throw Object.assign(new Error(`${path}: ${why}`), { exitCode: 2 });
  }
  return applyConfigPatch(defaultTrainConfig(), parsed, path);
}

// ------------------------------------------------------------------------------------------------ weights

export interface WeightsInfo {
  model: string;
  options: ModelOptions;
  frames: number;
  epoch: number;
  /** The label set it was trained on (default 'artery'). */
  labels?: LabelSet;
}

function weightsMetadata(info: WeightsInfo): Record<string, string> {
  return {
    dias_model: info.model,
    dias_model_options: JSON.stringify(info.options),
    dias_frames: String(info.frames),
    dias_normalization: NORMALIZATION,
    epoch: String(info.epoch),
    // Only an artery/vein model says so: the files of vessel models stay byte for byte as they were.
    ...(info.labels === 'av' ? { dias_labels: info.labels } : {}),
  };
}

/** The model's tensors on the CPU (copies for CUDA models), under their PyTorch names. */
function cpuStateDict(model: SegmentationModel): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of model.stateDict()) out.set(k, t.device === 'cpu' ? t : t.to('cpu'));
  return out;
}

/** Writes a weights file (atomically) with the metadata loadWeightsFile builds the model from. */
export function saveWeightsFile(path: string, model: SegmentationModel, info: WeightsInfo): void {
  noGrad(() => scope(() => saveSafetensors(path, cpuStateDict(model), weightsMetadata(info))));
}

export interface LoadedModel {
  /** In eval mode, on the CPU. */
  model: SegmentationModel;
  spec: ModelSpec;
  options: ModelOptions;
  /** The frame count T the model was trained on (sequences are resampled to it). */
  frames: number;
  /** Epochs completed when the weights were saved. */
  epoch: number;
  /** The label set it was trained on (metadata dias_labels; without it 'artery', the vessel models). */
  labels: LabelSet;
  metadata: Record<string, string>;
}

/** Builds the model a weights file describes (its metadata) and loads the weights into it. */
export function loadWeightsFile(path: string): LoadedModel {
  if (!existsSync(path)) throw new Error(`${path}: no such weights file`);
  const { tensors, metadata } = loadSafetensors(path);
  try {
    const need = ['dias_model', 'dias_model_options', 'dias_frames'];
    const missing = need.filter((k) => metadata[k] === undefined);
    if (missing.length) throw new Error(`${path}: not a dias weights file (metadata lacks ${missing.join(', ')})`);
    let options: ModelOptions;
    try {
      options = JSON.parse(metadata.dias_model_options) as ModelOptions;
    } catch {
      throw new Error(`${path}: metadata dias_model_options is not JSON`);
    }
    // null, a list or a string spread into the defaults as nothing (or as keys '0', '1'): the model was built with
    // its defaults and failed later on the weights' shapes.
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new Error(
        `${path}: metadata dias_model_options must be a JSON object of constructor options, got ${metadata.dias_model_options.slice(0, 40)}`,
      );
    }
    const labels = (metadata.dias_labels ?? 'artery') as LabelSet;
    if (!LABEL_SETS.includes(labels))
      throw new Error(
        `${path}: metadata dias_labels must be one of ${LABEL_SETS.join(', ')}, got '${metadata.dias_labels}'`,
      );
    const frames = Number(metadata.dias_frames);
    if (!Number.isInteger(frames) || frames < 1)
      throw new Error(`${path}: metadata dias_frames must be a positive integer, got '${metadata.dias_frames}'`);
    let spec: ModelSpec;
    try {
      spec = findModel(metadata.dias_model);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    let model: SegmentationModel;
    try {
      model = spec.build({ ...spec.defaults, ...options });
    } catch (e) {
      throw new Error(`${path}: cannot build ${spec.name} from its metadata: ${(e as Error).message}`);
    }
    try {
      model.loadStateDict(tensors);
    } catch (e) {
      model.dispose();
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    model.eval();
    return { model, spec, options, frames, epoch: Number(metadata.epoch ?? NaN), labels, metadata };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** The stage folder of iteration k of a self-training (RPST) run: 0 is the teacher. */
export function stagePath(runDir: string, k: number): string {
  return join(runDir, `iter${k}`);
}

/**
 * The run folder whose weights stand for `runDir`: itself, or for a self-training run the stage of `iteration`
 * (default: the last one that has weights).
 */
export function weightsRunDir(runDir: string, config: TrainConfig, iteration?: number): string {
  const { stages } = findRecipe(config.train.recipe);
  if (!stages) {
    if (iteration !== undefined) {
      const staged = allRecipes().filter((r) => r.stages);
      throw new Error(
        `${runDir}: --iteration is for self-training (${staged.map((r) => r.name).join(', ')}) runs; this run's recipe is ${config.train.recipe}`,
      );
    }
    return runDir;
  }
  const K = stages.students(config);
  if (iteration !== undefined) {
    if (!Number.isInteger(iteration) || iteration < 0 || iteration > K)
      throw new Error(`${runDir}: --iteration must be 0 (the teacher) to ${K}, got ${iteration}`);
    return stagePath(runDir, iteration);
  }
  for (let k = K; k >= 0; k--) if (existsSync(runPath(stagePath(runDir, k), 'best'))) return stagePath(runDir, k);
  return stagePath(runDir, 0);
}

/** The model of a run folder (best, final or latest weights), in eval mode, with the run's resolved config. */
export function loadRunModel(
  runDir: string,
  which: WeightsChoice = 'best',
  iteration?: number,
): LoadedModel & { config: TrainConfig } {
  if (which !== 'best' && which !== 'final' && which !== 'latest')
    throw new Error(`weights must be best, final or latest, got '${String(which)}'`);
  const config = readRunConfig(runDir);
  const dir = weightsRunDir(runDir, config, iteration);
  const path = runPath(dir, which);
  if (!existsSync(path)) {
    const hint =
      which === 'final'
        ? ' (the run has not finished; try latest or best)'
        : which === 'best'
          ? ' (no epoch has completed yet)'
          : '';
    throw new Error(`${path}: missing${hint}`);
  }
  return { ...loadWeightsFile(path), config };
}

// ------------------------------------------------------------------------------------------------ resuming

/** A network's part of the resume state: its model and its optimizer's state tensors (state.<param>.<key>). */
export interface NetworkState {
  name: string;
  model: SegmentationModel;
  optimizerState: Map<string, Tensor>;
}

/**
 * Saves the resume record and the latest weights of the exported network. The state file (every network's model
 * and optimizer tensors + the record) is the one that counts and is renamed into place first;
 * checkpoint_latest.safetensors and .json follow as copies.
 */
export function saveLatestCheckpoint(
  runDir: string,
  networks: readonly NetworkState[],
  exported: string,
  record: ResumeRecord,
  info: WeightsInfo,
): void {
  const json = JSON.stringify(record);
  noGrad(() =>
    scope(() => {
      const tensors = new Map<string, Tensor>();
      for (const net of networks) {
        for (const [k, t] of net.optimizerState) tensors.set(`${net.name}/${k}`, t.device === 'cpu' ? t : t.to('cpu'));
        for (const [k, t] of cpuStateDict(net.model)) tensors.set(`${net.name}/model.${k}`, t);
      }
      saveSafetensors(runPath(runDir, 'latestState'), tensors, { ...weightsMetadata(info), [STATE_META_KEY]: json });
    }),
  );
  const main = networks.find((n) => n.name === exported);
  if (!main) throw new Error(`saveLatestCheckpoint: no network named '${exported}'`);
  saveWeightsFile(runPath(runDir, 'latest'), main.model, info);
  writeFileAtomic(runPath(runDir, 'latestJson'), `${readableJson(record)}\n`);
}

/** Indented JSON with lists of plain values on one line (parameter index lists would take a line per number). */
function readableJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /\[\s+([^[\]{}]*?)\s+\]/g,
    (_m, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`,
  );
}

export interface LatestCheckpoint {
  record: ResumeRecord;
  /** Each network's tensors: model under PyTorch names, optimizer under state.<param>.<key>. */
  networks: Map<string, { model: Map<string, Tensor>; optimizer: Map<string, Tensor> }>;
  /** Frees the tensors. */
  dispose(): void;
}

/** A single-network record of the first format, in today's shape. */
function upgradeSingleNetwork(old: Record<string, unknown>): ResumeRecord {
  const {
    optimizer,
    scheduler,
    format: _format,
    ...rest
  } = old as { optimizer: optim.OptimizerMeta; scheduler: optim.SchedulerStateDict; format: string };
  return {
    ...(rest as unknown as ResumeRecord),
    format: CHECKPOINT_FORMAT,
    recipe: 'fsl',
    networks: { model: { optimizer, scheduler } },
  };
}

/** Whether a safetensors file is a resume state (state_latest.safetensors) rather than weights; reads the header only. */
export function isResumeState(path: string): boolean {
  return STATE_META_KEY in readSafetensorsMetadata(path);
}

/** Reads the resume record, or null when no epoch has completed yet. */
export function readLatestCheckpoint(runDir: string): LatestCheckpoint | null {
  const path = runPath(runDir, 'latestState');
  if (!existsSync(path)) return null;
  const { tensors, metadata } = loadSafetensors(path);
  let parsed: Record<string, unknown> | null;
  try {
    parsed = JSON.parse(metadata[STATE_META_KEY] ?? 'null') as Record<string, unknown> | null;
  } catch {
    parsed = null;
  }
  const format = parsed?.format;
  if (!parsed || (format !== CHECKPOINT_FORMAT && format !== SINGLE_NETWORK_FORMAT)) {
    for (const t of tensors.values()) t.dispose();
    throw new Error(
      `${path}: not a ${CHECKPOINT_FORMAT} resume record (metadata ${STATE_META_KEY} missing or of another format)`,
    );
  }
  const single = format === SINGLE_NETWORK_FORMAT;
  const record = single ? upgradeSingleNetwork(parsed) : (parsed as unknown as ResumeRecord);
  const networks: LatestCheckpoint['networks'] = new Map();
  for (const name of Object.keys(record.networks)) networks.set(name, { model: new Map(), optimizer: new Map() });
  for (const [key, t] of tensors) {
    const slash = key.indexOf('/');
    const [name, k] = single ? ['model', key] : [key.slice(0, slash), key.slice(slash + 1)];
    const net = networks.get(name);
    if (!net || (!single && slash < 0)) {
      for (const x of tensors.values()) x.dispose();
      throw new Error(
        `${path}: tensor '${key}' belongs to no network of the record (${[...networks.keys()].join(', ')})`,
      );
    }
    if (k.startsWith('model.')) net.model.set(k.slice('model.'.length), t);
    else net.optimizer.set(k, t);
  }
  return { record, networks, dispose: () => tensors.forEach((t) => t.dispose()) };
}

// ------------------------------------------------------------------------------------------------ the log

/** The losses of a log line written before recipes (fsl only): train_loss, train_ce, train_dice. */
interface LegacyTrainLosses {
  train_loss?: number;
  train_ce?: number;
  train_dice?: number;
}

function upgradeEpochLog(e: EpochLog & LegacyTrainLosses): EpochLog {
  if (e.train !== undefined || e.train_loss === undefined) return e;
  const { train_loss, train_ce, train_dice, ...rest } = e;
  return {
    ...rest,
    train: {
      loss: train_loss,
      ...(train_ce !== undefined ? { ce: train_ce } : {}),
      ...(train_dice !== undefined ? { dice: train_dice } : {}),
    },
  };
}

/** Parses log.jsonl (missing file: no entries); a malformed line is an error naming its line number. */
export function readLog(runDir: string): EpochLog[] {
  const path = runPath(runDir, 'log');
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: EpochLog[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      throw new Error(`${path}:${i + 1}: not a JSON line`);
    }
    // A line of valid JSON that is no epoch record (42, null, a list) made NaN curves or a TypeError downstream.
    if (entry === null || typeof entry !== 'object' || typeof (entry as EpochLog).epoch !== 'number') {
      throw new Error(`${path}:${i + 1}: not an epoch record (an object with a numeric epoch)`);
    }
    out.push(upgradeEpochLog(entry as EpochLog & LegacyTrainLosses));
  });
  return out;
}

/** Rewrites log.jsonl (atomically) with these entries. NaN values become null (JSON has no NaN). */
export function writeLog(runDir: string, entries: readonly EpochLog[]): void {
  writeFileAtomic(
    runPath(runDir, 'log'),
    entries
      .map((e) => `${JSON.stringify(e, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`)
      .join(''),
  );
}

// ------------------------------------------------------------------------------------------------ one epoch

/** A network of the run as the run folder saves it: weights, AdamW state and schedule. */
export interface NetworkToSave {
  name: string;
  model: SegmentationModel;
  optimizer: { stateDict(): { state: Map<string, Tensor>; meta: optim.OptimizerMeta } };
  scheduler: { stateDict(): optim.SchedulerStateDict };
}

/** What one epoch leaves in the run folder. */
export interface EpochSave {
  /** The log so far, this epoch last. */
  history: readonly EpochLog[];
  /** The epoch became checkpoint_best. */
  improved: boolean;
  /** Every network of the recipe, in its order, and the exported one's name. */
  networks: readonly NetworkToSave[];
  exported: string;
  recipe: string;
  epoch: number;
  stepsPerEpoch: number;
  sampler: PatchSamplerState;
  best: ResumeRecord['best'];
  notImproved: number;
  finished: boolean;
  scaler?: ResumeRecord['scaler'];
  info: WeightsInfo;
}

/** The final weights: the exported network's checkpoint_final and every other network's checkpoint_final.<name>. */
export function saveFinalWeights(
  runDir: string,
  networks: readonly NetworkToSave[],
  exported: string,
  info: WeightsInfo,
): void {
  const main = networks.find((n) => n.name === exported)!;
  saveWeightsFile(runPath(runDir, 'final'), main.model, info);
  for (const n of networks) if (n !== main) saveWeightsFile(networkWeightsPath(runDir, 'final', n.name), n.model, info);
}

/**
 * Brings the run folder up to date after an epoch: the log first (a resumed run drops lines past its checkpoint),
 * then checkpoint_best when the epoch improved, then the resume record with every network's state and the torch
 * generator's, the final weights when the run finished, and the progress chart (a failure there is a warning).
 */
export function saveEpoch(runDir: string, s: EpochSave, warn: (line: string) => void): void {
  writeLog(runDir, s.history);
  const exported = s.networks.find((n) => n.name === s.exported)!;
  if (s.improved) saveWeightsFile(runPath(runDir, 'best'), exported.model, s.info);
  const states = s.networks.map((n) => ({ name: n.name, model: n.model, optimizerState: n.optimizer.stateDict() }));
  const generatorState = defaultGenerator.getState();
  const record: ResumeRecord = {
    format: CHECKPOINT_FORMAT,
    recipe: s.recipe,
    epoch: s.epoch,
    stepsPerEpoch: s.stepsPerEpoch,
    networks: Object.fromEntries(
      s.networks.map((n, i) => [
        n.name,
        { optimizer: states[i].optimizerState.meta, scheduler: n.scheduler.stateDict() },
      ]),
    ),
    rng: { torch: Buffer.from(generatorState.rawBytes()).toString('base64'), sampler: s.sampler },
    best: s.best,
    notImprovedCount: s.notImproved,
    finished: s.finished,
    ...(s.scaler ? { scaler: s.scaler } : {}),
  };
  generatorState.dispose();
  saveLatestCheckpoint(
    runDir,
    states.map((x) => ({ name: x.name, model: x.model, optimizerState: x.optimizerState.state })),
    s.exported,
    record,
    s.info,
  );
  if (s.finished) saveFinalWeights(runDir, s.networks, s.exported, s.info);
  try {
    writeProgressChart(runPath(runDir, 'progress'), s.history);
  } catch (e) {
    warn(`warning: ${runPath(runDir, 'progress')} not written: ${(e as Error).message}`);
  }
}
