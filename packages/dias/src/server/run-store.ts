// The run folders `dias serve` offers (--runs DIR: every folder directly under it that holds a config.json, as
// `dias train` writes it; run-folder.ts documents the format), what each one is, and the probability maps stored
// for the served dataset: those POST /api/infer writes into RUN/predictions/<dataset>/ (the files `dias segment`
// writes, eval/case-outputs.ts), and those `dias test` wrote into RUN/test_<split>/ when the run was tested on this
// very dataset.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readProbabilityMap } from '../eval/read-maps.js';
import { readRunConfig, runPath, weightsRunDir, type WeightsChoice } from '../train/run-folder.js';
import type { TrainConfig } from '../train/config.js';
import type { LabelSet } from '../data/label-set.js';
import type { Datastore } from './datastore.js';
import { HttpError, realInside, safeName } from './safe-paths.js';

/** What GET /api/info says of a run. */
export interface RunInfo {
  name: string;
  model: string;
  recipe: string;
  /** The label set it was trained on: 'av' runs store artery/vein class maps beside their probabilities. */
  labels: LabelSet;
  frames: number;
  epochs: number | null;
  finished: boolean;
  checkpoints: WeightsChoice[];
  /** Mean metrics of each RUN/test_<split>/summary.json. */
  metrics: Record<string, Record<string, number | null>> | null;
  modified: string;
}

const CHECKPOINTS: WeightsChoice[] = ['best', 'final', 'latest'];

export class RunStore {
  readonly root: string | null;
  private readonly realRoot: string | null;

  constructor(dir: string | undefined) {
    this.root = dir === undefined ? null : resolve(dir);
    this.realRoot = this.root && existsSync(this.root) ? realpathSync(this.root) : null;
  }

  /** --runs after symlinks (itself when it does not exist yet). */
  get realRootOrSelf(): string {
    return this.realRoot ?? this.root ?? '';
  }

  /** The names of the runs, newest first (by their latest checkpoint or config). */
  names(): string[] {
    if (!this.root || !this.realRoot) return [];
    return readdirSync(this.root)
      .filter((n) => !n.startsWith('.') && existsSync(join(this.root!, n, 'config.json')))
      .filter((n) => {
        try {
          this.dir(n);
          return true;
        } catch {
          return false;
        }
      })
      .map((n) => ({ n, t: modifiedMs(join(this.root!, n)) }))
      .sort((a, b) => b.t - a.t || a.n.localeCompare(b.n))
      .map((x) => x.n);
  }

  /** The folder of run `name`: a plain name under --runs with a config.json, not a link out of it; 400/404 otherwise. */
  dir(name: string): string {
    safeName(name, 'run');
    if (!this.root || !this.realRoot) throw new HttpError(404, `run '${name}': the server was started without --runs`);
    const dir = join(this.root, name);
    realInside(this.realRoot, dir, `run '${name}'`);
    if (!existsSync(join(dir, 'config.json')))
      throw new HttpError(404, `run '${name}': not a run folder (no config.json)`);
    return dir;
  }

  /** Where a new run named `name` goes (it must not exist yet); 409 when it does. */
  newRunDir(name: string): string {
    safeName(name, 'run');
    if (!this.root) throw new HttpError(409, 'training needs a folder for its run: start dias serve with --runs DIR');
    const dir = join(this.root, name);
    if (existsSync(dir)) throw new HttpError(409, `run '${name}' exists already; choose another name`);
    return dir;
  }

  /** The run's config.json; 422 naming the run and the problem when it cannot be read or breaks a rule. */
  config(name: string): TrainConfig {
    const dir = this.dir(name);
    try {
      return readRunConfig(dir);
    } catch (e) {
      throw new HttpError(422, `run '${name}': ${(e as Error).message}`);
    }
  }

