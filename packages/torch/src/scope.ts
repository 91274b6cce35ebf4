// Deterministic release of native memory. Every tensor created while a scope is open belongs to it; when the
// scope ends, it disposes all of them except those returned from it (they move to the enclosing scope) and those
// passed to keep(). Scopes follow async code through AsyncLocalStorage, so `await scope(async () => …)` works.
import { AsyncLocalStorage } from 'node:async_hooks';

/** Anything a scope can free: a Tensor. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
  /** Called when no scope will free it: from then on only dispose() or the garbage collector does. */
  releaseToGc(): void;
}

class Scope {
  readonly owned = new Set<Disposable>();
  constructor(readonly parent: Scope | undefined) {}
}

const storage = new AsyncLocalStorage<Scope>();

/**
 * Called by Tensor's constructor: the tensor belongs to the innermost open scope, if any. Only tensors outside
 * every scope are reported to V8: a scope holds its tensors strongly, so a collection could not free them anyway.
 */
export function track(tensor: Disposable): void {
  const current = storage.getStore();
  if (current) current.owned.add(tensor);
  else tensor.releaseToGc();
}

/** Takes a tensor out of every scope: it lives until dispose() or garbage collection. Returns it. */
export function keep<T extends Disposable>(tensor: T): T {
  for (let s = storage.getStore(); s; s = s.parent) s.owned.delete(tensor);
  tensor.releaseToGc();
  return tensor;
}

function collect(value: unknown, into: Set<Disposable>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (typeof (value as Disposable).dispose === 'function' && 'isDisposed' in value) {
    into.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, into, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, into, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into, seen);
  }
}

function close(scope: Scope, result: unknown): void {
  const escaping = new Set<Disposable>();
  collect(result, escaping);
  for (const t of scope.owned) {
    if (escaping.has(t)) {
      if (scope.parent) scope.parent.owned.add(t);
      else t.releaseToGc();
    } else if (!t.isDisposed) {
      t.dispose();
    }
  }
  scope.owned.clear();
}

/**
 * Runs fn and frees every tensor it created, except those in its result (a tensor, or arrays, Maps and plain
 * objects holding tensors) and those kept. Works for sync and async functions; for an async function the scope
 * ends when its promise settles.
 */
export function scope<T>(fn: () => T): T {
  const s = new Scope(storage.getStore());
  let result: T;
  try {
    result = storage.run(s, fn);
  } catch (e) {
    close(s, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        close(s, value);
        return value;
      },
      (error) => {
        close(s, undefined);
        throw error;
      },
    ) as T;
  }
  close(s, result);
  return result;
}

/** tf.tidy's name for scope(). */
export const tidy = scope;

/** Disposes every tensor found in value (a tensor, arrays, Maps, plain objects). */
export function dispose(value: unknown): void {
  const found = new Set<Disposable>();
  collect(value, found);
  for (const t of found) t.dispose();
}
