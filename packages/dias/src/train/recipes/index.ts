// The training recipes by name (train.recipe, --recipe), and the whole configuration they make with the core
// sections: its type, defaults, schema and bounds (config.ts reads, merges and checks it). Adding a recipe: a file
// here (its step, its config section) and this list.
import {
  CORE_DEFAULTS,
  CORE_MAXIMA,
  CORE_SCHEMA,
  oneOf,
  type CoreTrainConfig,
  type RecipeSection,
  type Schema,
} from '../config-core.js';
import type { RecipeDefinition } from '../recipe.js';
import { fslRecipe } from './fsl.js';
import { sscrRecipe, type SscrSettings } from './sscr.js';
import {
  entropyMinRecipe,
  gatedCrfRecipe,
  pceDiceRecipe,
  pceRecipe,
  type EntropyMinSettings,
  type GatedCrfSettings,
} from './weak-baselines.js';
import { dmplsRecipe, type DmplsSettings } from './dmpls.js';
import { rpstRecipe, type RpstSettings } from './rpst.js';
import { meanTeacherRecipe, type MeanTeacherSettings } from './mean-teacher.js';
import { cpsRecipe, type CpsSettings } from './cps.js';

/** Every setting of a run: the core sections and each recipe's own. */
export interface TrainConfig extends CoreTrainConfig {
  /** Scribble-supervised SSCR (sscr.ts). */
  sscr: SscrSettings;
  entropyMin: EntropyMinSettings;
  gatedCrf: GatedCrfSettings;
  dmpls: DmplsSettings;
  /** RPST, random patch-based self-training (rpst.ts, self-training.ts). */
  rpst: RpstSettings;
  meanTeacher: MeanTeacherSettings;
  cps: CpsSettings;
}

const RECIPES: readonly RecipeDefinition<TrainConfig>[] = [
  fslRecipe,
  sscrRecipe,
  pceRecipe,
  pceDiceRecipe,
  entropyMinRecipe,
  gatedCrfRecipe,
  dmplsRecipe,
  rpstRecipe,
  meanTeacherRecipe,
  cpsRecipe,
];

export const RECIPE_NAMES: readonly string[] = RECIPES.map((r) => r.name);

/** The recipes' own sections, in the registry's order. */
export const RECIPE_SECTIONS: readonly RecipeSection[] = RECIPES.flatMap((r) => (r.section ? [r.section] : []));

/** The defaults: the official recipe's core sections, then each recipe's section. */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  ...CORE_DEFAULTS,
  ...Object.fromEntries(RECIPE_SECTIONS.map((s) => [s.key, s.defaults])),
} as TrainConfig;

/** The schema of every key; train.recipe is one of the registry's names. */
export const TRAIN_SCHEMA: Schema = {
  ...CORE_SCHEMA,
  train: { ...(CORE_SCHEMA.train as Schema), recipe: oneOf(...RECIPE_NAMES) },
  ...Object.fromEntries(RECIPE_SECTIONS.map((s) => [s.key, s.schema])),
};

/**
 * Upper bounds of the size-like settings (the core's, then the recipes'): far above any published or useful value,
 * low enough that a mistyped one fails at once. `dias train --help` lists them.
 */
export const SETTING_MAXIMA: typeof CORE_MAXIMA & Readonly<Record<string, number>> = {
  ...CORE_MAXIMA,
  ...Object.assign({}, ...RECIPE_SECTIONS.map((s) => s.maxima ?? {})),
};

export function allRecipes(): readonly RecipeDefinition<TrainConfig>[] {
  return RECIPES;
}

/**
 * The recipes that read the setting `key` when only some do (a recipe's section, data.scribbles), else null:
 * every recipe reads it.
 */
export function recipesReading(key: string): string[] | null {
  const reads = (r: RecipeDefinition) => r.settings.some((s) => key === s || key.startsWith(`${s}.`));
  return RECIPES.some(reads) ? RECIPES.filter(reads).map((r) => r.name) : null;
}

export function findRecipe(name: string): RecipeDefinition<TrainConfig> {
  const recipe = RECIPES.find((r) => r.name === name);
  if (!recipe) throw new Error(`unknown recipe '${name}'; known: ${RECIPE_NAMES.join(', ')}`);
  return recipe;
}
