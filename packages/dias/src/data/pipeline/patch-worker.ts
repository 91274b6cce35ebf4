// Worker-thread side of prefetch.ts: holds the (shared, read-only) sequences and the sampling settings, and
// answers each request for batch i with generatePatchBatch(i), its buffers transferred, not copied.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { generatePatchBatch, type PatchBatch, type PatchSamplerConfig, type SequenceArrays } from './patch-sampler.js';

/** What prefetch.ts hands each worker at start (sequences on SharedArrayBuffers, so never copied again). */
export interface PatchWorkerInit {
  sequences: SequenceArrays[];
  config: PatchSamplerConfig;
  seed: number;
}

export type PatchWorkerRequest = { index: number };
export type PatchWorkerReply = { index: number; batch: PatchBatch } | { index: number; error: string };

function transferables(b: PatchBatch): ArrayBuffer[] {
  const arrays = [b.images, b.images2, b.labels, b.scribbles, b.sequenceIndex, b.origin, b.orientation, b.fromPool];
  return arrays.filter((a) => a !== undefined).map((a) => a.buffer as ArrayBuffer);
}

// Requests come and replies go on the MessagePort prefetch.ts hands over at start (so it can drain replies
// synchronously); parentPort only signals that this file runs as a worker.
if (parentPort) {
  const { init, port } = workerData as { init: PatchWorkerInit; port: MessagePort };
  port.on('message', (msg: PatchWorkerRequest) => {
    let reply: PatchWorkerReply;
    try {
      const batch = generatePatchBatch(init.sequences, init.config, init.seed, msg.index);
      port.postMessage({ index: msg.index, batch } satisfies PatchWorkerReply, transferables(batch));
      return;
    } catch (e) {
      reply = { index: msg.index, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    port.postMessage(reply);
  });
}
