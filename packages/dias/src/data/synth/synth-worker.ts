// Worker-thread side of write-dataset.ts: generates and writes the sequences it is sent, one at a time, and
// answers with what dataset.json records about each (or the error).
import { parentPort, workerData } from 'node:worker_threads';
import { writeSequence, type SynthWorkerData } from './write-dataset.js';

if (parentPort) {
  const port = parentPort;
  const { out, seed, options } = workerData as SynthWorkerData;
  port.on('message', (msg: { id: number }) => {
    try {
      port.postMessage({ id: msg.id, record: writeSequence(out, seed, msg.id, options) });
    } catch (e) {
      port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
}
