// What a training method is to the epoch loop (loop.ts): a small object with the networks it trains, what its
// batches hold, and its step's losses -- the shape of nnU-Net's nnUNetTrainer, where run_training() calls hooks
// (train_step, on_train_epoch_end, ...) that a variant overrides. Everything else -- seeding, patch batches,
// optimizers and schedules (one AdamW and one cosine schedule per network), backward and the optimizer steps,
// mixed precision, validation, the checkpoint choice, the run folder and resuming -- is the loop's, so a new
// method is one file in recipes/ plus its config section.
import type { Device, Tensor } from '@dias-ts/torch';
import type { AugmentOptionsInput, AugmentPreset } from '../data/pipeline/augmentation.js';
import type { PatchBatch } from '../data/pipeline/patch-sampler.js';
import type { ModelOptions, ModelSpec, SegmentationModel } from '../models/model-spec.js';
import type { CoreTrainConfig, RecipeSection } from './config-core.js';

/** What the loop hands a recipe's step: the batch as tensors on the device, the networks, and where the run is. */
export interface StepContext {
  batch: PatchBatch;
  /** The networks by name, in train mode. */
  nets: Readonly<Record<string, SegmentationModel>>;
  /** The model input of view 1 (or 2: the second photometric view) on the device. */
  input(view?: 1 | 2): Tensor;
  /** The dense labels [B, P, P] int64 (recipes whose batch holds labels). */
  labels(): Tensor;
  /** The scribbles [B, P, P] int64, 1 vessel, 0 background, 255 unlabelled (recipes whose batch holds scribbles). */
  scribbles(): Tensor;
  /** 1-based epoch, 0-based step in it, steps per epoch and epochs in all (for ramp-ups). */
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  epochs: number;
  device: Device;
}

/** A step's losses: `loss` is the one backward() runs on; the others are its named parts, for the log. */
export type StepLosses = { loss: Tensor } & Record<string, Tensor>;

export interface Recipe {
  /** The config name (train.recipe). */
  name: string;
  /** The networks it trains, built in this order after the seed, each of the configured architecture. */
  networks: readonly string[];
  /** The network that is validated, chosen by the checkpoint rule and written as checkpoint_{best,final,latest}. */
  exported: string;
  /** The losses the step reports, in log order ('loss' first). */
  lossNames: readonly string[];
  /** The forward passes and losses of one step (inside the loop's scope and, on CUDA with amp, autocast). */
  losses(ctx: StepContext): StepLosses;
  /** After the optimizers have stepped (an EMA teacher's update, say). */
  afterStep?(ctx: StepContext): void;
  /** Networks the optimizers never step (an EMA teacher); they still take part in checkpoints and resume. */
  frozen?: readonly string[];
}

/** What a recipe's batches are cut from: dense labels or scribbles of the training split (the page and the server
 * read it too, to offer the right data). */
export type RecipeTargets = 'label' | 'scribble';

/**
 * A second pool of patches besides the training split: the unlabelled split (labels all 255, ignored) or a folder of
 * pseudo-labelled sequences (DIAS layout, 255 = left out by confidence filtering), drawn with this probability.
 */
export interface SecondPool {
  source: { unlabelled: true } | { pseudoDir: string };
  /** How the log names its sequences ('unlabelled', 'pseudo-labelled'). */
  describe: string;
  probability: number;
  /** The augmentation of its patches when not the training split's. */
  augment?: AugmentOptionsInput;
}

/** The folders of a run trained in stages (self-training.ts lays them out). */
export interface StageFolders {
  /** Stage k's run folder (0: the teacher). */
  stage(k: number): string;
  /** The pseudo-labels stage k trains on (k >= 1), made by stage k - 1. */
  pseudo(k: number): string;
}

/** Training in stages of ordinary runs (self-training.ts): a teacher, then students on their teacher's pseudo-labels. */
export interface StagedTraining<C extends CoreTrainConfig = CoreTrainConfig> {
  /** Students after the teacher: stages 1 to students(config). */
  students(config: C): number;
  /** Stage k's settings (0: the teacher): an ordinary run of a recipe without stages. */
  stageConfig<T extends C>(config: T, k: number, folders: StageFolders): T;
  /** How a teacher pseudo-labels the unlabelled pool for its student. */
  pseudoLabelling(config: C): { tta: boolean; confidenceBand: number };
}

/**
 * A recipe as the registry knows it: a name, a one-line description, its defaults, its own settings, and how to
 * build it. `C` is the configuration it reads: the core sections and its own (recipes/index.ts assembles them all).
 */
export interface RecipeDefinition<C extends CoreTrainConfig = CoreTrainConfig> {
  name: string;
  summary: string;
  /** What each batch holds: dense labels or scribbles, and one or two photometric views. */
  targets: RecipeTargets;
  views: 1 | 2;
  /** The second pool its runs draw patches from, if any (semi-supervised recipes; RPST's students). */
  secondPool?(config: C): SecondPool | null;
  /** The augmentation preset its batches get when data.augment is not set. */
  augment: AugmentPreset;
  /** Model options it needs unless the user gave them (the weak-supervision networks have 3 outputs). */
  modelDefaults: ModelOptions;
  /**
   * The settings it reads that not every recipe reads: its own config section ('gatedCrf'), data.scribbles for
   * the scribble recipes, single keys of another section. A flag that sets one the chosen recipe does not read
   * is an error (recipesReading in recipes/index.ts).
   */
  settings: readonly string[];
  /** Its own configuration section (key, defaults, schema), when it has one. */
  section?: RecipeSection;
  /**
   * `dias train --as-released`: the settings that reproduce the released script where our defaults differ from it,
   * as [dotted key, value] applied in order after the user's settings.
   */
  asReleased?: readonly (readonly [string, unknown])[];
  /** Trained in stages of ordinary runs by self-training.ts (RPST), each stage another recipe's run. */
  stages?: StagedTraining<C>;
  /**
   * The one architecture the recipe is defined on, if any (DMPLS: UNet_CCT's two decoders): a benchmark that
   * compares recipes trains it on that model whatever model the other rows train.
   */
  model?: string;
  /** Checks that the architecture suits the recipe (throws a message naming why not). */
  checkModel?(spec: ModelSpec): void;
  create(config: C): Recipe;
}
