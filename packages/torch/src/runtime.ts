// What libtorch runs with: its version and build, threads, CUDA devices.
import { availableParallelism } from 'node:os';
import { estimateBusyCores, sampleLoad } from './busy-cores.js';
import { native } from './native.js';

export interface RuntimeInfo {
  version: string;
  cudaBuilt: boolean;
  cudaAvailable: boolean;
  cudaDeviceCount: number;
  cudnnAvailable: boolean;
  mkldnn: boolean;
  openmp: boolean;
  threads: number;
  interopThreads: number;
  /** libtorch's own description of its parallel backend and build. */
  parallelInfo: string;
  config: string;
}

export function runtimeInfo(): RuntimeInfo {
  return native.runtimeInfo();
}

export interface MemoryInfo {
  /**
   * Bytes of the C heap in use (glibc's mallinfo2: handed out, not yet freed), or null where that is not known.
   * Tensors' CPU memory, libtorch's bookkeeping and the addon's own allocations all count; freed memory that the
   * allocator keeps for reuse does not, so this is the number to watch for leaks.
   */
  heapInUse: number | null;
  /** Bytes of tensors that only dispose() or the garbage collector will free, as V8 was told of them. */
  reportedToGc: number;
}

export function memoryInfo(): MemoryInfo {
  return native.memoryInfo();
}

/**
 * The addon's caching allocator of CPU tensors of 256 KiB and more (native/cpu_allocator.cc): freed blocks are kept
 * for the next request of about their size instead of going back to the kernel, so that a repeated forward pass
 * does not fault its activations in again. Off with DIAS_MALLOC_TUNING=0.
 */
export interface CpuCacheInfo {
  installed: boolean;
  /** Bytes of blocks handed out to tensors. */
  inUse: number;
  /** Bytes of freed blocks kept for reuse (at most 4 GiB). */
  cached: number;
  /** Requests served from the kept blocks, and those that mapped new memory. */
  hits: number;
  misses: number;
}

export function cpuCacheInfo(): CpuCacheInfo {
  return native.cpuCacheInfo();
}

/**
 * Sets libtorch's intra-op thread count, capped at the cores available: more threads than cores only make them
 * wait for each other (a run that takes 8 s on 2 threads did not finish an epoch in 120 s on 1000). Returns the
 * count applied, so a caller that was asked for more can say so.
 */
export function setNumThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: need a positive integer, got ${n}`);
  const applied = Math.min(n, availableParallelism());
  native.setNumThreads(applied);
  return applied;
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/**
 * The thread count to use by default: the cores not already busy with other processes (busy-cores.ts), at least
 * one. Oversubscribed cores cost far more than an idle one, so this errs low. DIAS_THREADS or OMP_NUM_THREADS
 * override it.
 */
export function defaultThreadCount(): number {
  const fromEnv = Number(process.env.DIAS_THREADS ?? process.env.OMP_NUM_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const cores = availableParallelism();
  const busy = estimateBusyCores(sampleLoad());
  return Math.max(1, Math.min(cores, cores - busy));
}

export const cuda = {
  isAvailable(): boolean {
    return native.runtimeInfo().cudaAvailable;
  },
  deviceCount(): number {
    return native.runtimeInfo().cudaDeviceCount;
  },
  /** Waits for all work on a device (all devices when omitted) to finish. */
  synchronize(device?: number): void {
    native.cudaSynchronize(device);
  },
};

// Applied once when the engine loads; setNumThreads() changes it later.
native.setNumThreads(defaultThreadCount());
