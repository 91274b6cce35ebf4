// What the registry knows of each architecture: how to build it, what input it takes, and its names.
import type { Module, Tensor } from '@dias-ts/torch';

/** '2d': frames as channels [B, T, H, W]; '3d' and '3d->2d': a sequence [B, C, T, H, W]. */
export type ModelKind = '2d' | '3d' | '3d->2d';

/** Constructor options with the official (snake_case) names, e.g. { num_classes: 3, feature_scale: 2 }. */
export type ModelOptions = Record<string, unknown>;

/** A segmentation network: logits [B, num_classes, H, W]. */
export interface SegmentationModel extends Module {
  forward(x: Tensor): Tensor;
}

export interface ModelSpec {
  /** The official class name (or a named variant such as VSS_Net_all). */
  name: string;
  kind: ModelKind;
  aliases: string[];
  summary: string;
  /** The frame counts the model takes with these options: 'any', or the one count its layers are built for. */
  frames(options: ModelOptions): 'any' | number;
  /** Height and width must be multiples of this. */
  sizeMultiple: number;
  /** A fixed input size the architecture resizes to internally (IPN), if any. */
  fixedSize?: readonly number[];
  /** Our defaults (what `dias train --model NAME` builds). */
  defaults: ModelOptions;
  /** The official code's defaults, used when rebuilding from official constructor arguments (verification). */
  officialDefaults: ModelOptions;
  build(options: ModelOptions): SegmentationModel;
}
