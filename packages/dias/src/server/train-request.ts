// The body of POST /api/train made a TrainConfig through the same functions `dias train` uses (defaultTrainConfig,
// setConfigValue, finalizeTrainConfig, the --set parser: a bad value is a 400 that names the key), for a run in
// --runs/<name> on the served dataset only (no path-valued settings). Like MONAI Label's /train, the request can
// start from an existing model (`from`, as train.init.from) and train on what the annotator has drawn so far
// (`scribbledOnly`). The run itself is training-service.ts's.
import { ANNOTATOR_SCRIBBLE_DIR } from '../data/readers/dias-layout.js';
import { ConfigError, defaultTrainConfig, finalizeTrainConfig, type TrainConfig } from '../train/config.js';
import { applyAssignment, parseAssignment } from '../train/config-assignments.js';
import { buildModel, resolveModelSetup } from '../train/model-setup.js';
import { findRecipe } from '../train/recipes/index.js';
import { scribbleSetName } from '../train/training-data.js';
import type { Datastore } from './datastore.js';
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
      applyAssignment(config, key, value, source);
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
  const targets = definition.targets;
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
