// The shipped default model (predict/default-model.ts) as one more "run" of `dias serve`, named ':default' -- a
// name no run folder can have (run names are plain names: run-store.ts, safe-paths.ts) -- so that the viewer and
// the API segment out of the box, with no --runs and nothing trained. No official counterpart: the official code
// has no server; MONAI Label's apps likewise ship pre-trained models beside the ones users train.
//
// Its predictions have no run folder to live in, and the served dataset may be read-only, so they go to a cache
// folder of the user's: DIAS_CACHE_DIR, else $XDG_CACHE_HOME/dias, else ~/.cache/dias; under it
// predictions/default-<8 hex of the weights' SHA-256>/<dataset name>-<8 hex of its real path>/, the files
// `dias segment` writes (eval/case-outputs.ts). A new default model thus never serves the maps of an older one,
// and two datasets of the same name never share a folder. The server writes nowhere else for it, and every
// file it reads back must lie inside that folder after symlinks (realInside).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readProbabilityMap } from '../eval/read-maps.js';
import { defaultModelDir, DEFAULT_MODEL_FILE } from '../predict/default-model.js';
import type { Datastore } from './datastore.js';
import { HttpError, realInside } from './safe-paths.js';

/** The run name the API and the page use for the default model. */
export const DEFAULT_MODEL_RUN = ':default';

/** The cache folder of this user: DIAS_CACHE_DIR, else $XDG_CACHE_HOME/dias, else ~/.cache/dias. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DIAS_CACHE_DIR) return resolve(env.DIAS_CACHE_DIR);
  return resolve(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dias');
}

/** What GET /api/info lists for the default model, beside the runs (the page offers it in its run chooser). */
export interface DefaultModelInfo {
  name: typeof DEFAULT_MODEL_RUN;
  builtin: true;
  title: string;
  model: string;
  recipe: string;
  frames: number;
  epochs: number | null;
  finished: true;
  checkpoints: ['best'];
  metrics: null;
  note: string;
}

interface Card {
  model?: string;
  recipe?: string;
  frames?: number;
  trained_on?: string;
}

export class DefaultModelStore {
  private readonly modelDir: string | null;
  private key: string | null = null;

  /** `modelDir`: the default model's folder (default: the one shipped); null when this installation has none. */
  constructor(
    readonly cacheRoot: string = defaultCacheDir(),
    modelDir: string | null = defaultModelDir(),
  ) {
    this.modelDir = modelDir;
  }

  get available(): boolean {
    return this.modelDir !== null && existsSync(join(this.modelDir, DEFAULT_MODEL_FILE));
  }

  /** The weights file; 404 when this installation has none. */
  weights(): string {
    if (!this.available)
      throw new HttpError(404, `this installation has no default model (models/default/${DEFAULT_MODEL_FILE})`);
    return join(this.modelDir!, DEFAULT_MODEL_FILE);
  }

  /** The model's entry for GET /api/info, or null without one. */
  info(): DefaultModelInfo | null {
    if (!this.available) return null;
    let card: Card = {};
    try {
      card = JSON.parse(readFileSync(join(this.modelDir!, 'card.json'), 'utf8')) as Card;
    } catch {
      // Without its card the model is still usable; the entry then says less.
    }
    return {
      name: DEFAULT_MODEL_RUN,
      builtin: true,
      title: 'default model',
      model: card.model ?? 'unknown',
      recipe: card.recipe ?? 'unknown',
      frames: card.frames ?? 8,
      epochs: null,
      finished: true,
      checkpoints: ['best'],
      metrics: null,
      note: `shipped with DIAS-TS, trained on ${card.trained_on ?? 'synthetic data only'}; train a run on your own data for real use`,
    };
  }

  /** Where this server stores the default model's maps of the served dataset (created on the first write). */
  predictionDir(data: Datastore): string {
    const weights = this.weights();
    this.key ??= createHash('sha256').update(readFileSync(weights)).digest('hex').slice(0, 8);
    const dataKey = createHash('sha256').update(data.realRoot).digest('hex').slice(0, 8);
    return join(
      this.cacheRoot,
      'predictions',
      `default-${this.key}`,
      `${data.name.replace(/[^\w.-]+/g, '_')}-${dataKey}`,
    );
  }

  /** The stored probability map (.npy) of a sequence, or undefined; a file that leads out of its folder is 403. */
  predictionFile(data: Datastore, stem: string): string | undefined {
    if (!this.available) return undefined;
    const dir = this.predictionDir(data);
    const file = join(dir, `${stem}_prob.npy`);
    if (!existsSync(file)) return undefined;
    // The folder itself may be a link (a cache moved elsewhere); what must not happen is a file leading out of it.
    return realInside(realpathSync(dir), file, `the default model's prediction ${stem}`);
  }

  prediction(
    data: Datastore,
    stem: string,
  ): { data: Float32Array | Float64Array; width: number; height: number } | undefined {
    const file = this.predictionFile(data, stem);
    if (!file) return undefined;
    try {
      return readProbabilityMap(file);
    } catch (e) {
      throw new HttpError(422, (e as Error).message);
    }
  }
}
