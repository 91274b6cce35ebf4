// Segmentation for `dias serve`, off the event loop: one worker thread (inference-worker.ts, started through the
// engine's TensorWorker on first use) runs the requests one after another; each is a job whose progress (patches
// done) arrives on a MessagePort and whose cancel flag is a shared Int32Array the worker checks between batches.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { TensorWorker } from '@dias-ts/torch';
import { scriptWorkerTarget } from '../worker/script-worker.js';
import { FAST_PREDICTION, type PredictorOptions } from '../predict/predictor.js';
import type { WeightsChoice } from '../train/run-folder.js';
import type { Job } from './jobs.js';
import { CancelFlag, runInWorker } from './worker-job.js';

export type InferMode = 'fast' | 'full';

/** One segmentation, as the worker gets it. */
export interface InferRequest {
  job: string;
  dataRoot: string;
  sequence: string;
  runDir: string;
  checkpoint: WeightsChoice;
  mode: InferMode;
  /** Where the outputs go, and their file stem (s12). */
  outDir: string;
  stem: string;
}

/**
 * What the worker gets at start: the port for progress, and the cancel flag (non-zero asks the running request to
 * stop at its next batch of patches). The flag lives in workerData because TensorWorker.call passes plain values
 * and tensors only; the worker runs one request at a time, so one flag serves them all.
 */
export interface WorkerInit {
  port: MessagePort;
  cancel: Int32Array;
}

export interface InferResult {
  seconds: number;
  width: number;
  height: number;
  vesselFraction: number;
  metrics: Record<string, number | null> | null;
}

/**
 * A warm-up: load the model and segment one sequence into a scratch folder (removed after; nothing is left in the
 * data or run folders), so that the first click of the viewer does not pay libtorch's first forward pass (oneDNN's
 * kernels for that size, the allocator's memory) nor the first run of the writing code.
 */
export interface WarmRequest {
  dataRoot: string;
  sequence: string;
  runDir: string;
  checkpoint: WeightsChoice;
  mode: InferMode;
}

/** Progress messages on the port the worker gets. */
export interface InferProgress {
  job: string;
  done: number;
  total: number;
}

/** The prediction settings of a mode: `dias segment --fast`'s, or the Predictor's defaults (stride 32, flip TTA). */
export function modeSettings(mode: InferMode): Partial<PredictorOptions> {
  return mode === 'fast' ? { ...FAST_PREDICTION } : {};
}

export class InferenceService {
  private worker: Promise<TensorWorker> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly channel = new MessageChannel();
  private readonly onProgress = new Map<string, (p: InferProgress) => void>();
  private readonly cancelFlag = new CancelFlag();

  constructor() {
    this.channel.port1.on('message', (p: InferProgress) => this.onProgress.get(p.job)?.(p));
    this.channel.port1.unref();
  }

  private start(): Promise<TensorWorker> {
    if (!this.worker) {
      const target = scriptWorkerTarget(import.meta.url, './inference-worker', {
        port: this.channel.port2,
        cancel: this.cancelFlag.shared,
      } satisfies WorkerInit);
      this.worker = TensorWorker.start(target.url, {
        workerData: target.workerData,
        transferList: [this.channel.port2],
      });
      this.worker.catch(() => (this.worker = null));
    }
    return this.worker;
  }

  /**
   * Runs the request as `job` once the requests before it are done; progress and the end go to the job (done with
   * the result, failed with the message, cancelled). Resolves with the result, or undefined when it did not finish.
   */
  run(
    job: Job,
    request: Omit<InferRequest, 'job'>,
    onResult?: (r: InferResult) => unknown,
  ): Promise<InferResult | undefined> {
    let started = false;
    job.cancel = () => {
      if (started) this.cancelFlag.raise();
      else job.finish('cancelled', null);
    };
    const work = async (): Promise<InferResult | undefined> => {
      if (!job.running) return undefined;
      started = true;
      this.cancelFlag.clear();
      this.onProgress.set(job.id, (p) => job.emit('progress', { done: p.done, total: p.total }));
      const inWorker: InferRequest = { ...request, job: job.id };
      try {
        return await runInWorker<InferResult>(job, this.start(), 'predict', inWorker, { result: onResult });
      } finally {
        this.onProgress.delete(job.id);
      }
    };
    const next = this.queue.then(work, work);
    this.queue = next;
    return next;
  }

  /**
   * Queues a warm-up (WarmRequest) before any later request; resolves with its seconds, or null when it failed
   * (a warm-up is a courtesy: the request it prepares for reports its own errors).
   */
  warm(request: WarmRequest): Promise<number | null> {
    const work = async () => {
      try {
        return await (await this.start()).call<number>('warm', request);
      } catch {
        return null;
      }
    };
    const next = this.queue.then(work, work);
    this.queue = next;
    return next;
  }

  async close(): Promise<void> {
    this.channel.port1.close();
    const worker = this.worker;
    this.worker = null;
    if (worker) await (await worker.catch(() => null))?.terminate();
  }
}
