// Optimizer: the base of every optimizer, with PyTorch's parameter groups, per-parameter state and a state dict
// that splits cleanly into tensors (for safetensors) and JSON (hyperparameters, step counts), so that a training
// run can be checkpointed and resumed with bit-identical results.
import { Tensor } from '../tensor.js';
import { keep, scope } from '../scope.js';
import { enableGrad, noGrad } from '../autograd.js';

/** A hyperparameter value a parameter group may hold (JSON-able). */
export type HyperValue = number | boolean | string | null | readonly number[];

/** Options every optimizer has. */
export interface BaseOptions {
  lr: number;
}

/** Keys a parameter group may carry besides the optimizer's options (set by schedulers and group helpers). */
export interface GroupExtras {
  /** The base learning rate schedulers start from (timm's and PyTorch's `initial_lr`). */
  initialLr?: number;
  /** A factor schedulers apply to the scheduled lr of this group (timm's `lr_scale`, for layer-wise decay). */
  lrScale?: number;
}

/** A parameter group: its parameters and every option (defaults filled in). Options may be changed between steps. */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O & GroupExtras & { params: Tensor[] };

/** A parameter group as given to the constructor: parameters and any options overriding the defaults. */
export type ParamGroupSpec<O extends BaseOptions = BaseOptions> = Partial<O> &
  GroupExtras & { params: Iterable<Tensor> };

/** One parameter's state: tensors (moment buffers) and numbers (step counts). Keys follow PyTorch's names. */
export type ParamState = Record<string, Tensor | number>;

/** The JSON half of an optimizer state dict. */
export interface OptimizerMeta {
  /** Each group's hyperparameters, with its parameters as indices counted across all groups in order. */
  paramGroups: ({ params: number[] } & Record<string, HyperValue>)[];
  /** Numeric per-parameter state (such as `step`), by parameter index. */
  state: Record<string, Record<string, number>>;
}

/**
 * A resumable optimizer state: `state` holds the state tensors under flat names `state.<paramIndex>.<key>` (save
 * them with safetensors), `meta` everything else (save it as JSON).
 */
export interface OptimizerStateDict {
  state: Map<string, Tensor>;
  meta: OptimizerMeta;
}

/** What loadStateDict accepts: the tensors as a Map or a plain object (as a safetensors loader may return). */
export interface OptimizerStateDictInput {
  state: Map<string, Tensor> | Record<string, Tensor>;
  meta: OptimizerMeta;
}

const STATE_KEY = /^state\.(\d+)\.(.+)$/;

function isFloating(dtype: string): boolean {
  return dtype.startsWith('float') || dtype === 'bfloat16';
}

function copyHyper(value: unknown): HyperValue {
  return Array.isArray(value) ? [...(value as number[])] : (value as HyperValue);
}

