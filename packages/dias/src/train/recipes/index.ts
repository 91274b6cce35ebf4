// The training recipes by name (train.recipe, --recipe). Adding one: a file here, its config section, this list.
import type { RecipeDefinition } from '../recipe.js';
import { fslRecipe } from './fsl.js';
import { sscrRecipe } from './sscr.js';
import { entropyMinRecipe, gatedCrfRecipe, pceDiceRecipe, pceRecipe } from './weak-baselines.js';
import { dmplsRecipe } from './dmpls.js';
import { rpstRecipe } from './rpst.js';
import { meanTeacherRecipe } from './mean-teacher.js';
import { cpsRecipe } from './cps.js';

const RECIPES: readonly RecipeDefinition[] = [
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

export function allRecipes(): readonly RecipeDefinition[] {
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

export function findRecipe(name: string): RecipeDefinition {
  const recipe = RECIPES.find((r) => r.name === name);
  if (!recipe) throw new Error(`unknown recipe '${name}'; known: ${RECIPE_NAMES.join(', ')}`);
  return recipe;
}
