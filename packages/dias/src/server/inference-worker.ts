// The worker thread that segments sequences for `dias serve` (inference.ts starts it through the engine's
// TensorWorker), so a forward pass never holds up the server's event loop. Per request it reads the sequence
// with the datastore's readers, predicts it with the one Predictor (predict/predictor.ts) as `dias segment` does
// (fast: the whole frame without TTA, as --fast; full: stride 32 with flip TTA), and writes the files `dias segment`
// writes (eval/segment-case.ts, the same function). The last model loaded stays loaded until its weights file changes,
// so only the first request pays the load. A request with an empty runDir uses the default model that ships with
// the package (predict/default-model.ts; trained on synthetic data only), for a viewer with no trained run yet.
// `dias serve` warms it up at start (warm: load and segment once into a scratch folder it then removes), so that the
// first click does not pay libtorch's first forward pass.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveInWorker } from '@dias-ts/torch';
import { segmentCase } from '../eval/segment-case.js';
import { metricsOrNull } from '../eval/report.js';
import { Predictor } from '../predict/predictor.js';
import { defaultModelWeights } from '../predict/default-model.js';
import {
  loadRunModel,
  loadWeightsFile,
  runPath,
  weightsRunDir,
  readRunConfig,
  type LoadedModel,
  type WeightsChoice,
} from '../train/run-folder.js';
import { Datastore } from './datastore.js';
import { CANCELLED, CancelFlag } from './worker-job.js';
import {
  modeSettings,
  type InferProgress,
  type InferRequest,
  type InferResult,
  type WarmRequest,
  type WorkerInit,
} from './inference.js';

serveInWorker((data) => {
  const { port, cancel } = data as WorkerInit;
  let cached: { key: string; loaded: LoadedModel } | null = null;
  const stores = new Map<string, Datastore>();

  const model = (runDir: string, which: WeightsChoice): LoadedModel => {
    const file = runDir ? runPath(weightsRunDir(runDir, readRunConfig(runDir)), which) : defaultModelWeights();
    const key = `${file}@${statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0}`;
    if (cached?.key !== key) {
      cached?.loaded.model.dispose();
      cached = null;
      cached = { key, loaded: runDir ? loadRunModel(runDir, which) : loadWeightsFile(file) };
    }
    return cached.loaded;
  };

  /** The request's sequence and a predictor of its (cached) model. */
  const prepare = async (request: WarmRequest) => {
    const store = stores.get(request.dataRoot) ?? Datastore.open(request.dataRoot, 1);
    stores.set(request.dataRoot, store);
    const seq = await store.load(request.sequence);
    const loaded = model(request.runDir, request.checkpoint);
    const predictor = new Predictor(loaded.model, loaded.spec, {
      ...modeSettings(request.mode),
      frames: loaded.frames,
      // An artery/vein run also stores its class map (segmentCase), which GET .../classes serves.
      labels: loaded.labels,
    });
    return { seq, predictor };
  };

  return {
    /**
     * Loads the model and segments the sequence as a request would, into a scratch folder removed afterwards: the
     * next request of that size is then warm, its writing code too (after a warm-up that only predicted, the first
     * click at 800x800x8 was 0.25-0.65 s slower than the next; README, click-to-overlay).
     */
    async warm(request: WarmRequest): Promise<number> {
      const t0 = performance.now();
      const { seq, predictor } = await prepare(request);
      const scratch = mkdtempSync(join(tmpdir(), 'dias-warm-'));
      try {
        segmentCase(predictor, seq, { outDir: scratch, stem: 'warm' });
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
      return +((performance.now() - t0) / 1000).toFixed(3);
    },

    async predict(request: InferRequest): Promise<InferResult> {
      const t0 = performance.now();
      const { seq, predictor } = await prepare(request);
      const result = segmentCase(predictor, seq, {
        outDir: request.outDir,
        stem: request.stem,
        onProgress: (done, total) => {
          if (CancelFlag.raised(cancel)) throw new Error(CANCELLED);
          port.postMessage({ job: request.job, done, total } satisfies InferProgress);
        },
      });
      return {
        seconds: +((performance.now() - t0) / 1000).toFixed(3),
        width: seq.W,
        height: seq.H,
        vesselFraction: result.vesselFraction,
        metrics: result.metrics && metricsOrNull(result.metrics),
      };
    },
  };
});
