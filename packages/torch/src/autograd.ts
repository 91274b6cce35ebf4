// Gradient modes and torch.autograd.grad. The modes are thread-local switches in libtorch; for async functions
// they stay set until the promise settles, so do not interleave other graph-building work with them.
import { native } from './native.js';
import { Tensor } from './tensor.js';

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = native.setGradEnabled(enabled) as boolean;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    native.setGradEnabled(previous);
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => native.setGradEnabled(previous)) as T;
  }
  native.setGradEnabled(previous);
  return result;
}

/** Runs fn without recording operations for autograd (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with recording switched back on inside a noGrad block (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/**
 * Runs fn in inference mode (torch.inference_mode): no autograd and no version counting, the fastest way to
 * evaluate. Tensors made inside cannot later take part in autograd. fn must be synchronous.
 */
export function inferenceMode<T>(fn: () => T): T {
  native.enterInferenceMode();
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('inferenceMode: fn must be synchronous (use noGrad for async code)');
    return result;
  } finally {
    native.exitInferenceMode();
  }
}

export interface GradOptions {
  gradOutputs?: readonly Tensor[];
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** Gradients of outputs with respect to inputs, without touching .grad (torch.autograd.grad). */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  o: GradOptions = {},
): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  const ins = inputs instanceof Tensor ? [inputs] : inputs;
  const handles = native.autogradGrad(
    outs.map((t) => t.handle),
    ins.map((t) => t.handle),
    o.gradOutputs ? o.gradOutputs.map((t) => t.handle) : null,
    o.retainGraph ?? null,
    o.createGraph ?? false,
    o.allowUnused ?? false,
  );
  return (handles as unknown[]).map((h) => (h === null ? null : new Tensor(h as never)));
}
