// The one way a job of `dias serve` runs in a worker thread: the cancel flag both sides share, and the call whose
// outcome ends the job (done with the result, cancelled when the worker stopped on the flag, failed with the
// message otherwise). The inference service (one long-lived worker, requests in turn) and the training service
// (a fresh worker per run) differ only in how they start workers and pass progress.
import type { TensorWorker } from '@dias-ts/torch';
import type { Job } from './jobs.js';

/** The message a worker's request fails with when it stopped because the flag was raised. */
export const CANCELLED = 'cancelled';

/** A flag in shared memory: the server raises it, the worker reads it between steps and stops. */
export class CancelFlag {
  /** What the worker gets (in workerData: TensorWorker.call passes plain values and tensors only). */
  readonly shared = new Int32Array(new SharedArrayBuffer(4));

  raise(): void {
    Atomics.store(this.shared, 0, 1);
  }

  clear(): void {
    Atomics.store(this.shared, 0, 0);
  }

  /** In the worker: whether the server asked to stop. */
  static raised(shared: Int32Array): boolean {
    return Atomics.load(shared, 0) !== 0;
  }
}

/**
 * Calls `method(request)` on the worker and ends `job` with its outcome; `beforeEnd` runs first either way (to pass
 * on events still queued). Resolves with the result, or undefined when the job did not finish.
 */
export async function runInWorker<R>(
  job: Job,
  worker: Promise<TensorWorker>,
  method: string,
  request: unknown,
  options: { result?: (r: R) => unknown; beforeEnd?: () => void } = {},
): Promise<R | undefined> {
  try {
    const result = await (await worker).call<R>(method, request);
    options.beforeEnd?.();
    job.finish('done', options.result ? options.result(result) : result);
    return result;
  } catch (e) {
    options.beforeEnd?.();
    const message = (e as Error).message;
    if (message === CANCELLED) job.finish('cancelled', null);
    else job.finish('failed', { error: message });
    return undefined;
  }
}
