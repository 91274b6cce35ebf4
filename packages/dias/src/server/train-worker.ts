// The worker thread of a `dias serve` training job (training.ts starts one per job through the engine's
// TensorWorker): it runs trainRun, the very function `dias train` runs, and turns the loop's events into
// messages for the job's event stream. Cancelling sets a shared flag that the next step (or validated sequence)
// sees; the loop then ends through its own clean-up, and the run folder keeps its last whole epoch (resumable).
import { serveInWorker } from '@dias-ts/torch';
import { trainRun } from '../train/index.js';
import { CANCELLED, CancelFlag } from './worker-job.js';
import type { TrainMessage, TrainRequest, TrainSummary, TrainWorkerInit } from './training-service.js';

serveInWorker((data) => {
  const { port, cancel } = data as TrainWorkerInit;
  return {
    async train(request: TrainRequest): Promise<TrainSummary> {
      const post = (m: TrainMessage) => port.postMessage(m);
      const check = () => {
        if (CancelFlag.raised(cancel)) throw new Error(CANCELLED);
      };
      let at = { epoch: 0, epochs: 0, steps: 0 };
      const result = await trainRun({
        config: request.config,
        runDir: request.runDir,
        events: {
          log: (line) => post({ type: 'log', line }),
          epochStart(epoch, epochs, steps) {
            check();
            at = { epoch, epochs, steps };
          },
          step(index, losses, lr) {
            post({ type: 'progress', ...at, step: index + 1, losses: { ...losses }, lr });
            check();
          },
          validationSequence: check,
          epoch: (entry) => post({ type: 'epoch', entry }),
        },
      });
      return { epochs: result.epochs, finished: result.finished, best: result.best };
    },
  };
});
