// "Every network of the recipe" as one object: the loop builds, trains, steps, checkpoints and frees them together
// instead of writing a `for (const n of networks)` at each place. The exported network is the one validated and
// written as checkpoint_{best,final,latest}; frozen ones (an EMA teacher) are never stepped by an optimizer.
import type { optim } from '@dias-ts/torch';
import type { SegmentationModel } from '../models/model-spec.js';

/** A network of the run with its own optimizer and schedule. */
export interface Network {
  name: string;
  model: SegmentationModel;
  optimizer: optim.AdamW;
  scheduler: optim.CosineLRScheduler;
}

export class NetworkSet {
  /** Every network, in the recipe's order. */
  readonly all: readonly Network[];
  /** The validated and exported network. */
  readonly exported: Network;
  /** The networks the optimizers step (all but the frozen ones), in order. */
  readonly trained: readonly Network[];
  /** The models by name, as a recipe's step reads them. */
  readonly models: Readonly<Record<string, SegmentationModel>>;

  constructor(networks: readonly Network[], exported: string, frozen: readonly string[] = []) {
    this.all = [...networks];
    const found = this.all.find((n) => n.name === exported);
    if (!found) throw new Error(`the exported network '${exported}' is not one of ${this.names.join(', ')}`);
    this.exported = found;
    this.trained = this.all.filter((n) => !frozen.includes(n.name));
    this.models = Object.fromEntries(this.all.map((n) => [n.name, n.model]));
  }

  get names(): string[] {
    return this.all.map((n) => n.name);
  }

  get size(): number {
    return this.all.length;
  }

  /** The networks other than the exported one (written as checkpoint_final.<name>). */
  get others(): Network[] {
    return this.all.filter((n) => n !== this.exported);
  }

  /** Every network in train mode. */
  train(): void {
    for (const n of this.all) n.model.train();
  }

  /** Every network's schedule to iteration t (each network has its own). */
  stepSchedulers(t: number): void {
    for (const n of this.all) n.scheduler.stepUpdate(t);
  }

  /** The exported network's learning rate (its first parameter group). */
  get lr(): number {
    return this.exported.optimizer.paramGroups[0].lr;
  }

  /** Calls `f` on every network, in order. */
  forEach(f: (n: Network) => void): void {
    this.all.forEach(f);
  }

  /** Frees every network and its optimizer. */
  dispose(): void {
    NetworkSet.disposeAll(this.all);
  }

  /** Frees networks that never made a set (a build that failed half-way). */
  static disposeAll(networks: readonly Network[]): void {
    for (const n of networks) {
      n.optimizer.dispose();
      n.model.dispose();
    }
  }
}
