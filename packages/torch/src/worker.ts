// Long work off the main thread. A worker thread loads the same addon; tensors cross between threads without a
// copy (each side holds its own reference to the same libtorch tensor). A server keeps answering while a worker
// runs a big forward pass:
//
//   // model-worker.ts                              // main thread
//   serveInWorker({ forward: (x) => net(x) });      const w = await TensorWorker.start(new URL('./model-worker.js', import.meta.url));
//                                                   const y = await w.call('forward', x);   // x, y: Tensor
//
// A tensor handed over stays usable on both sides; do not modify it in place while the other side works on it.
import { Worker, isMainThread, parentPort, workerData, type WorkerOptions } from 'node:worker_threads';
import { native } from './native.js';
import { Tensor } from './tensor.js';
import { dispose } from './scope.js';

type Encoded = unknown;

function encode(value: unknown): Encoded {
  if (value instanceof Tensor) return { __tensor: native.shareHandle(value.handle) as bigint };
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  }
  return value;
}

function decode(value: Encoded): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    const shared = (value as { __tensor?: bigint }).__tensor;
    if (typeof shared === 'bigint') return new Tensor(native.adoptHandle(shared));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  }
  return value;
}

interface Request {
  id: number;
  method: string;
  args: Encoded;
}
interface Reply {
  id: number;
  result?: Encoded;
  error?: string;
}

/** The methods a worker offers; each may be async and may take and return tensors (also in arrays/objects). */
export type WorkerApi = Record<string, (...args: never[]) => unknown>;

/**
 * Called in the worker script: answers TensorWorker.call(). `api` may be a factory (run once, with the worker's
 * workerData) for set-up such as loading weights. Tensors that arrive and results sent back are released here.
 */
export function serveInWorker(api: WorkerApi | ((data: unknown) => WorkerApi | Promise<WorkerApi>)): void {
  if (isMainThread || !parentPort) throw new Error('serveInWorker() must run inside a worker thread');
  const port = parentPort;
  const ready = Promise.resolve(typeof api === 'function' ? api(workerData) : api);
  const answer = async (request: Request): Promise<void> => {
    let reply: Reply;
    let args: unknown[] = [];
    try {
      const methods = await ready;
      const fn = methods[request.method];
      if (typeof fn !== 'function') throw new Error(`the worker has no method '${request.method}'`);
      args = decode(request.args) as unknown[];
      const result = await (fn as (...a: unknown[]) => unknown)(...args);
      reply = { id: request.id, result: encode(result) };
      dispose(result);
    } catch (e) {
      reply = { id: request.id, error: e instanceof Error ? e.message : String(e) };
    }
    dispose(args);
    port.postMessage(reply);
  };
  // Requests are answered as they come. answer() turns what a method throws into an error reply; a failure past
  // that (a reply that cannot be sent) rejects unhandled and ends the worker, which the main thread reports.
  port.on('message', (request: Request) => void answer(request));
  port.postMessage({ id: -1 });
}

/** The main thread's side of a worker started from a script that calls serveInWorker(). */
export class TensorWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiting.reject(new Error(reply.error));
      else waiting.resolve(decode(reply.result));
    });
    worker.on('error', (e) => this.failAll(e));
    worker.on('exit', (code) => this.failAll(new Error(`the worker exited (code ${code})`)));
  }

  private failAll(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  /** Starts the worker script and waits until it serves. */
  static start(script: URL | string, options: WorkerOptions = {}): Promise<TensorWorker> {
    const worker = new Worker(script, options);
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      worker.once('error', onError);
      worker.once('message', (first: Reply) => {
        worker.off('error', onError);
        if (first.id === -1) resolve(new TensorWorker(worker));
        else reject(new Error('the worker did not start with serveInWorker()'));
      });
    });
  }

  /** Calls a method in the worker; tensors go and come back without copies. */
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args: encode(args) } satisfies Request);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}
