// Training batches prepared ahead in worker threads, so the training loop does not wait on cropping and
// augmentation. The sequences are copied once onto SharedArrayBuffers that every worker reads; each batch
// comes back by transfer. Batch i is always generatePatchBatch(seed, i) -- whichever worker makes it and
// whenever it finishes -- and next() hands batches out in index order, so the stream equals PatchSampler's.
// Each worker answers on its own MessagePort, which next() drains synchronously (receiveMessageOnPort): a batch
// finished while the training step kept the thread busy is handed over at once, without an event-loop turn.
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import {
  checkSeed,
  generatePatchBatch,
  resolvePatchSamplerConfig,
  type PatchBatch,
  type PatchSamplerConfig,
  type PatchSamplerOptions,
  type PatchSamplerState,
  type SequenceArrays,
} from './patch-sampler.js';
import type { PatchWorkerInit, PatchWorkerReply } from './patch-worker.js';
import { startScriptWorker } from '../../worker/script-worker.js';

export interface PrefetchOptions extends PatchSamplerOptions {
  /** Worker threads (default min(4, cores - 1), at least 1); 0 generates on the calling thread inside next(). */
  workers?: number;
  /** Batches prepared ahead of the consumer at most (default 2 per worker, at least 2). Bounds memory. */
  queueSize?: number;
  /** Index of the first batch (resuming a run: the nextIndex of a saved state). */
  startIndex?: number;
}

function fail(msg: string): never {
  throw new Error(`prefetch: ${msg}`);
}

