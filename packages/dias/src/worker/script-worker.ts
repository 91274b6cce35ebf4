// Starts a worker thread on a script of this package, from its sources or from dist/ alike: a caller running from
// its .ts file (tests, `--conditions=dias-source`) gets the .ts script through the tsx bootstrap (tsx-worker.mjs,
// which reads workerData.script), a compiled caller the .js script beside it.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The file a worker on script `name` starts from and the workerData it gets (for Worker or TensorWorker.start). */
export function scriptWorkerTarget(
  callerUrl: string,
  name: string,
  workerData: object,
): { url: URL; workerData: object } {
  if (callerUrl.endsWith('.ts')) {
    const script = new URL(`${name}.ts`, callerUrl).href;
    return { url: new URL('./tsx-worker.mjs', import.meta.url), workerData: { ...workerData, script } };
  }
  return { url: new URL(`${name}.js`, callerUrl), workerData };
}

/** A worker on the script `name` (a path relative to `callerUrl`, without extension), given workerData and transferList. */
export function startScriptWorker(
  callerUrl: string,
  name: string,
  workerData: object,
  transferList?: WorkerOptions['transferList'],
): Worker {
  const target = scriptWorkerTarget(callerUrl, name, workerData);
  return new Worker(target.url, { workerData: target.workerData, transferList });
}
