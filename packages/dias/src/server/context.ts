// What the routes of `dias serve` share: the dataset, the run folders, the jobs and the two worker services, and
// the few questions several routes ask of them (which checkpoint, which stored map, start an inference). A route
// file asks these; it holds no state of its own. MONAI Label's app object plays this part for its endpoints.
import { existsSync } from 'node:fs';
import type { DsaSequence } from '../data/sequence.js';
import { runPath, weightsRunDir, type WeightsChoice } from '../train/run-folder.js';
import type { Datastore, SequenceEntry } from './datastore.js';
import { DEFAULT_MODEL_RUN, DefaultModelStore } from './default-model-store.js';
import type { InferenceService, InferMode } from './inference.js';
import type { Job, JobRegistry } from './jobs.js';
import type { NextSampleStrategy } from './next-sample.js';
import { pixelEncoding, type PixelEncoding } from './pixels.js';
import { outputStem, type RunStore } from './run-store.js';
import { HttpError } from './safe-paths.js';
import type { TrainingService } from './training-service.js';

const CHECKPOINTS: readonly WeightsChoice[] = ['best', 'final', 'latest'];

export class ServerContext {
  private readonly encodings = new WeakMap<DsaSequence, PixelEncoding>();

  constructor(
    readonly datastore: Datastore,
    readonly runs: RunStore,
    readonly jobs: JobRegistry,
    readonly inference: InferenceService,
    readonly training: TrainingService,
    readonly nextSample: NextSampleStrategy,
    /** The built page's folder. */
    readonly webDir: string,
    /** The shipped model, run ':default' (default-model-store.ts says where its maps go). */
    readonly defaultModel: DefaultModelStore = new DefaultModelStore(),
  ) {}

  /** The run names that may have stored maps: the run folders, newest first, then the default model. */
  runNames(): string[] {
    return [...this.runs.names(), ...(this.defaultModel.available ? [DEFAULT_MODEL_RUN] : [])];
  }

  /** How a sequence's values go out as pixels (computed once per loaded sequence). */
  encodingOf(seq: DsaSequence): PixelEncoding {
    let e = this.encodings.get(seq);
    if (!e) this.encodings.set(seq, (e = pixelEncoding(seq)));
    return e;
  }

  checkpointOf(value: unknown): WeightsChoice {
    const c = value ?? 'best';
    if (typeof c !== 'string' || !CHECKPOINTS.includes(c as WeightsChoice))
      throw new HttpError(400, `checkpoint must be best, final or latest, got ${JSON.stringify(c).slice(0, 40)}`);
    return c as WeightsChoice;
  }

  /** The run's weights file for `which`, checked to exist (404 names what the run has). */
  weightsOf(run: string, which: WeightsChoice): string {
    if (run === DEFAULT_MODEL_RUN) {
      if (which !== 'best') throw new HttpError(404, `the default model has only one checkpoint (best), not ${which}`);
      return this.defaultModel.weights();
    }
    const file = runPath(weightsRunDir(this.runs.dir(run), this.runs.config(run)), which);
    if (!existsSync(file)) throw new HttpError(404, `run '${run}' has no checkpoint_${which} yet`);
    return file;
  }

  /** The newest run with a checkpoint_best, or undefined. */
  newestTrainedRun(): string | undefined {
    return this.runs.names().find((n) => {
      try {
        return this.weightsOf(n, 'best') !== undefined;
      } catch {
        return false;
      }
    });
  }

  /** The stored probability map of sequence `id` by `run`; 404 when there is none, 422 when its size is wrong. */
  async predictionOf(id: string, run: string | undefined) {
    if (!run) throw new HttpError(400, 'run: required (?run=NAME)');
    const entry = await this.datastore.entry(id);
    const map = this.storedPrediction(run, entry);
    if (!map) throw new HttpError(404, `run '${run}' has no prediction of sequence ${entry.id} yet (POST /api/infer)`);
    if (map.width !== entry.width || map.height !== entry.height)
      throw new HttpError(
        422,
        `the stored prediction is ${map.width}x${map.height}, the sequence ${entry.width}x${entry.height}`,
      );
    return { entry, map };
  }

  /** The stored probability map of the sequence by `run` (a run folder or the default model), or undefined. */
  storedPrediction(run: string, e: SequenceEntry) {
    const stem = outputStem(this.datastore, e.id);
    return run === DEFAULT_MODEL_RUN
      ? this.defaultModel.prediction(this.datastore, stem)
      : this.runs.prediction(run, this.datastore, stem, e.split);
  }

  /** Whether `run` has a stored map of the sequence. */
  hasPrediction(run: string, e: SequenceEntry): boolean {
    const stem = outputStem(this.datastore, e.id);
    return run === DEFAULT_MODEL_RUN
      ? this.defaultModel.predictionFile(this.datastore, stem) !== undefined
      : this.runs.predictionFile(run, this.datastore, stem, e.split) !== undefined;
  }

  async labelled(id: string) {
    const seq = await this.datastore.load(id);
    if (!seq.label) throw new HttpError(404, `sequence ${seq.id} has no label`);
    return { seq, label: seq.label };
  }

  /**
   * Warms the inference worker up (inference.ts, WarmRequest) with the model a first click would most likely use --
   * the newest trained run, else the default model -- on the first readable sequence, in fast mode. Resolves with
   * the run, the sequence and the seconds taken, or null when there is nothing to warm or it failed.
   */
  async warmUp(): Promise<{ run: string; sequence: string; seconds: number } | null> {
    const run = this.newestTrainedRun() ?? (this.defaultModel.available ? DEFAULT_MODEL_RUN : undefined);
    const first = (await this.datastore.entries()).find((e) => e.width > 0);
    if (run === undefined || !first) return null;
    const seconds = await this.inference.warm({
      dataRoot: this.datastore.root,
      sequence: first.id,
      runDir: run === DEFAULT_MODEL_RUN ? '' : this.runs.dir(run),
      checkpoint: 'best',
      mode: 'fast',
    });
    return seconds === null ? null : { run, sequence: first.id, seconds };
  }

  /** Starts an inference job; returns at once with the job and a promise of its end. */
  startInfer(run: string, mode: InferMode, checkpoint: WeightsChoice, entry: SequenceEntry) {
    const job: Job = this.jobs.create('infer', { run, sequence: entry.id, mode, checkpoint });
    const done = this.inference.run(
      job,
      {
        dataRoot: this.datastore.root,
        sequence: entry.id,
        // An empty runDir makes the worker load the default model (inference-worker.ts).
        runDir: run === DEFAULT_MODEL_RUN ? '' : this.runs.dir(run),
        checkpoint,
        mode,
        outDir:
          run === DEFAULT_MODEL_RUN
            ? this.defaultModel.predictionDir(this.datastore)
            : this.runs.predictionDir(run, this.datastore),
        stem: outputStem(this.datastore, entry.id),
      },
      (r) => ({
        run,
        sequence: entry.id,
        mode,
        ...r,
        prediction: `/api/sequences/${encodeURIComponent(entry.id)}/prediction?run=${encodeURIComponent(run)}`,
      }),
    );
    return { job, done };
  }
}
