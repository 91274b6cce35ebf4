// @dias-ts/torch: libtorch for TypeScript.
export { Tensor, isTensor, type Scalar, type TensorOrScalar, type ValuesIndices } from './tensor.js';
export * from './dtype.js';
export * from './creation.js';
export { cat, stack, where, einsum, addcmul } from './ops/joining.js';
export { scope, tidy, keep, dispose } from './scope.js';
export { noGrad, enableGrad, isGradEnabled, inferenceMode, grad } from './autograd.js';
export {
  runtimeInfo,
  memoryInfo,
  cpuCacheInfo,
  setNumThreads,
  getNumThreads,
  defaultThreadCount,
  cuda,
  type RuntimeInfo,
  type MemoryInfo,
  type CpuCacheInfo,
} from './runtime.js';
export { autocast, GradScaler, type GradScalerOptions } from './amp.js';
export * as F from './ops/functional.js';
export * as nn from './nn/index.js';
export { Module } from './nn/module.js';
export * as optim from './optim/index.js';
export * from './io/safetensors.js';
export { TensorWorker, serveInWorker, type WorkerApi } from './worker.js';
export { loadNpy, saveNpy, serializeNpy, deserializeNpy } from './io/npy.js';
export { parseNpyHeader, checkNpyDataLength, encodeNpyHeader, type NpyHeader } from './io/npy-format.js';
export { readFileBytes } from './io/read-file.js';
export { writeFileAtomic } from './io/atomic-write.js';
export * as distributed from './distributed.js';
