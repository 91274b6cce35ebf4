// Starts a worker thread on a script of this package, from its sources or from dist/ alike: a caller running from
// its .ts file (tests, `--conditions=dias-source`) gets the .ts script through the tsx bootstrap (tsx-worker.mjs,
// which reads workerData.script), a compiled caller the .js script beside it.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** A worker on the script `name` (a path relative to `callerUrl`, without extension), given workerData and transferList. */
export function startScriptWorker(callerUrl: string, name: string, workerData: object, transferList?: WorkerOptions['transferList']): Worker {
  if (callerUrl.endsWith('.ts')) {
    const script = new URL(`${name}.ts`, callerUrl).href;
    return new Worker(new URL('./tsx-worker.mjs', import.meta.url), { workerData: { ...workerData, script }, transferList });
  }
  return new Worker(new URL(`${name}.js`, callerUrl), { workerData, transferList });
}
