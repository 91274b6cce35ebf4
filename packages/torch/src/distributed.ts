// Data-parallel training across processes and machines, through libtorch's c10d (native/distributed.cc): a process
// group with a TCPStore rendezvous, collectives, and a DistributedDataParallel-style gradient averager.
//
// Follows torch.distributed (init_process_group with torchrun's environment variables, all_reduce, broadcast,
// barrier, destroy_process_group) and torch.nn.parallel.DistributedDataParallel's idea (parameters and buffers
// from rank 0 at wrap time; gradients averaged in flat buckets). Deviations:
// - collectives are synchronous and reduce a list of independent tensors in one call;
// - overlap with backward is asked for per backward (prepareForBackward; torch's no_sync is the opposite
//   default), and the bucket layout is fixed at construction (reverse parameter order; torch rebuilds it from the
//   order gradients arrived in during the first step);
// - a parameter that got no gradient on this rank contributes zeros instead of raising (torch's
//   find_unused_parameters=False would fail the step).
import { fileURLToPath } from 'node:url';
import { native } from './native.js';
import { Tensor } from './tensor.js';
import { noGrad } from './autograd.js';
import type { Module } from './nn/module.js';

export { freePort } from './free-port.js';

export type Backend = 'gloo' | 'nccl';
export type ReduceOp = 'sum' | 'avg';

export interface InitProcessGroupOptions {
  /** 'gloo' (CPU tensors; the one built in) or 'nccl' (needs a CUDA build of libtorch with NCCL). */
  backend?: Backend;
  /** This process's rank, 0..worldSize-1; default $RANK. */
  rank?: number;
  /** Number of processes; default $WORLD_SIZE. */
  worldSize?: number;
  /** Host of rank 0, which serves the rendezvous store; default $MASTER_ADDR, else 127.0.0.1. */
  masterAddr?: string;
  /** Port of the rendezvous store on rank 0; default $MASTER_PORT, else 29500. */
  masterPort?: number;
  /**
   * How long the rendezvous and each collective may wait for the other ranks, in milliseconds; default 30 minutes
   * as torch's. A peer that dies usually makes a collective fail at once (its connection closes); the timeout is
   * for peers that hang.
   */
  timeoutMs?: number;
  /** How long to wait for every rank to join; default timeoutMs. Starting many processes can take longer than a step. */
  rendezvousTimeoutMs?: number;
  /**
   * How the ranks meet, as torch's init_method: 'env://' (default; a TCPStore that rank 0 hosts at masterAddr:
   * masterPort) or 'file:///absolute/path' (a FileStore: a file every rank can open, no listening socket). libtorch
   * 1.13's TCPStore listens on every interface of rank 0's machine, whatever masterAddr is; a group on one machine
   * is better started with a file in a private folder (the dias launcher does so).
   */
  initMethod?: string;
}

export interface ProcessGroupState {
  rank: number;
  worldSize: number;
  backend: Backend;
  timeoutMs: number;
  /** Why the group is unusable (an earlier collective failed), or null. */
  broken: string | null;
}

export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
const DEFAULT_BUCKET_MB = 25;

function envInt(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value))
    throw new Error(`initProcessGroup: environment variable ${name}='${raw}' is not an integer`);
  return value;
}

/**
 * The options initProcessGroup would use: the given ones, else torchrun's environment variables (RANK, WORLD_SIZE,
 * MASTER_ADDR, MASTER_PORT), else the single-machine defaults. Throws naming what is missing or invalid.
 */
