// Containers, as torch.nn.Sequential, ModuleList and ModuleDict. Children are registered under the names PyTorch
// gives them ('0', '1', … or the keys), so their parameters get the same dotted names in a state dict.
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** A module whose forward takes and returns one tensor: what Sequential can chain. */
export type Layer = Module & { forward(x: Tensor): Tensor };

function checkLayer(owner: string, name: string, m: Module): Layer {
  if (!(m instanceof Module)) throw new Error(`${owner}: entry '${name}' is not a Module`);
  if (!('forward' in m) || typeof m.forward !== 'function')
    throw new Error(`${owner}: entry '${name}' (${m.typeName}) has no forward(x)`);
  return m as Layer;
}

/** Chains layers: forward(x) feeds x through each in order. Children are '0', '1', … or the given keys. */
export class Sequential extends Module {
  private readonly layers: Layer[] = [];

  constructor(...layers: Layer[]);
  constructor(named: Record<string, Layer>);
  constructor(...args: Layer[] | [Record<string, Layer>]) {
    super();
    if (args.length === 1 && !(args[0] instanceof Module)) {
      for (const [name, m] of Object.entries(args[0])) this.add(name, m);
    } else {
      for (const m of args as Layer[]) this.push(m);
    }
  }

  private add(name: string, m: Module): void {
    const layer = checkLayer(this.typeName, name, m);
    this.registerModule(name, layer);
    this.layers.push(layer);
  }

  /** Appends layers, named by their position (torch's append). */
  push(...layers: Layer[]): this {
    for (const m of layers) this.add(String(this.layers.length), m);
    return this;
  }
  get length(): number {
    return this.layers.length;
  }
  /** The layer at index (negative counts from the end). */
  at(index: number): Layer {
    const i = index < 0 ? index + this.layers.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.layers.length)
      throw new Error(`${this.typeName}: index ${index} is out of range (length ${this.layers.length})`);
    return this.layers[i];
  }
  [Symbol.iterator](): Iterator<Layer> {
    return this.layers[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) {
      const next = m.forward(y);
      // Each intermediate is needed only by the next layer (autograd keeps its own references).
      if (y !== x && next !== y) y.dispose();
      y = next;
    }
    return y;
  }
}

/** Holds modules in a list, named '0', '1', …; it has no forward of its own. */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    this.push(...modules);
  }

  /** Appends modules (torch's append / extend). */
  push(...modules: M[]): this {
    for (const m of modules) {
      if (!(m instanceof Module)) throw new Error(`${this.typeName}: entry ${this.items.length} is not a Module`);
      this.registerModule(String(this.items.length), m);
      this.items.push(m);
    }
    return this;
  }
  get length(): number {
    return this.items.length;
  }
  /** The module at index (negative counts from the end). */
  at(index: number): M {
    const i = index < 0 ? index + this.items.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.items.length)
      throw new Error(`${this.typeName}: index ${index} is out of range (length ${this.items.length})`);
    return this.items[i];
  }
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}

/** Holds modules by name, in insertion order; it has no forward of its own. Iterating yields the keys, as in PyTorch. */
export class ModuleDict<M extends Module = Module> extends Module {
  private readonly byKey = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? modules : Object.entries(modules);
    for (const [key, m] of entries) this.set(key, m);
  }

  /** Adds a module under a new key (keys cannot be replaced: the state-dict order is fixed once registered). */
  set(key: string, module: M): this {
    if (!(module instanceof Module)) throw new Error(`${this.typeName}: entry '${key}' is not a Module`);
    if (this.byKey.has(key)) throw new Error(`${this.typeName}: key '${key}' is already present`);
    this.registerModule(key, module);
    this.byKey.set(key, module);
    return this;
  }
  /** The module under key; throws for an unknown key, naming the known ones. */
  get(key: string): M {
    const m = this.byKey.get(key);
    if (!m) throw new Error(`${this.typeName}: no key '${key}' (keys: ${[...this.byKey.keys()].join(', ')})`);
    return m;
  }
  has(key: string): boolean {
    return this.byKey.has(key);
  }
  get size(): number {
    return this.byKey.size;
  }
  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }
  values(): IterableIterator<M> {
    return this.byKey.values();
  }
  entries(): IterableIterator<[string, M]> {
    return this.byKey.entries();
  }
  [Symbol.iterator](): IterableIterator<string> {
    return this.byKey.keys();
  }
}
