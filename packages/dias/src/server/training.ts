// Training jobs of `dias serve` (POST /api/train): the request's settings become a TrainConfig through the same
// functions `dias train` uses (defaultTrainConfig, setConfigValue, finalizeTrainConfig: a bad value is a 400 that
// names the key; `set` lines are read by --set's parseAssignment), and the run goes into --runs/<name> as an
// ordinary run folder, in its own worker thread (train-worker.ts) so the server keeps answering. One training job
// at a time: the machine's cores are the limit, and two runs would only halve each other. Like MONAI Label's
// /train, the request can start from an existing model (`from`, as train.init.from) and train on what the
// annotator has drawn so far (`scribbledOnly`).
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { TensorWorker } from '@dias-ts/torch';
import { scriptWorkerTarget } from '../data/script-worker.js';
import { ANNOTATOR_SCRIBBLE_DIR } from '../data/synth/write-dataset.js';
import {
  ConfigError,
  defaultTrainConfig,
  finalizeTrainConfig,
  setConfigValue,
  type TrainConfig,
} from '../train/config.js';
import { parseAssignment } from '../train/config-assignments.js';
import { buildModel, resolveModelSetup } from '../train/model-setup.js';
import { findRecipe } from '../train/recipes/index.js';
import type { EpochLog, ResumeRecord } from '../train/run-folder.js';
import { scribbleSetName } from '../train/training-data.js';
import type { Datastore } from './datastore.js';
import { CANCELLED } from './inference.js';
import type { Job } from './jobs.js';
import type { RunStore } from './run-store.js';
import { HttpError, safeName } from './safe-paths.js';

/** The body of POST /api/train (docs/server-api.md). */
export interface TrainBody {
  recipe?: unknown;
  name?: unknown;
  from?: unknown;
  model?: unknown;
  modelOptions?: unknown;
  epochs?: unknown;
  patchesPerEpoch?: unknown;
  batchSize?: unknown;
  scribbles?: unknown;
  scribbledOnly?: unknown;
  settings?: unknown;
  set?: unknown;
}

export interface TrainRequest {
  config: TrainConfig;
  runDir: string;
}

/** The worker's start data: the event port and the cancel flag (in workerData: TensorWorker.call passes plain values). */
export interface TrainWorkerInit {
  port: MessagePort;
  cancel: Int32Array;
}

export interface TrainSummary {
  epochs: number;
  finished: boolean;
  best: ResumeRecord['best'];
}

export type TrainMessage =
  | { type: 'log'; line: string }
  | {
      type: 'progress';
      epoch: number;
      epochs: number;
      step: number;
      steps: number;
      losses: Record<string, number>;
      lr: number;
    }
  | { type: 'epoch'; entry: EpochLog };

/**
 * The config keys that name files or folders: over the API a run reads only the served dataset and runs under
 * --runs, so these are refused (a request could otherwise train on, load, or probe any path on the machine).
 */
const PATH_SETTINGS: Record<string, string> = {
  'data.dir': 'the server trains on its --data only',
  'data.pseudo': 'pseudo-labelled pools are made by the rpst recipe itself',
  'train.init.from': 'give "from": RUN, a run under --runs',
};