export function resolveInitOptions(
  options: InitProcessGroupOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Required<InitProcessGroupOptions> {
  const rank = options.rank ?? envInt('RANK', env);
  const worldSize = options.worldSize ?? envInt('WORLD_SIZE', env);
  if (rank === undefined) throw new Error('initProcessGroup: no rank given and RANK is not set');
  if (worldSize === undefined) throw new Error('initProcessGroup: no worldSize given and WORLD_SIZE is not set');
  if (!Number.isInteger(worldSize) || worldSize < 1)
    throw new Error(`initProcessGroup: worldSize must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize)
    throw new Error(`initProcessGroup: rank ${rank} is outside 0..${worldSize - 1}`);
  const masterPort = options.masterPort ?? envInt('MASTER_PORT', env) ?? 29500;
  if (!Number.isInteger(masterPort) || masterPort < 1 || masterPort > 65535)
    throw new Error(`initProcessGroup: masterPort must be within 1..65535, got ${masterPort}`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new Error(`initProcessGroup: timeoutMs must be positive, got ${timeoutMs}`);
  const rendezvousTimeoutMs = options.rendezvousTimeoutMs ?? timeoutMs;
  if (!(rendezvousTimeoutMs > 0))
    throw new Error(`initProcessGroup: rendezvousTimeoutMs must be positive, got ${rendezvousTimeoutMs}`);
  const initMethod = options.initMethod ?? 'env://';
  if (initMethod !== 'env://' && !/^file:\/\/\/./.test(initMethod))
    throw new Error(`initProcessGroup: initMethod must be 'env://' or 'file:///absolute/path', got '${initMethod}'`);
  const backend = options.backend ?? 'gloo';
  if (backend !== 'gloo' && backend !== 'nccl')
    throw new Error(`initProcessGroup: unknown backend '${String(backend)}' (expected 'gloo' or 'nccl')`);
  return {
    backend,
    rank,
    worldSize,
    masterAddr: options.masterAddr ?? env.MASTER_ADDR ?? '127.0.0.1',
    masterPort,
    timeoutMs: Math.ceil(timeoutMs),
    rendezvousTimeoutMs: Math.ceil(rendezvousTimeoutMs),
    initMethod,
  };
}

/** Backends this addon was built with. */
export function availableBackends(): Backend[] {
  return native.distBackends();
}

/**
 * Joins the process group: the ranks meet in the rendezvous store (initMethod: rank 0's TCPStore at
 * masterAddr:masterPort, or a FileStore) and the Gloo context is set up between all of them, its sockets on
 * loopback when masterAddr is a loopback address. Blocks until every rank has joined, or throws after
 * rendezvousTimeoutMs.
 */
export function initProcessGroup(options: InitProcessGroupOptions = {}): void {
  const o = resolveInitOptions(options);
  native.distInitProcessGroup(
    o.rank,
    o.worldSize,
    o.backend,
    o.masterAddr,
    o.masterPort,
    o.timeoutMs,
    o.rendezvousTimeoutMs,
    o.initMethod.startsWith('file://') ? fileURLToPath(o.initMethod) : '',
  );
}

export function isInitialized(): boolean {
  return native.distState() !== null;
}

/** The group's state, or null before initProcessGroup. */
export function processGroupState(): ProcessGroupState | null {
  return native.distState();
}

function requireState(what: string): ProcessGroupState {
  const state = processGroupState();
  if (!state) throw new Error(`${what}: no process group; call distributed.initProcessGroup() first`);
  return state;
}

/** This process's rank in the group. */
export function rank(): number {
  return requireState('rank').rank;
}

/** The number of processes in the group. */
export function worldSize(): number {
  return requireState('worldSize').worldSize;
}

function list(tensors: Tensor | readonly Tensor[]): Tensor[] {
  return tensors instanceof Tensor ? [tensors] : [...tensors];
}

/**
 * Reduces each tensor across all ranks, in place: every rank ends with the sum (or the mean, 'avg') of that
 * tensor over the ranks. All ranks must pass tensors of the same shapes and dtypes in the same order. They travel
 * packed into flat buckets of at most bucketMb megabytes, one all-reduce per bucket.
 */
export function allReduce(
  tensors: Tensor | readonly Tensor[],
  options: { op?: ReduceOp; bucketMb?: number } = {},
): void {
  const op = options.op ?? 'sum';
  const bucketMb = options.bucketMb ?? DEFAULT_BUCKET_MB;
  if (!(bucketMb > 0)) throw new Error(`allReduce: bucketMb must be positive, got ${bucketMb}`);
  native.distAllReduce(
    list(tensors).map((t) => t.handle),
    op,
    Math.ceil(bucketMb * 1024 * 1024),
  );
}

/** Copies rank src's values into each tensor on every rank, in place. */
export function broadcast(tensors: Tensor | readonly Tensor[], options: { src?: number } = {}): void {
  native.distBroadcast(
    list(tensors).map((t) => t.handle),
    options.src ?? 0,
  );
}

/** Returns once every rank has reached it. */
export function barrier(): void {
  native.distBarrier();
}

/** Leaves the process group; initProcessGroup may be called again afterwards. Does nothing without one. */
export function destroyProcessGroup(): void {
  native.distDestroyProcessGroup();
}

export interface DistributedDataParallelOptions {
  /** Size of one gradient bucket in megabytes (torch's bucket_cap_mb); default 25. */
  bucketMb?: number;
}

/**
 * Makes a module's training data-parallel: at construction every rank takes rank 0's parameters and buffers, and
 * syncGradients(), called between backward() and the optimizer step, replaces each gradient by its mean over the
 * ranks. With each rank's loss a mean over an equal share of the global batch, the averaged gradient is the
 * gradient of the global batch's mean loss, so every rank takes the same optimizer step.
 *
 * Overlap: call prepareForBackward() just before the backward whose gradients are to be averaged (with gradient
 * accumulation, the last one). Hooks on the parameters' gradient accumulators then start each bucket's all-reduce
 * as soon as backward has produced its last gradient, while backward goes on; syncGradients() waits for them.
 * Without it, syncGradients() does all the communication after backward.
 */
export class DistributedDataParallel<M extends Module = Module> {
  readonly module: M;
  private readonly reducer: unknown;

  constructor(module: M, options: DistributedDataParallelOptions = {}) {
    requireState('DistributedDataParallel');
    this.module = module;
    const bucketMb = options.bucketMb ?? DEFAULT_BUCKET_MB;
    if (!(bucketMb > 0)) throw new Error(`DistributedDataParallel: bucketMb must be positive, got ${bucketMb}`);
    const trainable = module.parameters().filter((p) => p.requiresGrad);
    if (trainable.length === 0)
      throw new Error('DistributedDataParallel: the module has no parameter that requires grad');
    this.syncParameters();
    this.reducer = native.distReducerNew(
      trainable.map((p) => p.handle),
      Math.ceil(bucketMb * 1024 * 1024),
    );
  }

  /** Copies rank 0's parameters and buffers (batch-norm running statistics included) to every rank. */
  syncParameters(): void {
    noGrad(() => broadcast([...this.module.parameters(), ...this.syncableBuffers()], { src: 0 }));
  }

  /** Copies rank 0's buffers to every rank (torch's broadcast_buffers, which it does before every forward). */
  syncBuffers(): void {
    noGrad(() => broadcast(this.syncableBuffers(), { src: 0 }));
  }

  private syncableBuffers(): Tensor[] {
    return this.module.namedBuffers().map(([, b]) => b);
  }

  /** The next backward starts each gradient bucket's all-reduce as soon as the bucket is complete. */
  prepareForBackward(): void {
    native.distReducerArm(this.reducer);
  }

  /**
   * Averages the trainable parameters' gradients over the ranks, in place. A parameter that got no gradient on
   * this rank sends zeros and receives the mean.
   */
  syncGradients(): void {
    native.distReducerFinish(this.reducer);
  }

  /** Buckets whose all-reduce has already started in the current backward (for tests and tuning). */
  get bucketsLaunched(): number {
    return native.distReducerLaunched(this.reducer);
  }

  /** The parameters (indices into the trainable ones) of each bucket, in the order they are reduced. */
  get buckets(): number[][] {
    return native.distReducerBuckets(this.reducer);
  }

  /** Removes the gradient hooks from the parameters now (garbage collection would, later). */
  release(): void {
    native.distReducerRelease(this.reducer);
  }
}
