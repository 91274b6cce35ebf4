// Module: the base of every layer and model, with PyTorch's naming and state-dict rules, so that a state dict
// moves 1:1 between PyTorch and here. Parameters are registered by name; child modules are found in
// registration order; dotted names are formed exactly as torch.nn.Module does.
import { Tensor } from '../tensor.js';
import { keep, scope } from '../scope.js';
import { noGrad } from '../autograd.js';
import type { Device, DType } from '../dtype.js';

export class Module {
  /** false after eval(). */
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly buffers = new Map<string, Tensor | null>();
  private readonly nonPersistent = new Set<string>();
  private readonly children = new Map<string, Module | null>();

  constructor() {
    // Every forward call runs in its own scope, so the temporaries a module makes are freed when it returns
    // (its outputs move to the caller), much as Python frees them when their last reference goes. Without
    // this, one scope around a whole model keeps every intermediate alive to the end: a larger working set and
    // slower inference. Autograd is unaffected: it holds its own references to what backward needs.
    const forward = (this as { forward?: unknown }).forward;
    if (typeof forward === 'function') {
      Object.defineProperty(this, 'forward', {
        value: (...args: unknown[]) => scope(() => forward.apply(this, args)),
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }

  /** The class name shown in errors and summaries. */
  get typeName(): string {
    return this.constructor.name;
  }

  // ---------------------------------------------------------------- registration
  /** Registers a parameter (requiresGrad set unless already a non-float); null registers an absent one (bias=false). */
  registerParameter(name: string, value: Tensor | null): Tensor | null {
    this.checkName(name);
    if (value) {
      keep(value);
      if (!value.requiresGrad && (value.dtype.startsWith('float') || value.dtype === 'bfloat16'))
        value.requiresGrad_(true);
    }
    this.params.set(name, value);
    return value;
  }

  /** Registers a buffer (running statistics and the like): saved in the state dict unless persistent is false. */
  registerBuffer(name: string, value: Tensor | null, persistent = true): Tensor | null {
    this.checkName(name);
    if (value) keep(value);
    this.buffers.set(name, value);
    if (!persistent) this.nonPersistent.add(name);
    return value;
  }

  /** Registers a child module under name; its parameters are named `name.<param>`. */
  registerModule<M extends Module | null>(name: string, module: M): M {
    this.checkName(name);
    this.children.set(name, module);
    return module;
  }

  private checkName(name: string): void {
    if (name === '' || name.includes('.'))
      throw new Error(`${this.typeName}: invalid name '${name}' (non-empty, no dots)`);
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new Error(`${this.typeName}: '${name}' is already registered`);
    }
  }

  /** The parameter registered as name. */
  param(name: string): Tensor {
    const p = this.params.get(name);
    if (!p) throw new Error(`${this.typeName}: no parameter '${name}'`);
    return p;
  }
  /** The parameter, or null when registered as absent. */
  optionalParam(name: string): Tensor | null {
    return this.params.get(name) ?? null;
  }
  buffer(name: string): Tensor | null {
    return this.buffers.get(name) ?? null;
  }
  /** Replaces a registered buffer's tensor (the old one is disposed). */
  setBuffer(name: string, value: Tensor): void {
    if (!this.buffers.has(name)) throw new Error(`${this.typeName}: no buffer '${name}'`);
    const old = this.buffers.get(name);
    keep(value);
    this.buffers.set(name, value);
    if (old && old !== value) old.dispose();
  }
  child(name: string): Module | null {
    return this.children.get(name) ?? null;
  }

  // ---------------------------------------------------------------- traversal
  namedChildren(): [string, Module][] {
    return [...this.children].filter((e): e is [string, Module] => e[1] !== null);
  }
  /** This module and every descendant, depth first, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    const seen = new Set<Module>([this]);
    const visit = (m: Module, p: string) => {
      for (const [name, c] of m.namedChildren()) {
        if (seen.has(c)) continue;
        seen.add(c);
        const full = p ? `${p}.${name}` : name;
        out.push([full, c]);
        visit(c, full);
      }
    };
    visit(this, prefix);
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }
  /** Every parameter once, in PyTorch's order: own parameters, then each child's, recursively. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.params) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${name}` : name, p]);
      }
    }
    return out;
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.buffers) if (b) out.push([prefix ? `${prefix}.${name}` : name, b]);
    }
    return out;
  }
  /** Number of parameter elements (trainable only with trainableOnly). */
  parameterCount(trainableOnly = false): number {
    return this.parameters()
      .filter((p) => !trainableOnly || p.requiresGrad)
      .reduce((n, p) => n + p.numel, 0);
  }

  // ---------------------------------------------------------------- state dict
  /**
   * Parameters and persistent buffers by dotted name, in PyTorch's order: for each module (depth first), its own
   * parameters, then its buffers, then its children. The tensors are the module's own (not copies).
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const visit = (m: Module, prefix: string) => {
      for (const [name, p] of m.params) if (p) out.set(prefix + name, p);
      for (const [name, b] of m.buffers) if (b && !m.nonPersistent.has(name)) out.set(prefix + name, b);
      for (const [name, c] of m.children) if (c) visit(c, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copies tensors into this module's parameters and buffers. strict (the default) requires exactly the same keys;
   * shapes must always match. Returns the keys that were missing and unexpected (non-strict).
   */
  loadStateDict(
    state: Map<string, Tensor> | Record<string, Tensor>,
    options: { strict?: boolean } = {},
  ): { missingKeys: string[]; unexpectedKeys: string[] } {
    const strict = options.strict ?? true;
    const given = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !own.has(k));
    // At most five of each kind, and how many in all: a checkpoint of another model misses hundreds of keys, and
    // the whole list (13 KB for a small FR_UNet) buried the message.
    const some = (items: string[]) =>
      items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')}, ... (${items.length} in all)`;
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`missing keys: ${some(missingKeys)}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${some(unexpectedKeys)}`);
    const mismatches: string[] = [];
    for (const [key, target] of own) {
      const source = given.get(key);
      if (!source) continue;
      const a = target.shape.join(', ');
      const b = source.shape.join(', ');
      if (a !== b)
        mismatches.push(`size mismatch for ${key}: the checkpoint has [${b}], this ${this.typeName} has [${a}]`);
    }
    problems.push(...mismatches.slice(0, 5));
    if (mismatches.length > 5) problems.push(`... (${mismatches.length} size mismatches in all)`);
    if (problems.length)
      throw new Error(`Error(s) in loading state dict for ${this.typeName}:\n  ${problems.join('\n  ')}`);
    noGrad(() => {
      for (const [key, target] of own) {
        const source = given.get(key);
        if (source) target.copy_(source);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---------------------------------------------------------------- modes and placement
  /** Sets training mode here and in every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  /** Moves (or casts) every parameter and buffer in place: the Tensor objects stay the same, as in PyTorch. */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- Device is a string; DType names the casts
  to(target: Device | DType): this {
    const isDevice = target === 'cpu' || target.startsWith('cuda');
    for (const m of this.modules()) {
      for (const map of [m.params, m.buffers] as const) {
        for (const t of map.values()) {
          if (!t || (!isDevice && !(t.dtype.startsWith('float') || t.dtype === 'bfloat16'))) continue;
          noGrad(() => {
            const moved = t.to(target);
            t.setData_(moved);
            moved.dispose();
          });
        }
      }
    }
    return this;
  }
  /** Clears the gradients of every parameter (sets them to null, as PyTorch's set_to_none=True). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }
  /** Calls fn on every module, children first, then this one (torch.nn.Module.apply). */
  apply(fn: (m: Module) => void): this {
    for (const [, c] of this.namedChildren()) c.apply(fn);
    fn(this);
    return this;
  }
  /** Frees every parameter and buffer. The module is unusable afterwards. */
  dispose(): void {
    for (const m of this.modules()) {
      for (const t of [...m.params.values(), ...m.buffers.values()]) t?.dispose();
    }
  }
}