/** A run name from the clock: sscr-20261204-231500. */
function defaultRunName(recipe: string): string {
  const t = new Date().toISOString();
  return `${recipe}-${t.slice(0, 10).replace(/-/g, '')}-${t.slice(11, 19).replace(/:/g, '')}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One setting of a request: `source` goes into config errors, `name` names it in the API's own refusals. */
interface RequestSetting {
  key: string;
  value: unknown;
  source: string;
  name: string;
}

/**
 * The request's settings: `settings` (dotted keys to JSON values), then `set` (lines `KEY=VALUE`, each read as
 * `dias train --set` reads it, by the same function).
 */
function requestSettings(b: TrainBody): RequestSetting[] {
  const out: RequestSetting[] = [];
  if (b.settings !== undefined) {
    if (!isRecord(b.settings))
      throw new HttpError(400, 'settings: must be an object of dotted keys, e.g. {"optimizer.lr": 0.001}');
    for (const [key, value] of Object.entries(b.settings))
      out.push({ key, value, source: `settings.${key}`, name: `settings.${key}` });
  }
  if (b.set !== undefined) {
    if (!Array.isArray(b.set) || !b.set.every((t) => typeof t === 'string'))
      throw new HttpError(400, 'set: must be a list of "KEY=VALUE" strings, e.g. ["optimizer.lr=1e-3"]');
    for (const text of b.set) {
      try {
        const [key, value] = parseAssignment('set', text);
        out.push({ key, value, source: 'set', name: `set: ${key}` });
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
    }
  }
  return out;
}

/**
 * The run name and finalized config of a training request on the served dataset; 400 with the reason for a bad
 * request, 409 when the run folder exists.
 */
export function trainConfigFromBody(
  body: unknown,
  data: Datastore,
  runs: RunStore,
): { name: string; runDir: string; config: TrainConfig } {
  if (!isRecord(body)) throw new HttpError(400, 'the body must be a JSON object such as {"recipe": "fsl"}');
  const b = body as TrainBody;
  if (data.layout !== 'dias')
    throw new HttpError(
      400,
      `training needs a DIAS-layout dataset (training/, validation/); ${data.root} is a ${data.layout}`,
    );
  if (typeof b.recipe !== 'string') throw new HttpError(400, 'recipe: required, a recipe name such as "fsl" or "sscr"');
  let definition;
  try {
    definition = findRecipe(b.recipe);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
  if (b.name !== undefined && typeof b.name !== 'string') throw new HttpError(400, 'name: must be a string');
  const name = b.name ?? defaultRunName(definition.name);
  safeName(name, 'name');
  const config = defaultTrainConfig();
  const set = (key: string, value: unknown, source: string) => {
    try {
      setConfigValue(config, key, value, source);
    } catch (e) {
      throw new HttpError(400, e instanceof ConfigError ? e.message : (e as Error).message);
    }
  };
  set('data.dir', data.root, 'data');
  set('train.recipe', definition.name, 'recipe');
  const ds = data.dias();
  if (ds.splits.validation.length === 0) set('validation.everyEpochs', 0, 'the dataset has no validation/');
  if (b.from !== undefined) {
    if (typeof b.from !== 'string') throw new HttpError(400, 'from: must be a run name');
    const fromConfig = runs.config(b.from);
    set('train.init.from', runs.dir(b.from), 'from');
    // The weights only fit the architecture they were trained with.
    set('model.name', fromConfig.model.name, 'from');
    set('model.options', fromConfig.model.options, 'from');
    set('data.frames', fromConfig.data.frames, 'from');
  }
  if (b.model !== undefined) set('model.name', b.model, 'model');
  if (b.modelOptions !== undefined) set('model.options', b.modelOptions, 'modelOptions');
  if (b.epochs !== undefined) set('train.epochs', b.epochs, 'epochs');
  if (b.patchesPerEpoch !== undefined) set('train.patchesPerEpoch', b.patchesPerEpoch, 'patchesPerEpoch');
  if (b.batchSize !== undefined) set('train.batchSize', b.batchSize, 'batchSize');
  const settings = requestSettings(b);
  for (const { key, value, source, name } of settings) {
    const why = PATH_SETTINGS[key];
    if (why) throw new HttpError(400, `${name}: a path, not settable over the API; ${why}`);
    set(key, value, source);
  }
  const given = new Set(settings.map((s) => s.key));
  // A short job from the page keeps the official warm-up's share of the run (10 of 100 epochs) instead of failing
  // on a warm-up longer than the run; a warm-up the request sets itself is left to the config check.
  if (!given.has('scheduler.warmupEpochs') && config.scheduler.warmupEpochs > config.train.epochs) {
    set('scheduler.warmupEpochs', Math.floor(config.train.epochs / 10), 'epochs (warm-up scaled to the run)');
  }
  // What the recipe learns from decides the scribble defaults: the annotator's set, and only what has been drawn.
  const targets = definition.create(finalize(config)).targets;
  if (targets !== 'scribble') {
    for (const key of ['scribbles', 'scribbledOnly'] as const)
      if (b[key] !== undefined)
        throw new HttpError(
          400,
          `${key}: recipe ${definition.name} learns from dense labels; scribbles apply to the scribble-supervised recipes only`,
        );
  }
  if (targets === 'scribble') {
    if (b.scribbles !== undefined && typeof b.scribbles !== 'string')
      throw new HttpError(400, 'scribbles: must be a scribble set name');
    const scribbles = b.scribbles ?? (given.has('data.scribbles') ? config.data.scribbles : 'annotator');
    if (!['auto', 'annotator', ...ds.scribbleSets].includes(scribbles))
      throw new HttpError(
        400,
        `scribbles: '${scribbles.slice(0, 80)}' is not a scribble set of this dataset (auto, annotator${ds.scribbleSets.map((n) => `, ${n}`).join('')})`,
      );
    set('data.scribbles', scribbles, 'scribbles');
    if (b.scribbledOnly !== false) {
      const setName = scribbleSetName(config.data.scribbles);
      const ids = ds.splits.training.filter((r) => r.scribbles[setName] !== undefined).map((r) => r.id);
      if (ids.length === 0) {
        const hint = setName === ANNOTATOR_SCRIBBLE_DIR ? ': draw and save some first' : '';
        throw new HttpError(400, `no training sequence has a scribble in set '${setName}'${hint}`);
      }
      set('data.labelledIds', ids, 'scribbledOnly');
    }
  }
  const final = finalize(config);
  checkModelBuilds(final);
  const runDir = runs.newRunDir(name);
  return { name, runDir, config: final };
}

/**
 * Builds the network once and frees it: a value only its constructor can judge (feature_scale: -3) is a 400 now,
 * instead of a 202 whose job fails a moment later.
 */
function checkModelBuilds(config: TrainConfig): void {
  try {
    const setup = resolveModelSetup(config.model.name, config.model.options, config.data.frames, (key, reason) => {
      throw new Error(`${key}: ${reason}`);
    });
    buildModel(setup).dispose();
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
}

function finalize(config: TrainConfig): TrainConfig {
  try {
    return finalizeTrainConfig(config);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
}

/** Runs one training job at a time, each in a fresh worker thread that ends with it. */
export class TrainingService {
  private current: { job: Job; worker: Promise<TensorWorker> } | null = null;

  /** The running job (one that has ended is not, while its worker is still being stopped). */
  get busy(): Job | null {
    const job = this.current?.job;
    return job?.running ? job : null;
  }

  /** Starts the run as `job` (the caller has checked that none is running); the job ends with the run. */
  start(job: Job, runDir: string, config: TrainConfig): Promise<void> {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    job.cancel = () => Atomics.store(cancel, 0, 1);
    const channel = new MessageChannel();
    const forward = (m: TrainMessage) => {
      if (m.type === 'log') job.emit('log', { line: m.line });
      else if (m.type === 'epoch') job.emit('epoch', m.entry);
      else {
        const { type: _type, ...progress } = m;
        job.emit('progress', progress);
      }
    };
    channel.port1.on('message', forward);
    // The result comes on another channel than the events: those still queued are passed on before the end.
    const drain = () => {
      for (let m = receiveMessageOnPort(channel.port1); m; m = receiveMessageOnPort(channel.port1))
        forward(m.message as TrainMessage);
    };
    const target = scriptWorkerTarget(import.meta.url, './train-worker', {
      port: channel.port2,
      cancel,
    } satisfies TrainWorkerInit);
    const worker = TensorWorker.start(target.url, { workerData: target.workerData, transferList: [channel.port2] });
    this.current = { job, worker };
    return (async () => {
      let w: TensorWorker | null = null;
      try {
        w = await worker;
        const summary = await w.call<TrainSummary>('train', { config, runDir } satisfies TrainRequest);
        drain();
        job.finish('done', { run: job.details.run, ...summary });
      } catch (e) {
        drain();
        const message = (e as Error).message;
        if (message === CANCELLED) job.finish('cancelled', null);
        else job.finish('failed', { error: message });
      } finally {
        await w?.terminate();
        channel.port1.close();
        if (this.current?.job === job) this.current = null;
      }
    })();
  }

  /** Cancels a running job and waits for its worker to stop. */
  async close(): Promise<void> {
    const job = this.current?.job;
    if (!job) return;
    job.cancel();
    await job.whenEnded();
  }
}