  info(name: string): RunInfo {
    const dir = this.dir(name);
    const config = this.config(name);
    const weightsDir = weightsRunDir(dir, config);
    let epochs: number | null = null;
    let finished = false;
    const latest = runPath(weightsDir, 'latestJson');
    if (existsSync(latest)) {
      try {
        const record = JSON.parse(readFileSync(latest, 'utf8')) as { epoch?: number; finished?: boolean };
        epochs = typeof record.epoch === 'number' ? record.epoch : null;
        finished = record.finished === true;
      } catch {
        // A half-readable record says nothing; the checkpoints below still do.
      }
    }
    const metrics: Record<string, Record<string, number | null>> = {};
    for (const entry of readdirSync(weightsDir)) {
      const m = /^test_(\w+)$/.exec(entry);
      const summary = join(weightsDir, entry, 'summary.json');
      if (!m || !existsSync(summary)) continue;
      try {
        metrics[m[1]] = (JSON.parse(readFileSync(summary, 'utf8')) as { mean: Record<string, number | null> }).mean;
      } catch {
        // An unreadable summary is left out.
      }
    }
    return {
      name,
      model: config.model.name,
      recipe: config.train.recipe,
      labels: config.data.labels,
      frames: config.data.frames,
      epochs,
      finished,
      checkpoints: CHECKPOINTS.filter((c) => existsSync(runPath(weightsDir, c))),
      metrics: Object.keys(metrics).length ? metrics : null,
      modified: new Date(modifiedMs(dir)).toISOString(),
    };
  }

  /** Where this server stores the run's predictions of the served dataset (one folder per dataset path). */
  predictionDir(name: string, data: Datastore): string {
    const key = createHash('sha256').update(data.realRoot).digest('hex').slice(0, 8);
    return join(this.dir(name), 'predictions', `${data.name.replace(/[^\w.-]+/g, '_')}-${key}`);
  }

  /** The stored probability map (.npy) of a sequence, or undefined: the server's own first, then `dias test`'s. */
  predictionFile(name: string, data: Datastore, stem: string, split: string | null): string | undefined {
    const own = join(this.predictionDir(name, data), `${stem}_prob.npy`);
    if (existsSync(own)) return realInside(this.realRoot!, own, `the prediction of run '${name}'`);
    if (split === null || data.layout !== 'dias') return undefined;
    const dir = this.dir(name);
    const config = this.config(name);
    // `dias test` maps are of config.data.dir: they belong to the served dataset only when that is the same folder.
    if (!config.data.dir || !existsSync(config.data.dir) || realpathSync(config.data.dir) !== data.realRoot)
      return undefined;
    const tested = join(weightsRunDir(dir, config), `test_${split}`, `${stem}_prob.npy`);
    return existsSync(tested) ? realInside(this.realRoot!, tested, `the prediction of run '${name}'`) : undefined;
  }

  /**
   * The stored class map of an artery/vein run (`{stem}_classes.png` beside the probability, eval/class-outputs.ts),
   * or undefined when the run has no stored prediction of the sequence or is not an artery/vein run.
   */
  classMapFile(name: string, data: Datastore, stem: string, split: string | null): string | undefined {
    const prob = this.predictionFile(name, data, stem, split);
    const file = prob?.replace(/_prob\.npy$/, '_classes.png');
    return file && existsSync(file) ? realInside(this.realRoot!, file, `the class map of run '${name}'`) : undefined;
  }

  /** The stored probability map, H x W, or undefined when there is none. */
  prediction(
    name: string,
    data: Datastore,
    stem: string,
    split: string | null,
  ): { data: Float32Array | Float64Array; width: number; height: number } | undefined {
    const file = this.predictionFile(name, data, stem, split);
    if (!file) return undefined;
    try {
      return readProbabilityMap(file);
    } catch (e) {
      throw new HttpError(422, (e as Error).message);
    }
  }
}

function modifiedMs(dir: string): number {
  let t = 0;
  for (const f of ['config.json', 'checkpoint_latest.json', 'checkpoint_best.safetensors']) {
    const st = statSync(join(dir, f), { throwIfNoEntry: false });
    if (st && st.mtimeMs > t) t = st.mtimeMs;
  }
  return t;
}

/** The file stem of a sequence's stored maps: s12 for DIAS, as `dias segment` and `dias test` name them. */
export function outputStem(data: Datastore, id: string): string {
  // Other layouts: the whole name, percent-encoded, so that the stem is reversible and two sequences never share
  // a file (tiny.npy and the folder tiny/; 'a b' and a_b).
  return data.layout === 'dias' ? `s${id}` : encodeURIComponent(id);
}
