// Data-parallel training for the loop: this process's place in a group of training processes (torchrun's
// environment: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT; DIAS_INIT_METHOD from the
// launcher on one machine), its share of every batch, and the collectives one step needs. Not in the official code
// (one process, one GPU); the design is PyTorch DistributedDataParallel's as nnU-Net uses it: the global batch is
// split between the processes, each rank's gradients are averaged after backward, rank 0 alone validates and
// writes the run folder.
import { distributed, tensor, type Tensor } from '@dias-ts/torch';
import type { SegmentationModel } from '../models/model-spec.js';

export interface DataParallelOptions {
  /** How long a collective may wait for the other processes (ms); default torch's 30 minutes. */
  timeoutMs?: number;
}

/** The group as the loop uses it. */
export interface DataParallel {
  rank: number;
  worldSize: number;
  /** Processes of the group on this machine (LOCAL_WORLD_SIZE; the whole group when unset). */
  localWorldSize: number;
  /** Rank 0 validates, logs and writes the run folder. */
  isMain: boolean;
  /** Makes every rank start from rank 0's weights and averages its gradients from then on. */
  wrap(model: SegmentationModel): distributed.DistributedDataParallel<SegmentationModel>;
  /** Means over the ranks of one number per entry (step losses). */
  mean(values: readonly number[]): number[];
  /** Rank 0's numbers, on every rank (the decisions only rank 0 can make: stop early, the epoch it resumed at). */
  fromMain(values: readonly number[]): number[];
  barrier(): void;
  close(): void;
}

function envInt(env: NodeJS.ProcessEnv, name: string): number | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0)
    throw new Error(`environment variable ${name}='${raw}' is not a non-negative integer`);
  return v;
}

/** The world size the environment asks for (WORLD_SIZE), 1 when unset. */
export function requestedWorldSize(env: NodeJS.ProcessEnv = process.env): number {
  return envInt(env, 'WORLD_SIZE') ?? 1;
}

/** A lost peer, reworded: the Gloo message alone does not say that another training process stopped. */
function collective<T>(what: string, rank: number, run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw new Error(
      `rank ${rank}: ${what} failed: another training process stopped or stopped answering (${(e as Error).message})`,
    );
  }
}

/**
 * Joins the group the environment describes (WORLD_SIZE > 1), or returns null for a single process. Blocks until
 * every rank has joined.
 */
export function joinDataParallel(
  options: DataParallelOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): DataParallel | null {
  const worldSize = requestedWorldSize(env);
  if (worldSize <= 1) return null;
  const rank = envInt(env, 'RANK');
  if (rank === null)
    throw new Error(
      `WORLD_SIZE is ${worldSize} but RANK is not set (start the processes with dias train --nproc, torchrun or a scheduler that sets both)`,
    );
  try {
    distributed.initProcessGroup({
      rank,
      worldSize,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      // The launcher's private rendezvous file on one machine (launch.ts); else torchrun's env://.
      ...(env.DIAS_INIT_METHOD ? { initMethod: env.DIAS_INIT_METHOD } : {}),
    });
  } catch (e) {
    const message = (e as Error).message;
    // A port another program holds is the command line's to change: a usage error (exit code 2).
    if (/rendezvous port \d+ is in use/.test(message))
      throw Object.assign(new Error(`${message.replace(/^distInitProcessGroup: /, '')} (--master-port, MASTER_PORT)`), {
        exitCode: 2,
      });
    throw e;
  }
  const exchange = (values: readonly number[], run: (t: Tensor) => void): number[] => {
    const t = tensor([...values], { dtype: 'float64' });
    try {
      run(t);
      return t.toArray();
    } finally {
      t.dispose();
    }
  };
  return {
    rank,
    worldSize,
    localWorldSize: envInt(env, 'LOCAL_WORLD_SIZE') ?? worldSize,
    isMain: rank === 0,
    wrap: (model) =>
      collective('sharing the initial weights', rank, () => new distributed.DistributedDataParallel(model)),
    mean: (values) =>
      exchange(values, (t) => collective('averaging the losses', rank, () => distributed.allReduce(t, { op: 'avg' }))),
    fromMain: (values) =>
      exchange(values, (t) =>
        collective("receiving rank 0's decision", rank, () => distributed.broadcast(t, { src: 0 })),
      ),
    barrier: () => collective('waiting for the other processes', rank, () => distributed.barrier()),
    close: () => distributed.destroyProcessGroup(),
  };
}

/**
 * The step's gradient averaging over the wrapped networks. With one trained network its all-reduces start during
 * the last backward (DistributedDataParallel.prepareForBackward); with several, their hooks would interleave in
 * the autograd engine's order, so they are reduced after it, one network after the other, the same on every rank.
 */
export function gradientSync(
  rank: number,
  wrapped: readonly distributed.DistributedDataParallel[],
): { beforeLastBackward(): void; afterBackward(): void } {
  return {
    beforeLastBackward: () => {
      if (wrapped.length === 1) wrapped[0].prepareForBackward();
    },
    afterBackward: () =>
      collective('averaging the gradients', rank, () => {
        for (const w of wrapped) w.syncGradients();
      }),
  };
}