/**
 * The base class. Subclasses give their defaults and implement updateParam(), which runs once per parameter with
 * a gradient, under noGrad and inside its own scope (temporaries are freed; state tensors made with initState
 * are kept).
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly defaults: Readonly<O>;
  protected readonly state = new Map<Tensor, ParamState>();

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec<O>>, defaults: O) {
    this.defaults = { ...defaults };
    const list = [...(params as Iterable<Tensor | ParamGroupSpec<O>>)];
    if (list.length === 0) throw new Error(`${this.constructor.name}: got an empty parameter list`);
    if (list.every((p) => p instanceof Tensor)) {
      this.addParamGroup({ params: list } as unknown as ParamGroupSpec<O>);
    } else if (list.every((p) => !(p instanceof Tensor))) {
      for (const g of list as ParamGroupSpec<O>[]) this.addParamGroup(g);
    } else {
      throw new Error(`${this.constructor.name}: give either tensors or parameter groups, not a mix`);
    }
  }

  /** Adds a group (options it lacks come from the defaults). A parameter may belong to one group only. */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    const params = spec.params instanceof Tensor ? [spec.params] : [...spec.params];
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new Error(`${this.constructor.name}: parameters must be Tensors`);
      if (seen.has(p))
        throw new Error(`${this.constructor.name}: a parameter appears in more than one group (or twice)`);
      seen.add(p);
    }
    const group = { ...this.defaults } as Record<string, unknown>;
    for (const [k, v] of Object.entries(spec)) if (k !== 'params' && v !== undefined) group[k] = copyHyper(v);
    group.params = params;
    this.validateGroup(group as unknown as ParamGroup<O>);
    this.paramGroups.push(group as unknown as ParamGroup<O>);
  }

  /** Checks a group's options; subclasses extend it. */
  protected validateGroup(group: ParamGroup<O>): void {
    if (!(group.lr >= 0)) throw new Error(`${this.constructor.name}: invalid learning rate ${group.lr}`);
  }

  /** Every parameter, group by group. */
  get params(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /**
   * Clears the gradients: sets them to null (the default, as PyTorch 2) or, with setToNone false, zeroes them in
   * place.
   */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (setToNone) {
          p.grad = null;
          continue;
        }
        const g = p.grad;
        if (g === null) continue;
        noGrad(() => g.zero_());
        g.dispose();
      }
    }
  }

  /**
   * One update of every parameter that has a gradient. With a closure (which should recompute the loss and the
   * gradients), the closure runs first, with gradients enabled, and its result is returned.
   */
  step<T = void>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          scope(() => {
            const grad = p.grad;
            if (grad === null) return;
            this.updateParam(p, grad, group);
          });
        }
      }
    });
    return loss;
  }

  /** Updates one parameter in place from its gradient (already read; do not modify it in place). */
  protected abstract updateParam(param: Tensor, grad: Tensor, group: ParamGroup<O>): void;

  /** Creates a parameter's state; its tensors are kept beyond the step's scope. */
  protected initState<S extends ParamState>(param: Tensor, state: S): S {
    for (const v of Object.values(state)) if (v instanceof Tensor) keep(v);
    const old = this.state.get(param);
    if (old)
      for (const v of Object.values(old)) if (v instanceof Tensor && !Object.values(state).includes(v)) v.dispose();
    this.state.set(param, state);
    return state;
  }

  /** A parameter's state (read-only view; undefined before its first update). */
  stateOf(param: Tensor): Readonly<ParamState> | undefined {
    return this.state.get(param);
  }

  // ---------------------------------------------------------------- state dict
  /**
   * The state for a checkpoint: tensors under `state.<paramIndex>.<key>` (the optimizer's own tensors, not copies:
   * save them before the next step) and JSON-able meta data (hyperparameters per group with parameters as
   * indices, numeric state such as step counts).
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const out: Record<string, HyperValue | number[]> = {};
      for (const [k, v] of Object.entries(group)) if (k !== 'params' && v !== undefined) out[k] = copyHyper(v);
      out.params = group.params.map((p) => {
        index.set(p, next);
        return next++;
      });
      return out as OptimizerMeta['paramGroups'][number];
    });
    const tensors = new Map<string, Tensor>();
    const numbers: Record<string, Record<string, number>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor) tensors.set(`state.${i}.${k}`, v);
        else (numbers[i] ??= {})[k] = v;
      }
    }
    return { state: tensors, meta: { paramGroups, state: numbers } };
  }

  /**
   * Restores a state made by stateDict() on an optimizer over the same parameters in the same groups: the state
   * tensors are copied (cast to each parameter's floating dtype and moved to its device), the hyperparameters
   * replace the groups' own. The given tensors may be disposed afterwards.
   */
  loadStateDict(dict: OptimizerStateDictInput): void {
    const name = this.constructor.name;
    const saved = dict.meta.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error(
        `${name}.loadStateDict: the state has ${saved.length} parameter groups, this optimizer ${this.paramGroups.length}`,
      );
    }
    const params: Tensor[] = [];
    saved.forEach((g, gi) => {
      const own = this.paramGroups[gi].params;
      if (g.params.length !== own.length) {
        throw new Error(
          `${name}.loadStateDict: group ${gi} has ${g.params.length} parameters in the state, ${own.length} here`,
        );
      }
      g.params.forEach((savedIndex, j) => (params[savedIndex] = own[j]));
    });
    if (params.length !== this.params.length || params.some((p) => p === undefined)) {
      throw new Error(`${name}.loadStateDict: the state's parameter indices do not cover 0..${this.params.length - 1}`);
    }

    const entries = dict.state instanceof Map ? [...dict.state] : Object.entries(dict.state);
    const fresh = new Map<number, ParamState>();
    for (const [i, nums] of Object.entries(dict.meta.state ?? {})) {
      const pi = Number(i);
      if (!params[pi]) throw new Error(`${name}.loadStateDict: state for unknown parameter ${i}`);
      fresh.set(pi, { ...nums });
    }
    const made: Tensor[] = [];
    try {
      noGrad(() => {
        for (const [key, source] of entries) {
          const m = STATE_KEY.exec(key);
          if (!m) throw new Error(`${name}.loadStateDict: unexpected tensor '${key}'`);
          const pi = Number(m[1]);
          const p = params[pi];
          if (!p) throw new Error(`${name}.loadStateDict: '${key}' names unknown parameter ${pi}`);
          const copy = keep(
            source.to({ device: p.device, dtype: isFloating(source.dtype) ? p.dtype : source.dtype, copy: true }),
          );
          made.push(copy);
          let s = fresh.get(pi);
          if (!s) fresh.set(pi, (s = {}));
          s[m[2]] = copy;
        }
      });
    } catch (e) {
      for (const t of made) t.dispose();
      throw e;
    }

    this.disposeState();
    for (const [pi, s] of fresh) this.state.set(params[pi], s);
    saved.forEach((g, gi) => {
      const group = this.paramGroups[gi] as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(g)) if (k !== 'params') group[k] = copyHyper(v);
    });
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }

  /** Frees the state tensors (the optimizer starts afresh if stepped again). */
  dispose(): void {
    this.disposeState();
  }
}

/** a + alpha * b as a new tensor, with libtorch's fused arithmetic (torch.add(a, b, alpha=alpha)). */
export function addScaled(a: Tensor, b: Tensor, alpha: number): Tensor {
  return a.clone().add_(b, alpha);
}

/** Drops keys whose value is undefined, so that they do not override defaults. */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
