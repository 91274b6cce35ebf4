// LRScheduler: the base of the learning-rate schedules, with timm's scheduler semantics (timm.scheduler.Scheduler):
// the schedule is a pure function of t, the training code passes t explicitly, and the base lr of each group is
// recorded in the group as initialLr. A linear warm-up from warmupLrInit over warmupT steps is shared by all
// schedules.

/** What a scheduler needs of an optimizer: its groups' lr (every Optimizer fits). */
export interface SchedulableOptimizer {
  readonly paramGroups: { lr: number; initialLr?: number; lrScale?: number }[];
}

export interface WarmupOptions {
  /** Length of the linear warm-up, in steps of t (0: none). */
  warmupT?: number;
  /** The lr at t = 0 of the warm-up. */
  warmupLrInit?: number;
  /**
   * true: the schedule proper starts after the warm-up (it sees t - warmupT). false (timm's default for cosine and
   * poly): the schedule runs from t = 0 and the warm-up replaces its first warmupT steps.
   */
  warmupPrefix?: boolean;
  /**
   * true (the default here): t counts optimizer updates, so stepUpdate(n) applies and stepEpoch(e) is ignored;
   * false: t counts epochs, the other way round (timm's t_in_epochs). step(t) always applies.
   */
  tInUpdates?: boolean;
}

/** The JSON-able state of a scheduler. */
export interface SchedulerStateDict {
  baseValues: number[];
  lastT: number | null;
  options: Record<string, number | boolean>;
}

type Resolved<O> = Required<O> & Required<WarmupOptions>;

export abstract class LRScheduler<O extends WarmupOptions = WarmupOptions> {
  /** Each group's base lr (its initialLr). */
  baseValues: number[];
  /** The t of the last step(), or null before the first. */
  lastT: number | null = null;
  protected options: Resolved<O>;
  private warmupSteps: number[] = [];

  protected constructor(
    readonly optimizer: SchedulableOptimizer,
    options: Resolved<O>,
  ) {
    this.options = { ...options };
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.baseValues = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.updateGroups(this.baseValues);
    this.prepareWarmup();
    if (this.options.warmupT) this.updateGroups(this.baseValues.map(() => this.options.warmupLrInit));
  }

  private prepareWarmup(): void {
    const { warmupT, warmupLrInit } = this.options;
    this.warmupSteps = this.baseValues.map((v) => (warmupT ? (v - warmupLrInit) / warmupT : 1));
  }

  /** The schedule after the warm-up, for t as the schedule sees it (warm-up already subtracted with warmupPrefix). */
  protected abstract scheduledLr(t: number): number[];

  /** Each group's lr at t (before lrScale), without changing anything. */
  getLr(t: number): number[] {
    const { warmupT, warmupLrInit, warmupPrefix } = this.options;
    if (t < warmupT) return this.warmupSteps.map((s) => warmupLrInit + t * s);
    return this.scheduledLr(warmupPrefix ? t - warmupT : t);
  }

  /** Sets each group's lr for step t (times the group's lrScale, if any). */
  step(t: number): void {
    this.lastT = t;
    this.updateGroups(this.getLr(t));
  }

  /** timm's step_update: applies when t counts updates (tInUpdates). Call after each update with the count so far. */
  stepUpdate(numUpdates: number): void {
    if (this.options.tInUpdates) this.step(numUpdates);
  }

  /** timm's step: applies when t counts epochs (tInUpdates false). Call at the end of each epoch with the next one. */
  stepEpoch(epoch: number): void {
    if (!this.options.tInUpdates) this.step(epoch);
  }

  protected updateGroups(values: number[]): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = group.lrScale !== undefined ? values[i] * group.lrScale : values[i];
    });
  }

  /** The options, base values and last t, as JSON-able data. */
  stateDict(): SchedulerStateDict {
    return {
      baseValues: [...this.baseValues],
      lastT: this.lastT,
      options: { ...(this.options as Record<string, number | boolean>) },
    };
  }

  /** Restores a stateDict() (options included, as timm does). The groups' lr is set at the next step. */
  loadStateDict(state: SchedulerStateDict): void {
    if (state.baseValues.length !== this.optimizer.paramGroups.length) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: the state has ${state.baseValues.length} groups, the optimizer ${this.optimizer.paramGroups.length}`,
      );
    }
    this.baseValues = [...state.baseValues];
    this.lastT = state.lastT;
    this.options = { ...this.options, ...(state.options as Partial<Resolved<O>>) };
    this.prepareWarmup();
  }
}

/** Fills the shared warm-up defaults. */
export function warmupDefaults(o: WarmupOptions, warmupPrefix: boolean): Required<WarmupOptions> {
  return {
    warmupT: o.warmupT ?? 0,
    warmupLrInit: o.warmupLrInit ?? 0,
    warmupPrefix: o.warmupPrefix ?? warmupPrefix,
    tInUpdates: o.tInUpdates ?? true,
  };
}
