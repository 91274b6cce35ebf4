// Training jobs of `dias serve`: one at a time, each in a fresh worker thread (train-worker.ts) running the same
// trainRun as `dias train`, so the server keeps answering. One at a time because the machine's cores are the
// limit: two runs would only halve each other. Events (log lines, progress, epochs) arrive on a MessagePort; the
// end comes through runInWorker (worker-job.ts) like an inference's.
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { TensorWorker } from '@dias-ts/torch';
import { scriptWorkerTarget } from '../worker/script-worker.js';
import type { TrainConfig } from '../train/config.js';
import type { EpochLog, ResumeRecord } from '../train/run-folder.js';
import type { Job } from './jobs.js';
import { CancelFlag, runInWorker } from './worker-job.js';

export interface TrainRequest {
  config: TrainConfig;
  runDir: string;
}

/** The worker's start data: the event port and the cancel flag (in workerData: TensorWorker.call passes plain values). */
export interface TrainWorkerInit {
  port: MessagePort;
  cancel: Int32Array;
}

export interface TrainSummary {
  epochs: number;
  finished: boolean;
  best: ResumeRecord['best'];
}

export type TrainMessage =
  | { type: 'log'; line: string }
  | {
      type: 'progress';
      epoch: number;
      epochs: number;
      step: number;
      steps: number;
      losses: Record<string, number>;
      lr: number;
    }
  | { type: 'epoch'; entry: EpochLog };

/** Runs one training job at a time, each in a fresh worker thread that ends with it. */
export class TrainingService {
  private current: { job: Job; worker: Promise<TensorWorker> } | null = null;

  /** The running job (one that has ended is not, while its worker is still being stopped). */
  get busy(): Job | null {
    const job = this.current?.job;
    return job?.running ? job : null;
  }

  /** Starts the run as `job` (the caller has checked that none is running); the job ends with the run. */
  start(job: Job, runDir: string, config: TrainConfig): Promise<void> {
    const cancel = new CancelFlag();
    job.cancel = () => cancel.raise();
    const channel = new MessageChannel();
    const forward = (m: TrainMessage) => {
      if (m.type === 'log') job.emit('log', { line: m.line });
      else if (m.type === 'epoch') job.emit('epoch', m.entry);
      else {
        const { type: _type, ...progress } = m;
        job.emit('progress', progress);
      }
    };
    channel.port1.on('message', forward);
    // The result comes on another channel than the events: those still queued are passed on before the end.
    const drain = () => {
      for (let m = receiveMessageOnPort(channel.port1); m; m = receiveMessageOnPort(channel.port1))
        forward(m.message as TrainMessage);
    };
    const target = scriptWorkerTarget(import.meta.url, './train-worker', {
      port: channel.port2,
      cancel: cancel.shared,
    } satisfies TrainWorkerInit);
    const worker = TensorWorker.start(target.url, { workerData: target.workerData, transferList: [channel.port2] });
    this.current = { job, worker };
    return (async () => {
      try {
        await runInWorker<TrainSummary>(job, worker, 'train', { config, runDir } satisfies TrainRequest, {
          beforeEnd: drain,
          result: (summary) => ({ run: job.details.run, ...summary }),
        });
      } finally {
        await (await worker.catch(() => null))?.terminate();
        channel.port1.close();
        if (this.current?.job === job) this.current = null;
      }
    })();
  }

  /** Cancels a running job and waits for its worker to stop. */
  async close(): Promise<void> {
    const job = this.current?.job;
    if (!job) return;
    job.cancel();
    await job.whenEnded();
  }
}
