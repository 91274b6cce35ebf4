// What the routes of `dias serve` share: the dataset, the run folders, the jobs and the two worker services, and
// the few questions several routes ask of them (which checkpoint, which stored map, start an inference). A route
// file asks these; it holds no state of its own. MONAI Label's app object plays this part for its endpoints.
import { existsSync } from 'node:fs';
import type { DsaSequence } from '../data/sequence.js';
import { runPath, weightsRunDir, type WeightsChoice } from '../train/run-folder.js';
import type { Datastore, SequenceEntry } from './datastore.js';
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
  ) {}

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
    const map = this.runs.prediction(run, this.datastore, outputStem(this.datastore, entry.id), entry.split);
    if (!map) throw new HttpError(404, `run '${run}' has no prediction of sequence ${entry.id} yet (POST /api/infer)`);
    if (map.width !== entry.width || map.height !== entry.height)
      throw new HttpError(
        422,
        `the stored prediction is ${map.width}x${map.height}, the sequence ${entry.width}x${entry.height}`,
      );
    return { entry, map };
  }

  /** Whether `run` has a stored map of the sequence. */
  hasPrediction(run: string, e: SequenceEntry): boolean {
    return this.runs.predictionFile(run, this.datastore, outputStem(this.datastore, e.id), e.split) !== undefined;
  }

  async labelled(id: string) {
    const seq = await this.datastore.load(id);
    if (!seq.label) throw new HttpError(404, `sequence ${seq.id} has no label`);
    return { seq, label: seq.label };
  }

  /** Starts an inference job; returns at once with the job and a promise of its end. */
  startInfer(run: string, mode: InferMode, checkpoint: WeightsChoice, entry: SequenceEntry) {
    const job: Job = this.jobs.create('infer', { run, sequence: entry.id, mode, checkpoint });
    const done = this.inference.run(
      job,
      {
        dataRoot: this.datastore.root,
        sequence: entry.id,
        runDir: this.runs.dir(run),
        checkpoint,
        mode,
        outDir: this.runs.predictionDir(run, this.datastore),
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