/** A copy of a typed array on a SharedArrayBuffer (or the array itself when it already is on one). */
function shared<A extends Float32Array | Uint8Array>(a: A): A {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const copy = new (a.constructor as new (b: SharedArrayBuffer) => A)(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}

/**
 * The sequences with their arrays on SharedArrayBuffers (copied once; arrays already shared are kept). A caller
 * short of memory can build the prefetcher from these and drop its own copies.
 */
export function shareSequences(sequences: readonly SequenceArrays[]): SequenceArrays[] {
  return sequences.map((s) => ({
    id: s.id,
    T: s.T,
    H: s.H,
    W: s.W,
    frames: shared(s.frames),
    label: s.label ? shared(s.label) : undefined,
    scribble: s.scribble ? shared(s.scribble) : undefined,
  }));
}

function startWorker(init: PatchWorkerInit, port: MessagePort): Worker {
  return startScriptWorker(import.meta.url, './patch-worker', { init, port }, [port]);
}

/** A worker thread and the port it takes requests on and answers on. */
interface Channel {
  worker: Worker;
  port: MessagePort;
}

interface Waiter {
  resolve: (b: PatchBatch) => void;
  reject: (e: Error) => void;
}

export class PatchPrefetcher implements AsyncIterable<PatchBatch> {
  readonly config: PatchSamplerConfig;
  readonly seed: number;
  readonly queueSize: number;
  private readonly channels: Channel[] = [];
  /** One entry per request a worker could take now. */
  private readonly idle: Channel[] = [];
  private readonly ready = new Map<number, PatchBatch>();
  private readonly waiters = new Map<number, Waiter>();
  private readonly sequences: readonly SequenceArrays[];
  /** Next index next() will hand out. */
  private claimed: number;
  /** Next index to ask a worker for. */
  private requested: number;
  private failure: Error | null = null;
  private closed = false;

  constructor(sequences: readonly SequenceArrays[], options: PrefetchOptions = {}) {
    this.config = resolvePatchSamplerConfig(sequences, options);
    this.seed = checkSeed(options.seed ?? 0);
    const workers = options.workers ?? Math.min(4, Math.max(1, availableParallelism() - 1));
    if (!Number.isInteger(workers) || workers < 0) fail(`workers must be a non-negative integer, got ${workers}`);
    const queueSize = options.queueSize ?? Math.max(2, 2 * workers);
    if (!Number.isInteger(queueSize) || queueSize < 1) fail(`queueSize must be a positive integer, got ${queueSize}`);
    const start = options.startIndex ?? 0;
    if (!Number.isSafeInteger(start) || start < 0) fail(`startIndex must be a non-negative integer, got ${start}`);
    this.queueSize = queueSize;
    this.claimed = this.requested = start;
    if (workers === 0) {
      this.sequences = sequences;
      return;
    }
    this.sequences = shareSequences(sequences);
    const init: PatchWorkerInit = { sequences: [...this.sequences], config: this.config, seed: this.seed };
    for (let i = 0; i < workers; i++) {
      const { port1, port2 } = new MessageChannel();
      const worker = startWorker(init, port2);
      const ch: Channel = { worker, port: port1 };
      port1.on('message', (m: PatchWorkerReply) => this.onReply(ch, m));
      worker.on('error', (e) => this.onFailure(new Error(`prefetch worker failed: ${e.message}`, { cause: e })));
      worker.on('exit', (code) => {
        if (!this.closed) this.onFailure(new Error(`prefetch worker exited unexpectedly (code ${code})`));
      });
      this.channels.push(ch);
      // Two requests queued per worker, so it starts the next batch without waiting for the main thread.
      this.idle.push(ch, ch);
    }
    this.pump();
  }

  /** The next batch of the run (batch startIndex first). */
  next(): Promise<PatchBatch> {
    if (this.closed) return Promise.reject(new Error('prefetch: next() after close()'));
    if (this.failure) return Promise.reject(this.failure);
    const i = this.claimed++;
    if (this.channels.length === 0) {
      try {
        return Promise.resolve(generatePatchBatch(this.sequences, this.config, this.seed, i));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    // Take in whatever the workers have finished meanwhile.
    for (const ch of this.channels) {
      for (let m = receiveMessageOnPort(ch.port); m; m = receiveMessageOnPort(ch.port))
        this.onReply(ch, m.message as PatchWorkerReply);
    }
    // onReply() may have failed the run just now; TypeScript still narrows this.failure to null from the test above.
    const failure = this.failure as Error | null;
    if (failure) return Promise.reject(failure);
    const b = this.ready.get(i);
    if (b) {
      this.ready.delete(i);
      this.pump();
      return Promise.resolve(b);
    }
    const p = new Promise<PatchBatch>((resolve, reject) => this.waiters.set(i, { resolve, reject }));
    this.pump();
    return p;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<PatchBatch> {
    for (;;) yield await this.next();
  }

  /** Worker threads in use (0: batches are made inside next()). */
  get workerCount(): number {
    return this.channels.length;
  }

  /** Where the run stands: the index of the next batch next() will return. */
  getState(): PatchSamplerState {
    return { seed: this.seed, nextIndex: this.claimed };
  }

  /** Stops the workers; batches not yet taken are dropped and pending next() calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rejectWaiters(new Error('prefetch: closed'));
    this.ready.clear();
    for (const ch of this.channels) ch.port.close();
    await Promise.all(this.channels.map((ch) => ch.worker.terminate()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Keeps idle workers busy on the batches within queueSize of the consumer. */
  private pump(): void {
    if (this.closed || this.failure) return;
    while (this.idle.length > 0 && this.requested < this.claimed + this.queueSize) {
      this.idle.pop()!.port.postMessage({ index: this.requested++ });
    }
  }

  private onReply(ch: Channel, m: PatchWorkerReply): void {
    if (this.closed) return;
    this.idle.push(ch);
    if ('error' in m) {
      this.onFailure(new Error(`prefetch: batch ${m.index} failed in a worker: ${m.error}`));
      return;
    }
    const waiter = this.waiters.get(m.index);
    if (waiter) {
      this.waiters.delete(m.index);
      waiter.resolve(m.batch);
    } else {
      this.ready.set(m.index, m.batch);
    }
    this.pump();
  }

  private onFailure(e: Error): void {
    if (this.closed || this.failure) return;
    this.failure = e;
    this.rejectWaiters(e);
  }

  private rejectWaiters(e: Error): void {
    for (const w of this.waiters.values()) w.reject(e);
    this.waiters.clear();
  }
}
