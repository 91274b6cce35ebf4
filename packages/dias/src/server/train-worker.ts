// The worker thread of a `dias serve` training job (training.ts starts one per job through the engine's
// TensorWorker): it runs train, the very function `dias train` runs, and turns the loop's events into messages for
// the job's event stream. Cancelling sets a shared flag that the worker reads at each event and turns into the
// run's AbortSignal: the loop stops before the next step (or validated sequence) through its own clean-up, and the
// run folder keeps its last whole epoch (resumable).
import { serveInWorker } from '@dias-ts/torch';
import { train } from '../train/index.js';
import { CANCELLED, CancelFlag } from './worker-job.js';
import type { TrainMessage, TrainRequest, TrainSummary, TrainWorkerInit } from './training-service.js';

serveInWorker((data) => {
  const { port, cancel } = data as TrainWorkerInit;
  return {
    async train(request: TrainRequest): Promise<TrainSummary> {
      const post = (m: TrainMessage) => port.postMessage(m);
      // The flag lives in shared memory: it is read at each event, and the run stops through its AbortSignal.
      const controller = new AbortController();
      const poll = () => {
        if (!controller.signal.aborted && CancelFlag.raised(cancel)) controller.abort(new Error(CANCELLED));
      };
      let at = { epoch: 0, epochs: 0, steps: 0 };
      const result = await train({
        config: request.config,
        runDir: request.runDir,
        signal: controller.signal,
        events: {
          log: (line) => post({ type: 'log', line }),
          epochStart(epoch, epochs, steps) {
            poll();
            at = { epoch, epochs, steps };
          },
          step(index, losses, lr) {
            post({ type: 'progress', ...at, step: index + 1, losses: { ...losses }, lr });
            poll();
          },
          validationSequence: poll,
          epoch: (entry) => post({ type: 'epoch', entry }),
        },
      });
      return { epochs: result.epochs, finished: result.finished, best: result.best };
    },
  };
});
